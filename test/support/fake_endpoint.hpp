// Controllable fake endpoints for health-check tests: an HTTP/HTTPS (and
// plain TCP) server and a UDP DNS responder, each on its own thread, whose
// behaviour a test switches at run time (answer, fail, hang, reset, ...), so
// probe unit tests and end-to-end tests can drive every failure a real AZ shows.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <vector>

namespace azdns::testing {

enum class EndpointMode {
    ok,            // HTTP 200 with Content-Length and `body`; plain TCP: accepted, kept open until the peer closes
    error_status,  // HTTP 503 with a short body (DNS: SERVFAIL)
    hang,          // accept, read, never answer (until stop)
    reset,         // accept, then close with RST at once (SO_LINGER 0); DNS: same as hang
    garbage,       // after the request head: 4 KiB of bytes that are not HTTP, then close (DNS: junk datagram)
    endless_body,  // 200 with Transfer-Encoding: chunked whose body never ends; DNS: same as hang
    slow,          // like ok, but the answer goes out only after `slow_delay`
    refuse,        // listener (DNS: socket) closed: connects are refused; another mode reopens the same port
};

const char* to_string(EndpointMode mode);

struct FakeEndpointOptions {
    std::string address = "127.0.0.1";  // any 127.0.0.0/8 address or "::1"
    std::uint16_t port = 0;              // 0: ephemeral, read back with port()
    bool tls = false;                    // serve HTTPS with cert_file/key_file (PEM)
    std::string cert_file{};             // ({} so designated initializers need not name them)
    std::string key_file{};
    std::string body = "ok";
    std::chrono::milliseconds slow_delay{2000};
};

// A request read over TLS, with what its connection's handshake was.
struct TlsRequestSeen {
    std::string server_name;  // the client's SNI, "" without one
    std::string path;         // the request-target, e.g. "/healthz"
    bool resumed;             // the handshake resumed an earlier session
};

// HTTP/1.1 (HTTPS when `tls`) on one thread running one poll() loop over the
// listener and its connections. Keep-alive: several requests per connection
// are served in order, until the peer closes or a request says
// `Connection: close` (or is HTTP/1.0), after which the server sends its
// answer, shuts down its side and closes. Only request heads are read (up to
// "\r\n\r\n", at most 16 KiB, else the connection is closed); request bodies
// are not supported. HEAD gets the headers only.
// Mode changes and stop() are synchronous: when they return, the listener is
// open or closed as asked. SIGPIPE is ignored process-wide once started.
class FakeHttpEndpoint {
public:
    explicit FakeHttpEndpoint(FakeEndpointOptions options);
    ~FakeHttpEndpoint();  // stops, joins
    FakeHttpEndpoint(const FakeHttpEndpoint&) = delete;
    FakeHttpEndpoint& operator=(const FakeHttpEndpoint&) = delete;

    // Binds (SO_REUSEADDR) and starts the thread. After stop(), start()
    // rebinds the SAME port. False with `error` set when binding or loading
    // the certificate fails, or when already running.
    bool start(std::string& error);
    // Closes the listener and every connection; connects are then refused. Idempotent.
    void stop();
    // Thread-safe; applies to connections accepted / requests read from now on.
    void set_mode(EndpointMode mode);
    [[nodiscard]] EndpointMode mode() const;
    [[nodiscard]] std::uint16_t port() const;
    [[nodiscard]] const std::string& address() const;
    [[nodiscard]] unsigned requests_seen() const;           // complete request heads read
    [[nodiscard]] unsigned connections_seen() const;        // connections accepted
    // The source address of each connection accepted, in order ("127.0.0.2").
    [[nodiscard]] std::vector<std::string> peers_seen() const;
    // Connections from these source addresses ("127.0.1.2") are reset at
    // once, whatever the mode: one vantage point cut off from the endpoint
    // while the others still reach it. Empty: none.
    void set_cut_off(std::set<std::string> sources);
    [[nodiscard]] std::string last_request_head() const;    // request line + headers, without the final CRLFCRLF
    // Every request read over TLS, in order. A probe sends one request per
    // connection, so this tells how many of its handshakes resumed a session
    // (TLS 1.3 tickets and TLS 1.2 session IDs are on; start() makes a new
    // SSL_CTX, so sessions from before a restart no longer resume).
    [[nodiscard]] std::vector<TlsRequestSeen> tls_requests_seen() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

struct FakeDnsOptions {
    std::string address = "127.0.0.1";  // any 127.0.0.0/8 address or "::1"
    std::uint16_t port = 0;              // 0: ephemeral, read back with port()
    int rcode = 0;                       // NOERROR
    std::chrono::milliseconds slow_delay{2000};
};

// A DNS responder over UDP: answers every query with the set rcode, echoing
// ID, opcode, RD and the question, AA set. A NOERROR answer to a type-A query
// carries one A record 192.0.2.1 (TTL 60); other answers have no records.
// Modes: ok; error_status = SERVFAIL; hang/reset/endless_body = never answer;
// garbage = 64 junk bytes; slow = answer after slow_delay; refuse = socket
// closed (the client gets ICMP port unreachable).
class FakeDnsEndpoint {
public:
    explicit FakeDnsEndpoint(FakeDnsOptions options = {});
    ~FakeDnsEndpoint();
    FakeDnsEndpoint(const FakeDnsEndpoint&) = delete;
    FakeDnsEndpoint& operator=(const FakeDnsEndpoint&) = delete;

    bool start(std::string& error);  // restart after stop() rebinds the same port
    void stop();
    void set_mode(EndpointMode mode);
    void set_rcode(int rcode);  // 0..15
    [[nodiscard]] EndpointMode mode() const;
    [[nodiscard]] std::uint16_t port() const;
    [[nodiscard]] const std::string& address() const;
    [[nodiscard]] unsigned queries_seen() const;          // datagrams received
    // The source address of each datagram received, in order ("127.0.0.2").
    [[nodiscard]] std::vector<std::string> peers_seen() const;
    [[nodiscard]] std::string last_query_name() const;    // "www.example.com." as sent ("" if unparsable)
    [[nodiscard]] std::uint16_t last_query_type() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace azdns::testing
