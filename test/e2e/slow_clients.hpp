// Slow HTTP clients, as the slowloris attack makes them: each connects to
// 127.0.0.1:PORT, sends the start of a request, then one more header byte
// now and then, and never finishes it; a connection the server closes is
// opened again at the next round. They run on a thread of their own until
// stop(), every wait bounded.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

namespace azdns::e2e {

class SlowClients {
public:
    // `round`: how often each client sends its next byte and a closed one reconnects.
    SlowClients(std::uint16_t port, std::size_t count, std::chrono::milliseconds round = std::chrono::milliseconds(500));
    ~SlowClients();  // stop()
    SlowClients(const SlowClients&) = delete;
    SlowClients& operator=(const SlowClients&) = delete;

    // Raises this process's soft limit on open files if `count` clients need
    // it; false with `error` when the hard limit is too low.
    [[nodiscard]] static bool make_room(std::size_t count, std::string& error);

    void stop();  // closes every connection and joins the thread; idempotent
    [[nodiscard]] std::size_t connects() const { return connects_.load(); }       // connections opened
    [[nodiscard]] std::size_t closed_by_server() const { return closed_.load(); }  // connections the server ended
    [[nodiscard]] std::size_t bytes_sent() const { return bytes_.load(); }

private:
    void run();
    void open(std::size_t slot);
    void close(std::size_t slot);

    const std::uint16_t port_;
    const std::chrono::milliseconds round_;
    std::vector<int> fds_;            // -1: to be opened at the next round
    std::vector<std::size_t> sent_;   // bytes of the endless request sent on each
    std::atomic<bool> stopping_{false};
    std::atomic<std::size_t> connects_{0}, closed_{0}, bytes_{0};
    std::thread thread_;
};

}  // namespace azdns::e2e
