#include "control_server.hpp"

#include <arpa/inet.h>
#include <sys/socket.h>
#include <uv.h>

#include <algorithm>
#include <mutex>
#include <optional>
#include <thread>

#include "control_connection.hpp"
#include "listen_socket.hpp"
#include "socket_address.hpp"

namespace azdns {

namespace {

// The kernel's queue of connections not yet accepted, as long as it allows
// (net.core.somaxconn): room for a burst, such as a flood of slow clients
// reconnecting, without dropping a health check's SYN (its retry would come
// a second later).
constexpr int listen_backlog = SOMAXCONN;

std::optional<BearerToken> token_of(const std::string& token) {
    return token.empty() ? std::nullopt : std::optional<BearerToken>(std::in_place, token);
}

}  // namespace

struct ControlServer::Impl {
    Impl(const ListenAddress& listen_, const std::string& token, const std::string& fleet_token, ControlBackend& backend,
         TlsContextSource tls, const ControlLimits& limits)
        : listen(listen_),
          connections(limits, token_of(token), token_of(fleet_token), backend, std::move(tls)),
          accepts_per_turn(std::max<std::size_t>(1, limits.max_connections / 4)) {}

    ListenAddress listen;
    ControlConnections connections;
    // New connections taken per turn of the loop. A new connection's request
    // is read in the next turn; until then it must not be the one evicted,
    // so fewer arrive per turn than it takes to push it to the front.
    const std::size_t accepts_per_turn;
    std::size_t accepted_this_turn = 0;
    bool accept_waiting = false;  // libuv holds a connection for us, and watches the listener again once it is taken

    uv_loop_t loop{};
    uv_tcp_t listener{};
    uv_check_t turn_end{};
    uv_timer_t grace_end{};  // a connection waits for room until the front one's eviction grace ends
    uv_async_t stop_async{};
    std::thread thread;
    std::uint16_t port = 0;

    std::mutex mutex;  // start() and stop()
    bool running = false;

    // Takes the connection libuv holds if there is room now; otherwise it
    // stays in the kernel's queue until the front connection's grace ends.
    void accept_if_room() {
        const std::uint64_t wait = ControlConnection::wait_for_room(connections, uv_now(&loop));
        if (wait > 0) {
            accept_waiting = true;
            if (!uv_is_active(reinterpret_cast<uv_handle_t*>(&grace_end))) uv_timer_start(&grace_end, on_grace_end, wait, 0);
            return;
        }
        accept_waiting = false;
        ++accepted_this_turn;
        ControlConnection::accept(connections, &loop, reinterpret_cast<uv_stream_t*>(&listener));
    }

    static void on_connection(uv_stream_t* server, int status);
    static void on_turn_end(uv_check_t* check);
    static void on_grace_end(uv_timer_t* timer);
    static void on_stop(uv_async_t* async);
};

// Leaving a connection unaccepted makes libuv stop watching the listener
// until uv_accept: a burst is taken a few connections per loop turn, and the
// reads of those already taken come in between.
void ControlServer::Impl::on_connection(uv_stream_t* stream, int status) {
    auto* self = static_cast<Impl*>(stream->data);
    if (status < 0) return;
    if (self->accepted_this_turn >= self->accepts_per_turn) {
        self->accept_waiting = true;
        return;
    }
    self->accept_if_room();
}

// After the turn's reads.
void ControlServer::Impl::on_turn_end(uv_check_t* check) {
    auto* self = static_cast<Impl*>(check->data);
    self->accepted_this_turn = 0;
    if (self->accept_waiting) self->accept_if_room();  // room may have come sooner: a connection closed
}

void ControlServer::Impl::on_grace_end(uv_timer_t* timer) {
    auto* self = static_cast<Impl*>(timer->data);
    if (self->accept_waiting) self->accept_if_room();
}

void ControlServer::Impl::on_stop(uv_async_t* async) {
    auto* self = static_cast<Impl*>(async->data);
    uv_close(reinterpret_cast<uv_handle_t*>(&self->listener), nullptr);  // also closes a connection libuv holds for us
    uv_close(reinterpret_cast<uv_handle_t*>(&self->turn_end), nullptr);
    uv_close(reinterpret_cast<uv_handle_t*>(&self->grace_end), nullptr);
    while (!self->connections.open.empty()) self->connections.open.front()->close_now();
    uv_close(reinterpret_cast<uv_handle_t*>(&self->stop_async), nullptr);
}

ControlServer::ControlServer(const ListenAddress& listen, std::string token, std::string fleet_token, ControlBackend& backend,
                             std::function<TlsServerContext()> tls, ControlLimits limits)
    : impl_(std::make_unique<Impl>(listen, token, fleet_token, backend, std::move(tls), limits)) {}

ControlServer::~ControlServer() { stop(); }

bool ControlServer::start(std::string& error) {
    std::lock_guard lock(impl_->mutex);
    Impl& self = *impl_;
    if (self.running) return true;
    const std::string where = "control API: cannot listen on " + self.listen.to_string() + ": ";
    if (int rc = uv_loop_init(&self.loop); rc != 0) {
        error = where + uv_strerror(rc);
        return false;
    }
    uv_tcp_init(&self.loop, &self.listener);
    self.listener.data = &self;
    uv_check_init(&self.loop, &self.turn_end);
    self.turn_end.data = &self;
    uv_timer_init(&self.loop, &self.grace_end);
    self.grace_end.data = &self;
    sockaddr_storage address{};
    to_sockaddr(self.listen.address, self.listen.port, address);
    int rc = uv_tcp_bind(&self.listener, reinterpret_cast<const sockaddr*>(&address),
                         self.listen.address.family == IpFamily::v6 ? UV_TCP_IPV6ONLY : 0);
    if (rc == 0) rc = uv_listen(reinterpret_cast<uv_stream_t*>(&self.listener), listen_backlog, Impl::on_connection);
    if (rc == 0) {
        sockaddr_storage bound{};
        int length = sizeof bound;
        rc = uv_tcp_getsockname(&self.listener, reinterpret_cast<sockaddr*>(&bound), &length);
        if (rc == 0)
            self.port = ntohs(bound.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port
                                                          : reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
    }
    if (rc == 0) rc = uv_check_start(&self.turn_end, Impl::on_turn_end);
    if (rc == 0) {
        rc = uv_async_init(&self.loop, &self.stop_async, Impl::on_stop);
        self.stop_async.data = &self;
    }
    if (rc != 0) {
        error = where + uv_strerror(rc);
        uv_close(reinterpret_cast<uv_handle_t*>(&self.listener), nullptr);
        uv_close(reinterpret_cast<uv_handle_t*>(&self.turn_end), nullptr);
        uv_close(reinterpret_cast<uv_handle_t*>(&self.grace_end), nullptr);
        uv_run(&self.loop, UV_RUN_DEFAULT);
        uv_loop_close(&self.loop);
        return false;
    }
    self.thread = std::thread([&self] { uv_run(&self.loop, UV_RUN_DEFAULT); });
    self.running = true;
    return true;
}

void ControlServer::stop() {
    std::lock_guard lock(impl_->mutex);
    Impl& self = *impl_;
    if (!self.running) return;
    self.running = false;
    uv_async_send(&self.stop_async);
    self.thread.join();
    uv_run(&self.loop, UV_RUN_DEFAULT);  // nothing left but close callbacks, if any
    uv_loop_close(&self.loop);
}

std::uint16_t ControlServer::port() const { return impl_->port; }

}  // namespace azdns
