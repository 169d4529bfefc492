// One client connection of the control API: its socket, its timer, its TLS
// session when HTTPS is on, and its HTTP/1.1 parser (framing, keep-alive,
// the size and time limits, the bearer token). A complete request goes to route() (control_routes.hpp). Lives on
// the control thread's loop and frees itself once its handles are closed.
#pragma once

#include <http_parser.h>
#include <uv.h>

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "bearer_token.hpp"
#include "control_backend.hpp"
#include "control_limits.hpp"
#include "control_routes.hpp"
#include "tls_server_context.hpp"
#include "tls_session.hpp"

namespace azdns {

class ControlConnection;

// Where the control API's HTTPS gets its certificate: the config in force,
// asked at each new connection so that a reload's renewed pair serves from
// then on. Null from it keeps the last context (HTTPS is not turned off by a
// reload). An empty function: plain HTTP.
using TlsContextSource = std::function<TlsServerContext()>;

// What the connections of one control server share, on its loop thread.
struct ControlConnections {
    ControlConnections(const ControlLimits& limits_, std::optional<BearerToken> token_,
                       std::optional<BearerToken> fleet_token_, ControlBackend& backend_, TlsContextSource tls_source_)
        : limits(limits_),
          token(std::move(token_)),
          fleet_token(std::move(fleet_token_)),
          backend(backend_),
          tls_source(std::move(tls_source_)) {}

    const ControlLimits limits;
    const std::optional<BearerToken> token;  // none: no Authorization asked for
    const std::optional<BearerToken> fleet_token;  // also good for POST|GET /v1/fleet/state
    ControlBackend& backend;
    const TlsContextSource tls_source;
    TlsServerContext tls;  // the last context tls_source gave
    // Every open connection, in eviction order: first those already closing
    // (their last response sent), then by how long each has waited for its
    // current request to arrive whole, longest first.
    std::list<ControlConnection*> open;
    std::array<char, 64 * 1024> read_buffer{};  // one read at a time on this loop
};

class ControlConnection {
public:
    ControlConnection(const ControlConnection&) = delete;
    ControlConnection& operator=(const ControlConnection&) = delete;

    // Takes the connection pending on `listener` and starts reading. At
    // max_connections, first evicts the connection at the front of
    // `all.open`: a new client always gets its chance, and the one that
    // goes has had the longest (spec: "Control API").
    static void accept(ControlConnections& all, uv_loop_t* loop, uv_stream_t* listener);

    // Milliseconds until accept() may run: 0 below max_connections, or when
    // the front connection may be evicted (its last response is out, or its
    // eviction_grace has passed); `now` is the loop's uv_now.
    [[nodiscard]] static std::uint64_t wait_for_room(const ControlConnections& all, std::uint64_t now);

    // Closes at once, discarding what is still to be written (stop(), eviction).
    void close_now();

private:
    explicit ControlConnection(ControlConnections& all);

    void evict();
    void start_timer(std::chrono::milliseconds timeout);
    void on_timeout();
    void reset_request();
    void end_header();
    bool head_too_big(std::size_t more);
    bool start_tls();
    void on_ciphertext(const char* data, std::size_t size);
    void fail_tls(const std::string& error);
    void flush_tls();
    void write_raw(std::string data);
    void write_wire(std::string data);
    void respond(const ControlResponse& response, bool keep_alive);
    void finish();
    [[nodiscard]] bool authorized(std::string_view path) const;
    void refuse_unauthorized(bool keep_alive);
    void handle_request();
    void on_data(const char* data, std::size_t size);
    int reject_head();
    int reject_body();

    static ControlConnection* of(http_parser* parser) { return static_cast<ControlConnection*>(parser->data); }
    static const http_parser_settings& parser_settings();
    static int on_message_begin(http_parser* parser);
    static int on_url(http_parser* parser, const char* at, std::size_t length);
    static int on_header_field(http_parser* parser, const char* at, std::size_t length);
    static int on_header_value(http_parser* parser, const char* at, std::size_t length);
    static int on_headers_complete(http_parser* parser);
    static int on_body(http_parser* parser, const char* at, std::size_t length);
    static int on_message_complete(http_parser* parser);
    static void on_alloc(uv_handle_t* handle, std::size_t, uv_buf_t* buffer);
    static void on_read(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buffer);
    static void on_written(uv_write_t* request, int status);
    static void on_shutdown(uv_shutdown_t* request, int status);
    static void on_timer(uv_timer_t* timer);
    static void on_closed(uv_handle_t* handle);

    ControlConnections& all_;
    uv_tcp_t tcp_{};
    uv_timer_t timer_{};
    uv_shutdown_t shutdown_request_{};
    http_parser parser_{};
    std::unique_ptr<TlsSession> tls_;  // null: plain HTTP
    bool tls_ready_ = false;           // handshake done
    std::list<ControlConnection*>::iterator self_;
    std::uint64_t placed_at_ = 0;  // uv_now of the accept or the last complete request: eviction_grace runs from it
    int open_handles_ = 0;
    bool closing_ = false;    // uv_close called
    bool finishing_ = false;  // no more requests: the last response is going out, then FIN
    bool reading_ = true;
    // Some bytes of a request have come and the rest has not (the timer is the request deadline).
    bool request_started_ = false;
    // A response went out and the next request has not begun (the timer is the idle timeout).
    bool between_requests_ = false;

    // the request being parsed
    std::string url_;
    std::string body_;
    std::string header_field_;
    std::string header_value_;
    bool in_value_ = false;
    std::size_t head_bytes_ = 0;
    std::string authorization_;
    int authorization_count_ = 0;
    bool authorized_ = false;  // decided when the head is complete
    bool fleet_report_ = false;  // POST /v1/fleet/state, authorized: max_fleet_body_bytes applies
    std::size_t body_limit_ = 0;  // set when the head is complete
    bool expect_continue_ = false;
};

}  // namespace azdns
