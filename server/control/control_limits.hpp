// The bounds on what one client of the control API can hold: memory per
// request, connections, and time (docs/control.md, "Limits").
#pragma once

#include <chrono>
#include <cstddef>

namespace azdns {

struct ControlLimits {
    std::size_t max_head_bytes = 16 * 1024;  // request line and headers; more gets 431 and a close
    std::size_t max_body_bytes = 64 * 1024;  // more gets 413 and a close
    // At the limit a new connection is still taken: the open one that has
    // waited longest for a complete request makes room (see ControlConnection::evict),
    // so slow or idle clients can never lock out a health check or an operator.
    std::size_t max_connections = 64;
    // A request must arrive whole, head and body, within this time of the
    // connection's accept (or, on a kept-alive connection, of its first
    // byte); otherwise 408 and a close. Slow clients hold a slot this long at most.
    std::chrono::milliseconds request_timeout{5'000};
    // How long a kept-alive connection may wait, after a response, for the
    // next request to begin before it is closed.
    std::chrono::milliseconds idle_timeout{10'000};
};

}  // namespace azdns
