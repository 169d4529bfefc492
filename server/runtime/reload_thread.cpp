#include "reload_thread.hpp"

namespace azdns {

ReloadThread::ReloadThread(std::function<void()> reload)
    : reload_(std::move(reload)), thread_([this] { run(); }) {}

ReloadThread::~ReloadThread() { stop(); }

void ReloadThread::request() {
    {
        std::lock_guard lock(mutex_);
        pending_ = true;
    }
    wake_.notify_one();
}

void ReloadThread::stop() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_one();
    if (thread_.joinable()) thread_.join();
}

void ReloadThread::run() {
    std::unique_lock lock(mutex_);
    for (;;) {
        wake_.wait(lock, [this] { return pending_ || stopping_; });
        if (stopping_) return;
        pending_ = false;  // requests from now on get a reload of their own
        lock.unlock();
        reload_();
        lock.lock();
    }
}

}  // namespace azdns
