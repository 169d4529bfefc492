// The bounds on what one client of the control API can hold: memory per
// request (the head, then the body: a fleet report's larger one only once
// the token is checked), connections, and time (docs/control.md, "Limits").
#pragma once

#include <chrono>
#include <cstddef>

namespace azdns {

struct ControlLimits {
    std::size_t max_head_bytes = 16 * 1024;  // request line and headers; more gets 431 and a close
    std::size_t max_body_bytes = 64 * 1024;  // more gets 413 and a close
    // The body limit of an authenticated POST /v1/fleet/state instead: a
    // peer's fleet report grows with the endpoints and AZs configured, so
    // it is to be sized from the config (until the fleet exchange is wired
    // in, the default serves). The token is checked before any
    // body is read, so only a holder of it can send this much.
    std::size_t max_fleet_body_bytes = 64 * 1024;
    // At the limit a new connection is still taken: the open one that has
    // waited longest for a complete request makes room (see ControlConnection::evict),
    // so slow or idle clients can never lock out a health check or an operator.
    std::size_t max_connections = 64;
    // No connection is evicted within this time of its accept (or of its
    // last complete request) unless its last response is out: one whose
    // request is still on its way (a client paused between connect and
    // send) is not pushed out by a burst of newer ones. While every open
    // connection is this young, new ones wait in the kernel's queue.
    std::chrono::milliseconds eviction_grace{50};
    // A request must arrive whole, head and body, within this time of the
    // connection's accept (or, on a kept-alive connection, of its first
    // byte); otherwise 408 and a close. Slow clients hold a slot this long at most.
    std::chrono::milliseconds request_timeout{5'000};
    // How long a kept-alive connection may wait, after a response, for the
    // next request to begin before it is closed.
    std::chrono::milliseconds idle_timeout{10'000};
};

}  // namespace azdns
