// The main thread's life while workers serve: wait for signals.
#pragma once

#include <functional>

namespace azdns {

class ZoneWatcher;

// Holds SIGTERM, SIGINT and SIGHUP back (blocks them) in the calling thread
// and in every thread it starts from then on, until wait_for_stop_signal()
// listens on this thread. Call it before starting any thread: a signal sent
// while azdns starts (the first probe round can take a check's timeout) then
// waits, pending, and is acted on once serving, instead of killing the
// process with its default action while it already answers.
void hold_stop_signals();

// Runs a loop on the calling thread until SIGTERM or SIGINT arrives and
// returns that signal's number. SIGHUP calls `on_reload` (on this thread:
// it must return at once, so hand the reload to another thread). A
// `watcher`, if given, watches the zone files on the same loop.
// `on_started` runs once the signals are handled and the files watched,
// before the first wait: where to say "ready" (a SIGHUP or an edit from then
// on reloads instead of being lost, or of killing the process).
int wait_for_stop_signal(const std::function<void()>& on_reload, ZoneWatcher* watcher = nullptr,
                         const std::function<void()>& on_started = {});

// "SIGTERM", "SIGINT", ...
const char* signal_name(int signal);

}  // namespace azdns
