// Reloading when a zone file changes (spec: "Reload": "a changed zone file
// (watched)"). Watches the folder of each zone file rather than the file:
// editors and config management replace a file by renaming a new one over
// it, which ends a watch on the file itself. Events for other names in
// those folders are ignored. Changes are settled for a moment before the
// reload, so that a file written in several steps is read once, whole; a
// reload that still reads a half-written file keeps the previous zone and
// the next event reloads again. The files watched follow what is served:
// every reload hands over the zone files of the config in force and the
// files they pulled in with $INCLUDE, and a folder left with none of them
// is no longer watched.
#pragma once

#include <uv.h>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace azdns {

class ZoneWatcher {
public:
    explicit ZoneWatcher(std::function<void()> on_change,
                         std::chrono::milliseconds settle = std::chrono::milliseconds(250));
    ZoneWatcher(const ZoneWatcher&) = delete;
    ZoneWatcher& operator=(const ZoneWatcher&) = delete;
    ~ZoneWatcher();

    // Thread-safe: watch `files` (paths as the config and $INCLUDE spelled
    // them) instead of the files given before. The handles belong to the
    // loop, so the set is applied there: at start(), or soon after this call.
    void watch(std::vector<std::string> files);
    // Starts watching on `loop` (the main thread's, on that thread): the set
    // given so far is watched when it returns. A folder that cannot be
    // watched is logged and skipped; the others still work.
    void start(uv_loop_t* loop);
    // Closes every handle; the loop must run once more to finish closing.
    void close();

private:
    struct Folder;
    static void on_event(uv_fs_event_t* handle, const char* name, int events, int status);
    static void on_settled(uv_timer_t* timer);
    static void on_files(uv_async_t* async);
    static void close_folder(std::unique_ptr<Folder> folder);
    void apply(const std::vector<std::string>& files);  // on the loop

    std::function<void()> on_change_;
    std::chrono::milliseconds settle_;
    uv_loop_t* loop_ = nullptr;
    std::map<std::string, std::unique_ptr<Folder>> folders_;  // watched, by path
    uv_timer_t* timer_ = nullptr;
    std::mutex mutex_;  // watch() runs on any thread; guards the two below
    std::optional<std::vector<std::string>> pending_;  // not applied yet
    uv_async_t* wakeup_ = nullptr;  // set while the loop can take a new set
};

}  // namespace azdns
