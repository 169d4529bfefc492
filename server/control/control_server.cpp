#include "control_server.hpp"

#include <arpa/inet.h>
#include <http_parser.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <uv.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <list>
#include <mutex>
#include <thread>

#include "ascii.hpp"
#include "control_routes.hpp"
#include "listen_socket.hpp"
#include "socket_address.hpp"

namespace azdns {

namespace {

constexpr std::size_t write_queue_high = 1024 * 1024;   // stop reading pipelined requests beyond this
constexpr std::chrono::milliseconds linger_timeout{2'000};  // draining a connection we are closing

std::string_view trim(std::string_view text) {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
    return text;
}

using Digest = std::array<unsigned char, 32>;

Digest sha256(std::string_view text) {
    Digest digest{};
    unsigned int length = 0;
    EVP_Digest(text.data(), text.size(), digest.data(), &length, EVP_sha256(), nullptr);
    return digest;
}

// Compares digests, so that neither the token's bytes nor its length leak through timing.
bool token_matches(std::string_view authorization, const Digest& expected) {
    authorization = trim(authorization);
    constexpr std::string_view scheme = "bearer ";
    if (authorization.size() < scheme.size() || !ascii_iequals(authorization.substr(0, scheme.size()), scheme))
        return false;
    Digest given = sha256(trim(authorization.substr(scheme.size())));
    return CRYPTO_memcmp(given.data(), expected.data(), given.size()) == 0;
}

}  // namespace

struct ControlConnection;

struct ControlServer::Impl {
    Impl(const ListenAddress& listen_, std::string token_, ControlBackend& backend_, ControlLimits limits_)
        : listen(listen_), token(std::move(token_)), backend(backend_), limits(limits_), token_digest(sha256(token)) {}

    ListenAddress listen;
    std::string token;
    ControlBackend& backend;
    ControlLimits limits;
    Digest token_digest;

    uv_loop_t loop{};
    uv_tcp_t listener{};
    uv_async_t stop_async{};
    std::thread thread;
    std::uint16_t port = 0;

    std::mutex mutex;  // start() and stop()
    bool running = false;

    std::list<ControlConnection*> connections;
    std::array<char, 64 * 1024> read_buffer{};

    static void on_connection(uv_stream_t* server, int status);
    static void on_stop(uv_async_t* async);
};

namespace {

struct WriteRequest {
    uv_write_t request{};
    std::string data;
    ControlConnection* connection = nullptr;
};

extern const http_parser_settings parser_settings;

}  // namespace

// One client connection: its socket, its idle timer and its parser. Frees
// itself once both handles are closed.
struct ControlConnection {
    explicit ControlConnection(ControlServer::Impl& server_) : server(server_) {
        tcp.data = this;
        timer.data = this;
        http_parser_init(&parser, HTTP_REQUEST);
        parser.data = this;
    }

    ControlServer::Impl& server;
    uv_tcp_t tcp{};
    uv_timer_t timer{};
    uv_shutdown_t shutdown_request{};
    http_parser parser{};
    std::list<ControlConnection*>::iterator self;
    int open_handles = 0;
    bool closing = false;    // uv_close called
    bool finishing = false;  // no more requests: the last response is going out, then FIN
    bool reading = true;

    // the request being parsed
    std::string url;
    std::string body;
    std::string header_field;
    std::string header_value;
    bool in_value = false;
    std::size_t head_bytes = 0;
    std::string authorization;
    int authorization_count = 0;
    bool expect_continue = false;

    void start_timer(std::chrono::milliseconds timeout) {
        uv_timer_start(&timer, on_timeout, static_cast<std::uint64_t>(std::max<std::int64_t>(timeout.count(), 1)), 0);
    }

    void reset_request() {
        url.clear();
        body.clear();
        header_field.clear();
        header_value.clear();
        in_value = false;
        head_bytes = 0;
        authorization.clear();
        authorization_count = 0;
        expect_continue = false;
    }

    void end_header() {
        if (!in_value) return;
        if (ascii_iequals(header_field, "authorization")) {
            authorization = header_value;
            ++authorization_count;
        } else if (ascii_iequals(header_field, "expect") && ascii_iequals(trim(header_value), "100-continue")) {
            expect_continue = true;
        }
        header_field.clear();
        header_value.clear();
        in_value = false;
    }

    bool head_too_big(std::size_t more) {
        head_bytes += more;
        return head_bytes > server.limits.max_head_bytes;
    }

    void write_raw(std::string data) {
        if (closing) return;
        auto* write = new WriteRequest;
        write->data = std::move(data);
        write->connection = this;
        uv_buf_t buffer = uv_buf_init(write->data.data(), static_cast<unsigned>(write->data.size()));
        if (uv_write(&write->request, reinterpret_cast<uv_stream_t*>(&tcp), &buffer, 1, on_written) != 0) {
            delete write;
            close_now();
        }
    }

