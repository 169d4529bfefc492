#include "zone_watcher.hpp"

#include <filesystem>

namespace azdns {

struct ZoneWatcher::Folder {
    ZoneWatcher* owner;
    uv_fs_event_t handle{};
};

ZoneWatcher::ZoneWatcher(std::vector<std::string> files, std::function<void()> on_change,
                         std::chrono::milliseconds settle)
    : on_change_(std::move(on_change)), settle_(settle) {
    for (const std::string& file : files) {
        std::filesystem::path path(file);
        names_.insert(path.filename().string());
        folders_.insert(path.parent_path().empty() ? "." : path.parent_path().string());
    }
}

ZoneWatcher::~ZoneWatcher() = default;

void ZoneWatcher::start(uv_loop_t* loop, std::string& error) {
    timer_ = new uv_timer_t;
    uv_timer_init(loop, timer_);
    timer_->data = this;
    for (const std::string& folder : folders_) {
        auto watch = std::make_unique<Folder>();
        watch->owner = this;
        uv_fs_event_init(loop, &watch->handle);
        watch->handle.data = watch.get();
        int status = uv_fs_event_start(&watch->handle, on_event, folder.c_str(), 0);
        if (status != 0) {
            error += (error.empty() ? "" : "; ") + std::string("cannot watch ") + folder + ": " + uv_strerror(status);
            uv_close(reinterpret_cast<uv_handle_t*>(&watch->handle),
                     [](uv_handle_t* h) { delete static_cast<Folder*>(h->data); });
            watch.release();  // freed by the close callback
            continue;
        }
        watches_.push_back(std::move(watch));
    }
}

void ZoneWatcher::on_event(uv_fs_event_t* handle, const char* name, int /*events*/, int status) {
    ZoneWatcher* self = static_cast<Folder*>(handle->data)->owner;
    if (status != 0 || name == nullptr || !self->names_.contains(name)) return;
    // Every event restarts the wait: reload once the writes have settled.
    uv_timer_start(self->timer_, on_settled, static_cast<std::uint64_t>(self->settle_.count()), 0);
}

void ZoneWatcher::on_settled(uv_timer_t* timer) { static_cast<ZoneWatcher*>(timer->data)->on_change_(); }

void ZoneWatcher::close() {
    for (auto& watch : watches_) {
        uv_close(reinterpret_cast<uv_handle_t*>(&watch->handle),
                 [](uv_handle_t* h) { delete static_cast<Folder*>(h->data); });
        watch.release();  // freed by the close callback
    }
    watches_.clear();
    if (timer_ != nullptr) {
        uv_close(reinterpret_cast<uv_handle_t*>(timer_), [](uv_handle_t* h) { delete reinterpret_cast<uv_timer_t*>(h); });
        timer_ = nullptr;
    }
}

}  // namespace azdns
