// The bounds on what one client of the control API can hold: memory per
// request, connections, and time (docs/control.md, "Limits").
#pragma once

#include <chrono>
#include <cstddef>

namespace azdns {

struct ControlLimits {
    std::size_t max_head_bytes = 16 * 1024;  // request line and headers; more gets 431 and a close
    std::size_t max_body_bytes = 64 * 1024;  // more gets 413 and a close
    std::size_t max_connections = 64;        // a connection beyond this gets 503 and is closed at once
    // A connection must send a complete request within this time of being
    // accepted or of its previous request; otherwise it is closed (idle
    // keep-alive connections and slow requests alike).
    std::chrono::milliseconds idle_timeout{10'000};
};

}  // namespace azdns