    void respond(const ControlResponse& response, bool keep_alive) {
        if (closing || finishing) return;
        keep_alive = keep_alive && http_should_keep_alive(&parser) != 0;
        write_raw(serialize_response(response, keep_alive, parser.http_major == 1 && parser.http_minor == 0));
        if (!keep_alive) finish();
    }

    // Sends FIN once the responses are out, then reads and discards until the
    // client closes too (so that unread input does not turn our close into a
    // reset that destroys the response), bounded by the linger timeout.
    void finish() {
        if (closing || finishing) return;
        finishing = true;
        start_timer(std::min(linger_timeout, server.limits.idle_timeout));
        if (uv_shutdown(&shutdown_request, reinterpret_cast<uv_stream_t*>(&tcp), on_shutdown) != 0) close_now();
    }

    void close_now() {
        if (closing) return;
        closing = true;
        server.connections.erase(self);
        uv_close(reinterpret_cast<uv_handle_t*>(&tcp), on_closed);
        uv_close(reinterpret_cast<uv_handle_t*>(&timer), on_closed);
    }

    void handle_request() {
        std::string_view target = url;
        bool healthz = parser.method == HTTP_GET && (target == "/healthz" || target.starts_with("/healthz?"));
        if (!server.token.empty() && !healthz &&
            (authorization_count != 1 || !token_matches(authorization, server.token_digest))) {
            auto response = error_response(401, authorization_count == 0
                                                    ? "this control API needs \"Authorization: Bearer TOKEN\""
                                                    : "the bearer token is not valid");
            response.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"azdns\"");
            respond(response, true);
            return;
        }
        ControlRequest request;
        request.method = http_method_str(static_cast<http_method>(parser.method));
        request.target = std::move(url);
        request.body = std::move(body);
        respond(route(request, server.backend), true);
    }

    void on_data(const char* data, std::size_t size) {
        if (finishing) return;  // draining
        std::size_t parsed = http_parser_execute(&parser, &parser_settings, data, size);
        if (closing || finishing) return;
        auto error = HTTP_PARSER_ERRNO(&parser);
        if (error != HPE_OK) {
            if (error == HPE_HEADER_OVERFLOW)
                respond(error_response(431, "the request head is too large"), false);
            else
                respond(error_response(400, std::string("bad request: ") + http_errno_description(error)), false);
            finish();
            return;
        }
        if (parser.upgrade || parsed != size) {  // no protocol switch here
            finish();
            return;
        }
        if (reading && uv_stream_get_write_queue_size(reinterpret_cast<uv_stream_t*>(&tcp)) > write_queue_high) {
            uv_read_stop(reinterpret_cast<uv_stream_t*>(&tcp));
            reading = false;
        }
    }

    static ControlConnection* of(http_parser* parser) { return static_cast<ControlConnection*>(parser->data); }

    static int on_message_begin(http_parser* parser) {
        of(parser)->reset_request();
        return 0;
    }
    static int on_url(http_parser* parser, const char* at, std::size_t length) {
        auto* self = of(parser);
        if (self->head_too_big(length)) return self->reject_head();
        self->url.append(at, length);
        return 0;
    }
    static int on_header_field(http_parser* parser, const char* at, std::size_t length) {
        auto* self = of(parser);
        self->end_header();
        if (self->head_too_big(length + 4)) return self->reject_head();
        self->header_field.append(at, length);
        return 0;
    }
    static int on_header_value(http_parser* parser, const char* at, std::size_t length) {
        auto* self = of(parser);
        self->in_value = true;
        if (self->head_too_big(length)) return self->reject_head();
        self->header_value.append(at, length);
        return 0;
    }
    static int on_headers_complete(http_parser* parser) {
        auto* self = of(parser);
        self->end_header();
        const bool has_length = (parser->flags & F_CONTENTLENGTH) != 0;
        if (has_length && parser->content_length > self->server.limits.max_body_bytes) return self->reject_body();
        if (self->expect_continue && parser->http_minor >= 1 && (has_length || (parser->flags & F_CHUNKED)))
            self->write_raw("HTTP/1.1 100 Continue\r\n\r\n");
        return 0;
    }
    static int on_body(http_parser* parser, const char* at, std::size_t length) {
        auto* self = of(parser);
        if (self->body.size() + length > self->server.limits.max_body_bytes) return self->reject_body();
        self->body.append(at, length);
        return 0;
    }
    static int on_message_complete(http_parser* parser) {
        auto* self = of(parser);
        self->handle_request();
        if (self->closing || self->finishing) return -1;  // stop parsing: no more requests here
        self->start_timer(self->server.limits.idle_timeout);
        return 0;
    }

    int reject_head() {
        respond(error_response(431, "the request head is larger than " + std::to_string(server.limits.max_head_bytes) +
                                        " bytes"),
                false);
        return -1;
    }
    int reject_body() {
        respond(error_response(413, "the request body is larger than " + std::to_string(server.limits.max_body_bytes) +
                                        " bytes"),
                false);
        return -1;
    }

