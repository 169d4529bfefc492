#include "signals.hpp"

#include <uv.h>

#include <pthread.h>

#include <csignal>

#include "zone_watcher.hpp"

namespace azdns {

namespace {

struct SignalWait {
    uv_signal_t term{};
    uv_signal_t interrupt{};
    uv_signal_t hangup{};
    const std::function<void()>* on_reload = nullptr;
    ZoneWatcher* watcher = nullptr;
    int received = 0;
};

void on_stop_signal(uv_signal_t* handle, int signal) {
    auto* wait = static_cast<SignalWait*>(handle->data);
    wait->received = signal;
    uv_close(reinterpret_cast<uv_handle_t*>(&wait->term), nullptr);
    uv_close(reinterpret_cast<uv_handle_t*>(&wait->interrupt), nullptr);
    uv_close(reinterpret_cast<uv_handle_t*>(&wait->hangup), nullptr);
    if (wait->watcher != nullptr) wait->watcher->close();
}

void on_hangup(uv_signal_t* handle, int /*signal*/) {
    auto* wait = static_cast<SignalWait*>(handle->data);
    if (*wait->on_reload) (*wait->on_reload)();
}

sigset_t stop_signals() {
    sigset_t set;
    sigemptyset(&set);
    for (int signal : {SIGTERM, SIGINT, SIGHUP}) sigaddset(&set, signal);
    return set;
}

}  // namespace

void hold_stop_signals() {
    sigset_t set = stop_signals();
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

int wait_for_stop_signal(const std::function<void()>& on_reload, ZoneWatcher* watcher,
                         const std::function<void()>& on_started) {
    uv_loop_t loop;
    uv_loop_init(&loop);
    SignalWait wait;
    wait.on_reload = &on_reload;
    for (uv_signal_t* handle : {&wait.term, &wait.interrupt, &wait.hangup}) {
        uv_signal_init(&loop, handle);
        handle->data = &wait;
    }
    uv_signal_start(&wait.term, on_stop_signal, SIGTERM);
    uv_signal_start(&wait.interrupt, on_stop_signal, SIGINT);
    uv_signal_start(&wait.hangup, on_hangup, SIGHUP);
    if (watcher != nullptr) {
        wait.watcher = watcher;
        watcher->start(&loop);
    }
    // Listening now: what hold_stop_signals() kept pending arrives here.
    sigset_t set = stop_signals();
    pthread_sigmask(SIG_UNBLOCK, &set, nullptr);
    if (on_started) on_started();
    uv_run(&loop, UV_RUN_DEFAULT);
    uv_loop_close(&loop);
    return wait.received;
}

const char* signal_name(int signal) {
    switch (signal) {
        case SIGTERM: return "SIGTERM";
        case SIGINT: return "SIGINT";
        case SIGHUP: return "SIGHUP";
        default: return "a signal";
    }
}

}  // namespace azdns
