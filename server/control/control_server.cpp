#include "control_server.hpp"

#include <arpa/inet.h>
#include <uv.h>

#include <mutex>
#include <optional>
#include <thread>

#include "control_connection.hpp"
#include "listen_socket.hpp"
#include "socket_address.hpp"

namespace azdns {

namespace {

constexpr int listen_backlog = 64;

void free_handle(uv_handle_t* handle) { delete reinterpret_cast<uv_tcp_t*>(handle); }

}  // namespace

struct ControlServer::Impl {
    Impl(const ListenAddress& listen_, const std::string& token, ControlBackend& backend, const ControlLimits& limits)
        : listen(listen_),
          connections(limits, token.empty() ? std::nullopt : std::optional<BearerToken>(std::in_place, token), backend) {}

    ListenAddress listen;
    ControlConnections connections;
    uv_loop_t loop{};
    uv_tcp_t listener{};
    uv_async_t stop_async{};
    std::thread thread;
    std::uint16_t port = 0;

    std::mutex mutex;  // start() and stop()
    bool running = false;

    static void on_connection(uv_stream_t* server, int status);
    static void on_stop(uv_async_t* async);
};

void ControlServer::Impl::on_connection(uv_stream_t* stream, int status) {
    auto* self = static_cast<Impl*>(stream->data);
    if (status < 0) return;
    if (self->connections.open.size() >= self->connections.limits.max_connections) {
        // Accept and close at once: the client gets an answer rather than a hang.
        auto* extra = new uv_tcp_t{};
        uv_tcp_init(&self->loop, extra);
        if (uv_accept(stream, reinterpret_cast<uv_stream_t*>(extra)) == 0) {
            std::string text = "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n";
            const std::string body = error_response(503, "too many control connections; try again later").body;
            text += "Content-Length: " + std::to_string(body.size()) + "\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n" + body;
            uv_buf_t buffer = uv_buf_init(text.data(), static_cast<unsigned>(text.size()));
            (void)uv_try_write(reinterpret_cast<uv_stream_t*>(extra), &buffer, 1);
        }
        uv_close(reinterpret_cast<uv_handle_t*>(extra), free_handle);
        return;
    }
    ControlConnection::accept(self->connections, &self->loop, stream);
}

void ControlServer::Impl::on_stop(uv_async_t* async) {
    auto* self = static_cast<Impl*>(async->data);
    uv_close(reinterpret_cast<uv_handle_t*>(&self->listener), nullptr);
    while (!self->connections.open.empty()) self->connections.open.front()->close_now();
    uv_close(reinterpret_cast<uv_handle_t*>(&self->stop_async), nullptr);
}

ControlServer::ControlServer(const ListenAddress& listen, std::string token, ControlBackend& backend, ControlLimits limits)
    : impl_(std::make_unique<Impl>(listen, token, backend, limits)) {}

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
    if (rc == 0) {
        rc = uv_async_init(&self.loop, &self.stop_async, Impl::on_stop);
        self.stop_async.data = &self;
    }
    if (rc != 0) {
        error = where + uv_strerror(rc);
        uv_close(reinterpret_cast<uv_handle_t*>(&self.listener), nullptr);
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