    static void on_alloc(uv_handle_t* handle, std::size_t, uv_buf_t* buffer) {
        auto& storage = static_cast<ControlConnection*>(handle->data)->server.read_buffer;
        *buffer = uv_buf_init(storage.data(), static_cast<unsigned>(storage.size()));
    }
    static void on_read(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buffer) {
        auto* self = static_cast<ControlConnection*>(stream->data);
        if (nread < 0) {
            self->close_now();
            return;
        }
        if (nread > 0) self->on_data(buffer->base, static_cast<std::size_t>(nread));
    }
    static void on_written(uv_write_t* request, int status) {
        auto* write = reinterpret_cast<WriteRequest*>(request);
        ControlConnection* self = write->connection;
        delete write;
        if (status < 0) {
            self->close_now();
            return;
        }
        if (!self->reading && !self->closing &&
            uv_stream_get_write_queue_size(reinterpret_cast<uv_stream_t*>(&self->tcp)) <= write_queue_high / 2) {
            self->reading = true;
            uv_read_start(reinterpret_cast<uv_stream_t*>(&self->tcp), on_alloc, on_read);
        }
    }
    static void on_shutdown(uv_shutdown_t* request, int status) {
        auto* self = static_cast<ControlConnection*>(request->handle->data);
        if (status < 0) {
            self->close_now();
            return;
        }
        if (!self->reading && !self->closing) {  // drain until the client's FIN
            self->reading = true;
            uv_read_start(reinterpret_cast<uv_stream_t*>(&self->tcp), on_alloc, on_read);
        }
    }
    static void on_timeout(uv_timer_t* timer) { static_cast<ControlConnection*>(timer->data)->close_now(); }
    static void on_closed(uv_handle_t* handle) {
        auto* self = static_cast<ControlConnection*>(handle->data);
        if (--self->open_handles == 0) delete self;
    }
};

namespace {

const http_parser_settings parser_settings = [] {
    http_parser_settings settings{};
    settings.on_message_begin = ControlConnection::on_message_begin;
    settings.on_url = ControlConnection::on_url;
    settings.on_header_field = ControlConnection::on_header_field;
    settings.on_header_value = ControlConnection::on_header_value;
    settings.on_headers_complete = ControlConnection::on_headers_complete;
    settings.on_body = ControlConnection::on_body;
    settings.on_message_complete = ControlConnection::on_message_complete;
    return settings;
}();

void free_handle(uv_handle_t* handle) { delete reinterpret_cast<uv_tcp_t*>(handle); }

}  // namespace

void ControlServer::Impl::on_connection(uv_stream_t* stream, int status) {
    auto* self = static_cast<Impl*>(stream->data);
    if (status < 0) return;
    if (self->connections.size() >= self->limits.max_connections) {
        // Accept and close at once: the client gets an answer rather than a hang.
        auto* extra = new uv_tcp_t{};
        uv_tcp_init(&self->loop, extra);
        if (uv_accept(stream, reinterpret_cast<uv_stream_t*>(extra)) == 0) {
            std::string text = serialize_response(error_response(503, "too many control connections; try again later"), false, false);
            uv_buf_t buffer = uv_buf_init(text.data(), static_cast<unsigned>(text.size()));
            (void)uv_try_write(reinterpret_cast<uv_stream_t*>(extra), &buffer, 1);
        }
        uv_close(reinterpret_cast<uv_handle_t*>(extra), free_handle);
        return;
    }
    auto* connection = new ControlConnection(*self);
    uv_tcp_init(&self->loop, &connection->tcp);
    uv_timer_init(&self->loop, &connection->timer);
    connection->open_handles = 2;
    connection->self = self->connections.insert(self->connections.end(), connection);
    if (uv_accept(stream, reinterpret_cast<uv_stream_t*>(&connection->tcp)) != 0) {
        connection->close_now();
        return;
    }
    uv_tcp_nodelay(&connection->tcp, 1);
    connection->start_timer(self->limits.idle_timeout);
    uv_read_start(reinterpret_cast<uv_stream_t*>(&connection->tcp), ControlConnection::on_alloc, ControlConnection::on_read);
}

void ControlServer::Impl::on_stop(uv_async_t* async) {
    auto* self = static_cast<Impl*>(async->data);
    uv_close(reinterpret_cast<uv_handle_t*>(&self->listener), nullptr);
    while (!self->connections.empty()) self->connections.front()->close_now();
    uv_close(reinterpret_cast<uv_handle_t*>(&self->stop_async), nullptr);
}

ControlServer::ControlServer(const ListenAddress& listen, std::string token, ControlBackend& backend, ControlLimits limits)
    : impl_(std::make_unique<Impl>(listen, std::move(token), backend, limits)) {}

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
    if (rc == 0) rc = uv_listen(reinterpret_cast<uv_stream_t*>(&self.listener), 64, Impl::on_connection);
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
