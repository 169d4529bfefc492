// Reloading when a zone file changes (spec: "Reload": "a changed zone file
// (watched)"). Watches the folder of each zone file rather than the file:
// editors and config management replace a file by renaming a new one over
// it, which ends a watch on the file itself. Events for other names in
// those folders are ignored. Changes are settled for a moment before the
// reload, so that a file written in several steps is read once, whole; a
// reload that still reads a half-written file keeps the previous zone and
// the next event reloads again. Files pulled in with $INCLUDE are not
// watched: change the including file, or reload by hand.
#pragma once

#include <uv.h>

#include <chrono>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <vector>

namespace azdns {

class ZoneWatcher {
public:
    // `files`: the zone files, as the config resolved them.
    ZoneWatcher(std::vector<std::string> files, std::function<void()> on_change,
                std::chrono::milliseconds settle = std::chrono::milliseconds(250));
    ZoneWatcher(const ZoneWatcher&) = delete;
    ZoneWatcher& operator=(const ZoneWatcher&) = delete;
    ~ZoneWatcher();

    // Starts watching on `loop` (the main thread's). A folder that cannot be
    // watched is reported in `error` and skipped; the others still work.
    void start(uv_loop_t* loop, std::string& error);
    // Closes every handle; the loop must run once more to finish closing.
    void close();

private:
    struct Folder;
    static void on_event(uv_fs_event_t* handle, const char* name, int events, int status);
    static void on_settled(uv_timer_t* timer);

    std::set<std::string> names_;  // base names of the zone files
    std::set<std::string> folders_;
    std::function<void()> on_change_;
    std::chrono::milliseconds settle_;
    std::vector<std::unique_ptr<Folder>> watches_;
    uv_timer_t* timer_ = nullptr;
};

}  // namespace azdns
