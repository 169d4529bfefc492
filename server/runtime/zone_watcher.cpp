#include "zone_watcher.hpp"

#include <filesystem>
#include <set>

#include "log.hpp"

namespace azdns {

struct ZoneWatcher::Folder {
    ZoneWatcher* owner;
    std::set<std::string> names;  // base names of the watched files in it
    uv_fs_event_t handle{};
};

ZoneWatcher::ZoneWatcher(std::function<void()> on_change, std::chrono::milliseconds settle)
    : on_change_(std::move(on_change)), settle_(settle) {}

ZoneWatcher::~ZoneWatcher() = default;

void ZoneWatcher::watch(std::vector<std::string> files) {
    std::lock_guard lock(mutex_);
    pending_ = std::move(files);
    if (wakeup_ != nullptr) uv_async_send(wakeup_);
}

void ZoneWatcher::start(uv_loop_t* loop) {
    loop_ = loop;
    timer_ = new uv_timer_t;
    uv_timer_init(loop, timer_);
    timer_->data = this;
    auto* wakeup = new uv_async_t;
    uv_async_init(loop, wakeup, on_files);
    wakeup->data = this;
    std::optional<std::vector<std::string>> files;
    {
        std::lock_guard lock(mutex_);
        wakeup_ = wakeup;
        files.swap(pending_);
    }
    // Now, not at the loop's first turn: once start() returns, an edit is seen.
    if (files) apply(*files);
}

void ZoneWatcher::on_files(uv_async_t* async) {
    auto* self = static_cast<ZoneWatcher*>(async->data);
    std::optional<std::vector<std::string>> files;
    {
        std::lock_guard lock(self->mutex_);
        files.swap(self->pending_);
    }
    if (files) self->apply(*files);
}

void ZoneWatcher::apply(const std::vector<std::string>& files) {
    std::map<std::string, std::set<std::string>> wanted;  // folder -> base names
    for (const std::string& file : files) {
        std::filesystem::path path(file);
        wanted[path.parent_path().empty() ? "." : path.parent_path().string()].insert(path.filename().string());
    }
    for (auto it = folders_.begin(); it != folders_.end();) {
        if (wanted.contains(it->first)) {
            ++it;
            continue;
        }
        close_folder(std::move(it->second));
        it = folders_.erase(it);
    }
    for (auto& [path, names] : wanted) {
        auto watched = folders_.find(path);
        if (watched == folders_.end()) {
            auto folder = std::make_unique<Folder>();
            folder->owner = this;
            uv_fs_event_init(loop_, &folder->handle);
            folder->handle.data = folder.get();
            int status = uv_fs_event_start(&folder->handle, on_event, path.c_str(), 0);
            if (status != 0) {
                // Tried again with the set of the next reload.
                log_line("cannot watch " + path + ": " + uv_strerror(status) +
                         " (zone files there reload only on SIGHUP or azdns ctl reload)");
                close_folder(std::move(folder));
                continue;
            }
            watched = folders_.emplace(path, std::move(folder)).first;
        }
        watched->second->names = std::move(names);
    }
}

void ZoneWatcher::on_event(uv_fs_event_t* handle, const char* name, int /*events*/, int status) {
    const Folder* folder = static_cast<Folder*>(handle->data);
    if (status != 0 || name == nullptr || !folder->names.contains(name)) return;
    // Every event restarts the wait: reload once the writes have settled.
    ZoneWatcher* self = folder->owner;
    uv_timer_start(self->timer_, on_settled, static_cast<std::uint64_t>(self->settle_.count()), 0);
}

void ZoneWatcher::on_settled(uv_timer_t* timer) { static_cast<ZoneWatcher*>(timer->data)->on_change_(); }

void ZoneWatcher::close_folder(std::unique_ptr<Folder> folder) {
    uv_close(reinterpret_cast<uv_handle_t*>(&folder->handle),
             [](uv_handle_t* h) { delete static_cast<Folder*>(h->data); });
    folder.release();  // freed by the close callback
}

void ZoneWatcher::close() {
    {
        // After this, watch() only keeps the set: the loop is ending.
        std::lock_guard lock(mutex_);
        if (wakeup_ != nullptr) {
            uv_close(reinterpret_cast<uv_handle_t*>(wakeup_),
                     [](uv_handle_t* h) { delete reinterpret_cast<uv_async_t*>(h); });
            wakeup_ = nullptr;
        }
    }
    for (auto& [path, folder] : folders_) close_folder(std::move(folder));
    folders_.clear();
    if (timer_ != nullptr) {
        uv_close(reinterpret_cast<uv_handle_t*>(timer_), [](uv_handle_t* h) { delete reinterpret_cast<uv_timer_t*>(h); });
        timer_ = nullptr;
    }
}

}  // namespace azdns
