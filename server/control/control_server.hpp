// The control API's HTTP/1.1 server: its own thread and libuv loop, so that
// nothing an operator (or a slow client) does reaches the answering threads.
// Requests are parsed with http_parser and handed to route()
// (control_routes.hpp); this file does the framing, keep-alive, limits and
// the bearer token.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "config.hpp"
#include "control_backend.hpp"

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

class ControlServer {
public:
    // `token` non-empty: every request but GET /healthz needs
    // "Authorization: Bearer TOKEN" (else 401). The backend must outlive the server.
    ControlServer(const ListenAddress& listen, std::string token, ControlBackend& backend, ControlLimits limits = {});
    ~ControlServer();  // stop()s

    ControlServer(const ControlServer&) = delete;
    ControlServer& operator=(const ControlServer&) = delete;

    // Binds and listens (port 0: an ephemeral port, see port()), then serves
    // on a thread of its own. On failure returns false with `error` naming
    // the address and the cause.
    [[nodiscard]] bool start(std::string& error);
    // Closes the listener and every connection, and joins the thread. From
    // any thread but the control thread itself (i.e. not from the backend);
    // returns as soon as the backend call in progress, if any, returns.
    // Idempotent.
    void stop();
    // The bound port, once started.
    [[nodiscard]] std::uint16_t port() const;

    struct Impl;

private:
    std::unique_ptr<Impl> impl_;
};

}  // namespace azdns
