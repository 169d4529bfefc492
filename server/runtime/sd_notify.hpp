// A minimal client of systemd's notification protocol (sd_notify(3)), so
// that a unit with Type=notify learns when azdns is ready, reloading or
// stopping. No libsystemd: the protocol is one datagram of "KEY=VALUE" lines
// sent to the AF_UNIX socket named by $NOTIFY_SOCKET (a leading '@' names a
// socket in the abstract namespace).
#pragma once

#include <string>
#include <string_view>

namespace azdns {

// Sends `state` (e.g. "READY=1", "STOPPING=1") to $NOTIFY_SOCKET. Does
// nothing when NOTIFY_SOCKET is unset or empty (not started by systemd).
// Errors are ignored: a notification that cannot be sent must never stop or
// crash the server. Never blocks; safe from any thread.
void sd_notify_state(std::string_view state);

// "RELOADING=1\nMONOTONIC_USEC=N" with N the current CLOCK_MONOTONIC time in
// microseconds, as systemd expects before a reload (send READY=1 after it).
std::string sd_reloading_state();

}  // namespace azdns
