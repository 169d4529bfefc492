// The control API's HTTP/1.1 server, over TLS when given a certificate: its
// own thread and libuv loop, so that nothing an operator (or a slow client)
// does reaches the answering threads.
// This file owns the listener and the thread; each connection
// (control_connection.hpp) parses its requests and hands them to route()
// (control_routes.hpp).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "config.hpp"
#include "control_backend.hpp"
#include "control_limits.hpp"
#include "tls_server_context.hpp"

namespace azdns {

class ControlServer {
public:
    // `token` non-empty: every request but GET /healthz needs
    // "Authorization: Bearer TOKEN" (else 401). `tls` set: HTTPS only, each
    // new connection with the context `tls` gives then (null keeps the last
    // one; see TlsContextSource); thread-safe. `limits`: control_limits.hpp,
    // max_fleet_body_bytes included. The backend must outlive the server.
    // `fleet_token` non-empty: also accepted on /v1/fleet/state, which then
    // needs one of the two tokens.
    ControlServer(const ListenAddress& listen, std::string token, std::string fleet_token, ControlBackend& backend,
                  std::function<TlsServerContext()> tls = {}, ControlLimits limits = {});
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
