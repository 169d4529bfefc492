#include "control_connection.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdio>

#include "ascii.hpp"
#include "log.hpp"
#include "socket_address.hpp"

namespace azdns {

namespace {

constexpr std::size_t write_queue_high = 1024 * 1024;      // stop reading pipelined requests beyond this
constexpr std::chrono::milliseconds linger_timeout{2'000};  // draining a connection we are closing

struct WriteRequest {
    uv_write_t request{};
    std::string data;
    ControlConnection* connection = nullptr;
};

// "5 s", "0.3 s"
std::string seconds_text(std::chrono::milliseconds duration) {
    char text[32];
    std::snprintf(text, sizeof text, "%g s", static_cast<double>(duration.count()) / 1000.0);
    return text;
}

// "127.0.0.1:40312", or "a client" when the kernel no longer knows.
std::string peer_text(const uv_tcp_t& tcp) {
    sockaddr_storage storage{};
    int length = sizeof storage;
    IpAddress address;
    std::uint16_t port = 0;
    if (uv_tcp_getpeername(&tcp, reinterpret_cast<sockaddr*>(&storage), &length) != 0 ||
        !from_sockaddr(storage, address, port))
        return "a client";
    return SocketAddress{address, port}.to_string();
}

}  // namespace

ControlConnection::ControlConnection(ControlConnections& all) : all_(all) {
    tcp_.data = this;
    timer_.data = this;
    http_parser_init(&parser_, HTTP_REQUEST);
    parser_.data = this;
}

void ControlConnection::accept(ControlConnections& all, uv_loop_t* loop, uv_stream_t* listener) {
    if (all.open.size() >= all.limits.max_connections && !all.open.empty()) all.open.front()->evict();
    auto* connection = new ControlConnection(all);
    uv_tcp_init(loop, &connection->tcp_);
    uv_timer_init(loop, &connection->timer_);
    connection->open_handles_ = 2;
    connection->self_ = all.open.insert(all.open.end(), connection);
    connection->placed_at_ = uv_now(loop);
    if (uv_accept(listener, reinterpret_cast<uv_stream_t*>(&connection->tcp_)) != 0) {
        connection->close_now();
        return;
    }
    uv_tcp_nodelay(&connection->tcp_, 1);
    if (all.tls_source && !connection->start_tls()) {
        connection->close_now();
        return;
    }
    // With HTTPS the handshake counts in the request deadline: a client that never finishes it is closed then.
    connection->start_timer(all.limits.request_timeout);
    uv_read_start(reinterpret_cast<uv_stream_t*>(&connection->tcp_), on_alloc, on_read);
}

std::uint64_t ControlConnection::wait_for_room(const ControlConnections& all, std::uint64_t now) {
    if (all.open.size() < all.limits.max_connections || all.open.empty()) return 0;
    const ControlConnection& front = *all.open.front();
    if (front.finishing_) return 0;
    const std::uint64_t free_at = front.placed_at_ + static_cast<std::uint64_t>(all.limits.eviction_grace.count());
    return free_at > now ? free_at - now : 0;
}

// A client in the middle of a request is told why (it may be a real one on a
// slow link); an idle one is closed as any HTTP server closes idle connections.
void ControlConnection::evict() {
    if (request_started_ && !finishing_) {
        std::string text = serialize_response(
            error_response(503, "the control API is at its limit of " + std::to_string(all_.limits.max_connections) +
                                    " connections and this request was the slowest; try again"),
            false, false);
        if (tls_) {  // a request has started, so the handshake is done
            std::string ignored;
            (void)tls_->write(text, ignored);
            text = tls_->take_output();
        }
        uv_buf_t buffer = uv_buf_init(text.data(), static_cast<unsigned>(text.size()));
        (void)uv_try_write(reinterpret_cast<uv_stream_t*>(&tcp_), &buffer, 1);  // best effort: no room, no message
    }
    close_now();
}

void ControlConnection::close_now() {
    if (closing_) return;
    closing_ = true;
    all_.open.erase(self_);
    uv_close(reinterpret_cast<uv_handle_t*>(&tcp_), on_closed);
    uv_close(reinterpret_cast<uv_handle_t*>(&timer_), on_closed);
}

void ControlConnection::start_timer(std::chrono::milliseconds timeout) {
    uv_timer_start(&timer_, on_timer, static_cast<std::uint64_t>(std::max<std::int64_t>(timeout.count(), 1)), 0);
}

void ControlConnection::on_timeout() {
    if (finishing_ || !request_started_) {  // done lingering, idle, or never said a word
        close_now();
        return;
    }
    respond(error_response(408, "the request did not arrive whole within " + seconds_text(all_.limits.request_timeout)),
            false);
}

void ControlConnection::reset_request() {
    url_.clear();
    body_.clear();
    header_field_.clear();
    header_value_.clear();
    in_value_ = false;
    head_bytes_ = 0;
    authorization_.clear();
    authorization_count_ = 0;
    authorized_ = false;
    expect_continue_ = false;
}

void ControlConnection::end_header() {
    if (!in_value_) return;
    if (ascii_iequals(header_field_, "authorization")) {
        authorization_ = header_value_;
        ++authorization_count_;
    } else if (ascii_iequals(header_field_, "expect") && ascii_iequals(trim_blanks(header_value_), "100-continue")) {
        expect_continue_ = true;
    }
    header_field_.clear();
    header_value_.clear();
    in_value_ = false;
}

bool ControlConnection::head_too_big(std::size_t more) {
    head_bytes_ += more;
    return head_bytes_ > all_.limits.max_head_bytes;
}

// Each new connection takes the newest context, so a reload's renewed
// certificate serves from the next connection on.
bool ControlConnection::start_tls() {
    if (TlsServerContext newest = all_.tls_source()) all_.tls = std::move(newest);
    tls_ = std::make_unique<TlsSession>();
    if (tls_->accept(all_.tls.get())) return true;
    log_line("control API: cannot start TLS with " + peer_text(tcp_) + ": OpenSSL failed; closed");
    return false;
}

void ControlConnection::on_ciphertext(const char* data, std::size_t size) {
    if (finishing_) return;  // draining
    tls_->receive(data, size);
    std::string error;
    if (!tls_ready_) {
        if (tls_->handshake(tls_ready_, error) == TlsSession::Status::failed) return fail_tls(error);
        flush_tls();
        if (!tls_ready_) return;
    }
    std::string plain;
    const TlsSession::Status status = tls_->read(plain, error);
    if (!plain.empty()) on_data(plain.data(), plain.size());
    if (closing_) return;
    if (status == TlsSession::Status::failed) return fail_tls(error);
    if (status == TlsSession::Status::closed) finish();  // close_notify: the client sends nothing more
    flush_tls();
}

// Plain HTTP on the HTTPS port, garbage, a client that refuses our
// certificate: one line, and the connection goes (no HTTP answer can reach
// a client that does not speak TLS with us).
void ControlConnection::fail_tls(const std::string& error) {
    if (closing_) return;
    log_line("control API: closed the connection of " + peer_text(tcp_) + ": " + error);
    close_now();
}

void ControlConnection::flush_tls() {
    if (std::string out = tls_->take_output(); !out.empty()) write_wire(std::move(out));
}

// Response bytes: encrypted first with HTTPS.
void ControlConnection::write_raw(std::string data) {
    if (closing_) return;
    if (!tls_) return write_wire(std::move(data));
    std::string error;
    if (tls_->write(data, error) == TlsSession::Status::failed) return fail_tls(error);
    flush_tls();
}

void ControlConnection::write_wire(std::string data) {
    if (closing_) return;
    auto* write = new WriteRequest;
    write->data = std::move(data);
    write->connection = this;
    uv_buf_t buffer = uv_buf_init(write->data.data(), static_cast<unsigned>(write->data.size()));
    if (uv_write(&write->request, reinterpret_cast<uv_stream_t*>(&tcp_), &buffer, 1, on_written) != 0) {
        delete write;
        close_now();
    }
}

void ControlConnection::respond(const ControlResponse& response, bool keep_alive) {
    if (closing_ || finishing_) return;
    keep_alive = keep_alive && http_should_keep_alive(&parser_) != 0;
    write_raw(serialize_response(response, keep_alive, parser_.http_major == 1 && parser_.http_minor == 0));
    if (!keep_alive) finish();
}

// Sends FIN once the responses are out, then reads and discards until the
// client closes too (so that unread input does not turn our close into a
// reset that destroys the response), bounded by the linger timeout. Such a
// connection is the first to make room for a new one.
void ControlConnection::finish() {
    if (closing_ || finishing_) return;
    finishing_ = true;
    all_.open.splice(all_.open.begin(), all_.open, self_);
    start_timer(std::min(linger_timeout, all_.limits.idle_timeout));
    if (tls_ && tls_ready_) {
        tls_->close_notify();
        flush_tls();
    }
    if (uv_shutdown(&shutdown_request_, reinterpret_cast<uv_stream_t*>(&tcp_), on_shutdown) != 0) close_now();
}

// Decided when the head is in, before any of the body is read: a client
// without the token cannot make the server hold a body. GET /healthz stays
// open for load balancers (spec: "Control API").
// The fleet's route also takes the fleet token (fleet.token_file), and
// needs one of the two when there is a fleet token.
bool ControlConnection::authorized(std::string_view path) const {
    const bool fleet_route = path == "/v1/fleet/state";
    if (fleet_route && all_.fleet_token && authorization_count_ == 1 && all_.fleet_token->matches(authorization_))
        return true;
    if (!all_.token) return !(fleet_route && all_.fleet_token);
    if (parser_.method == HTTP_GET && path == "/healthz") return true;
    return authorization_count_ == 1 && all_.token->matches(authorization_);
}

void ControlConnection::refuse_unauthorized(bool keep_alive) {
    auto response = error_response(401, authorization_count_ == 0 ? "this control API needs \"Authorization: Bearer TOKEN\""
                                                                   : "the bearer token is not valid");
    response.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"azdns\"");
    respond(response, keep_alive);
}

void ControlConnection::handle_request() {
    if (!authorized_) return refuse_unauthorized(true);  // a request without a body: the connection can go on
    ControlRequest request;
    request.method = http_method_str(static_cast<http_method>(parser_.method));
    request.target = std::move(url_);
    request.body = std::move(body_);
    respond(route(request, all_.backend), true);
}

void ControlConnection::on_data(const char* data, std::size_t size) {
    if (finishing_) return;  // draining
    std::size_t parsed = http_parser_execute(&parser_, &parser_settings(), data, size);
    if (closing_ || finishing_) return;
    auto error = HTTP_PARSER_ERRNO(&parser_);
    if (error != HPE_OK) {
        if (error == HPE_HEADER_OVERFLOW)
            respond(error_response(431, "the request head is too large"), false);
        else
            respond(error_response(400, std::string("bad request: ") + http_errno_description(error)), false);
        finish();
        return;
    }
    if (parser_.upgrade || parsed != size) {  // no protocol switch here
        finish();
        return;
    }
    if (reading_ && uv_stream_get_write_queue_size(reinterpret_cast<uv_stream_t*>(&tcp_)) > write_queue_high) {
        uv_read_stop(reinterpret_cast<uv_stream_t*>(&tcp_));
        reading_ = false;
    }
}

int ControlConnection::reject_head() {
    respond(error_response(431, "the request head is larger than " + std::to_string(all_.limits.max_head_bytes) +
                                    " bytes"),
            false);
    return -1;
}

int ControlConnection::reject_body() {
    std::string text = "the request body is larger than " + std::to_string(body_limit_) + " bytes";
    if (fleet_report_) text += ", the limit for POST /v1/fleet/state";
    respond(error_response(413, text), false);
    return -1;
}

// On a kept-alive connection the request deadline starts with the request's
// first byte; on a new one it has run since the accept.
int ControlConnection::on_message_begin(http_parser* parser) {
    auto* self = of(parser);
    self->reset_request();
    self->request_started_ = true;
    if (self->between_requests_) {
        self->between_requests_ = false;
        self->start_timer(self->all_.limits.request_timeout);
    }
    return 0;
}

int ControlConnection::on_url(http_parser* parser, const char* at, std::size_t length) {
    auto* self = of(parser);
    if (self->head_too_big(length)) return self->reject_head();
    self->url_.append(at, length);
    return 0;
}

int ControlConnection::on_header_field(http_parser* parser, const char* at, std::size_t length) {
    auto* self = of(parser);
    self->end_header();
    if (self->head_too_big(length + 4)) return self->reject_head();
    self->header_field_.append(at, length);
    return 0;
}

int ControlConnection::on_header_value(http_parser* parser, const char* at, std::size_t length) {
    auto* self = of(parser);
    self->in_value_ = true;
    if (self->head_too_big(length)) return self->reject_head();
    self->header_value_.append(at, length);
    return 0;
}

int ControlConnection::on_headers_complete(http_parser* parser) {
    auto* self = of(parser);
    self->end_header();
    const bool has_length = (parser->flags & F_CONTENTLENGTH) != 0;
    const bool chunked = (parser->flags & F_CHUNKED) != 0;
    const auto target = split_target(self->url_);
    const std::string_view path = target ? target->path : std::string_view{};
    self->authorized_ = self->authorized(path);
    // Refused with its body unread, so the connection cannot be reused: the
    // unread bytes would be taken for the next request.
    if (!self->authorized_ && (chunked || (has_length && parser->content_length > 0))) {
        self->refuse_unauthorized(false);
        return -1;
    }
    // Only once the token is known good may a body be as large as a fleet report.
    self->fleet_report_ = self->authorized_ && parser->method == HTTP_POST && path == "/v1/fleet/state";
    self->body_limit_ = self->fleet_report_ ? self->all_.limits.max_fleet_body_bytes : self->all_.limits.max_body_bytes;
    if (has_length && parser->content_length > self->body_limit_) return self->reject_body();
    if (self->authorized_ && self->expect_continue_ && parser->http_minor >= 1 && (has_length || chunked))
        self->write_raw("HTTP/1.1 100 Continue\r\n\r\n");
    return 0;
}

int ControlConnection::on_body(http_parser* parser, const char* at, std::size_t length) {
    auto* self = of(parser);
    if (self->body_.size() + length > self->body_limit_) return self->reject_body();
    self->body_.append(at, length);
    return 0;
}

// A complete request: answered, and the connection goes to the back of the
// eviction order, as the one that has waited least.
int ControlConnection::on_message_complete(http_parser* parser) {
    auto* self = of(parser);
    self->request_started_ = false;
    self->handle_request();
    if (self->closing_ || self->finishing_) return -1;  // stop parsing: no more requests here
    self->between_requests_ = true;
    self->start_timer(self->all_.limits.idle_timeout);
    self->all_.open.splice(self->all_.open.end(), self->all_.open, self->self_);
    self->placed_at_ = uv_now(self->tcp_.loop);
    return 0;
}

const http_parser_settings& ControlConnection::parser_settings() {
    static const http_parser_settings settings = [] {
        http_parser_settings s{};
        s.on_message_begin = on_message_begin;
        s.on_url = on_url;
        s.on_header_field = on_header_field;
        s.on_header_value = on_header_value;
        s.on_headers_complete = on_headers_complete;
        s.on_body = on_body;
        s.on_message_complete = on_message_complete;
        return s;
    }();
    return settings;
}

void ControlConnection::on_alloc(uv_handle_t* handle, std::size_t, uv_buf_t* buffer) {
    auto& storage = static_cast<ControlConnection*>(handle->data)->all_.read_buffer;
    *buffer = uv_buf_init(storage.data(), static_cast<unsigned>(storage.size()));
}

void ControlConnection::on_read(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buffer) {
    auto* self = static_cast<ControlConnection*>(stream->data);
    if (nread < 0) {
        self->close_now();
        return;
    }
    if (nread <= 0) return;
    if (self->tls_)
        self->on_ciphertext(buffer->base, static_cast<std::size_t>(nread));
    else
        self->on_data(buffer->base, static_cast<std::size_t>(nread));
}

void ControlConnection::on_written(uv_write_t* request, int status) {
    auto* write = reinterpret_cast<WriteRequest*>(request);
    ControlConnection* self = write->connection;
    delete write;
    if (status < 0) {
        self->close_now();
        return;
    }
    if (!self->reading_ && !self->closing_ &&
        uv_stream_get_write_queue_size(reinterpret_cast<uv_stream_t*>(&self->tcp_)) <= write_queue_high / 2) {
        self->reading_ = true;
        uv_read_start(reinterpret_cast<uv_stream_t*>(&self->tcp_), on_alloc, on_read);
    }
}

void ControlConnection::on_shutdown(uv_shutdown_t* request, int status) {
    auto* self = static_cast<ControlConnection*>(request->handle->data);
    if (status < 0) {
        self->close_now();
        return;
    }
    if (!self->reading_ && !self->closing_) {  // drain until the client's FIN
        self->reading_ = true;
        uv_read_start(reinterpret_cast<uv_stream_t*>(&self->tcp_), on_alloc, on_read);
    }
}

void ControlConnection::on_timer(uv_timer_t* timer) { static_cast<ControlConnection*>(timer->data)->on_timeout(); }

void ControlConnection::on_closed(uv_handle_t* handle) {
    auto* self = static_cast<ControlConnection*>(handle->data);
    if (--self->open_handles_ == 0) delete self;
}

}  // namespace azdns
