// The main thread's life while workers serve: wait for signals.
#pragma once

#include <functional>

namespace azdns {

// Runs a loop on the calling thread until SIGTERM or SIGINT arrives and
// returns that signal's number. SIGHUP calls `on_reload` (on this thread).
int wait_for_stop_signal(const std::function<void()>& on_reload);

// "SIGTERM", "SIGINT", ...
const char* signal_name(int signal);

}  // namespace azdns
