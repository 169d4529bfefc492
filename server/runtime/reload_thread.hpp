// Where SIGHUP and zone-file edits reload: a thread of its own, not the main
// loop. That loop also handles SIGTERM, and must never wait for a reload: a
// slow one would keep azdns from stopping. Requests that arrive while a
// reload runs are merged into one more reload after it, which reads every
// file anew; none is lost, none runs twice for nothing.
#pragma once

#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

namespace azdns {

class ReloadThread {
public:
    explicit ReloadThread(std::function<void()> reload);
    ~ReloadThread();
    ReloadThread(const ReloadThread&) = delete;
    ReloadThread& operator=(const ReloadThread&) = delete;

    // Thread-safe and never waits: the reload runs soon after.
    void request();
    // Drops a request not started yet, waits for the reload in progress (end
    // it early with ZoneReloader::abandon() first) and joins. Idempotent.
    void stop();

private:
    void run();

    std::function<void()> reload_;
    std::mutex mutex_;
    std::condition_variable wake_;
    bool pending_ = false;
    bool stopping_ = false;
    std::thread thread_;  // last: starts once the members above exist
};

}  // namespace azdns
