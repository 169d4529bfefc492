// The fake HTTP/HTTPS/TCP endpoint (see fake_endpoint.hpp): one thread, one
// poll() loop over an eventfd (wake-ups for mode changes and stop), the
// listener and every connection, each connection a small state machine.
#include "fake_endpoint.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <mutex>
#include <random>
#include <thread>
#include <vector>

#include "socket_util.hpp"

namespace azdns::testing {

namespace {

using Clock = std::chrono::steady_clock;

constexpr std::size_t max_head = 16 * 1024;
constexpr std::size_t max_buffered = 64 * 1024;
constexpr auto close_drain = std::chrono::seconds(1);

enum class State { handshake, reading, waiting, hanging, writing, endless, closing };
enum class Io { progress, would_block, closed };

struct Connection {
    int fd = -1;
    SSL* ssl = nullptr;
    State state = State::reading;
    std::string in, out, pending;
    std::size_t out_off = 0;
    bool close_after = false;
    Clock::time_point deadline{};
    short ssl_want = 0;  // POLLIN/POLLOUT the last TLS call asked for
    bool again = false;  // more work without waiting for the socket
    bool dead = false;
    bool rst = false;

    ~Connection() {
        if (ssl) SSL_free(ssl);
        if (fd >= 0) {
            if (rst) detail::close_with_reset(fd);
            else close(fd);
        }
    }
};

std::string openssl_error(const std::string& what) {
    char text[256] = "unknown error";
    if (unsigned long code = ERR_get_error()) ERR_error_string_n(code, text, sizeof text);
    ERR_clear_error();
    return what + ": " + text;
}

std::string lower(std::string text) {
    std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
    return text;
}

// The value of header `name` (lowercase) in a lowercased head, or "".
std::string header_value(const std::string& head, const std::string& name) {
    auto at = head.find("\r\n" + name + ":");
    if (at == std::string::npos) return {};
    at += name.size() + 3;
    return head.substr(at, head.find("\r\n", at) - at);
}

std::string response(int code, const char* reason, const std::string& body, bool head_only, bool close) {
    std::string text = "HTTP/1.1 " + std::to_string(code) + " " + reason +
                       "\r\nContent-Type: text/plain\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
    if (close) text += "Connection: close\r\n";
    text += "\r\n";
    if (!head_only) text += body;
    return text;
}

std::string make_garbage() {
    std::minstd_rand random(42);
    std::string bytes(4096, '\0');
    for (auto& byte : bytes) byte = static_cast<char>(random() & 0xff);
    bytes.replace(0, 4, "\x00\x01\x02\x03", 4);  // never "HTTP/"
    return bytes;
}

const std::string endless_chunk = "4000\r\n" + std::string(0x4000, 'x') + "\r\n";

}  // namespace

const char* to_string(EndpointMode mode) {
    switch (mode) {
        case EndpointMode::ok: return "ok";
        case EndpointMode::error_status: return "error_status";
        case EndpointMode::hang: return "hang";
        case EndpointMode::reset: return "reset";
        case EndpointMode::garbage: return "garbage";
        case EndpointMode::endless_body: return "endless_body";
        case EndpointMode::slow: return "slow";
        case EndpointMode::refuse: return "refuse";
    }
    return "?";
}

struct FakeHttpEndpoint::Impl {
    FakeEndpointOptions options;
    std::atomic<std::uint16_t> port{0};
    std::atomic<EndpointMode> mode{EndpointMode::ok};
    std::atomic<unsigned> requests{0}, connections{0};
    mutable std::mutex head_mutex;  // guards last_head, tls_requests and peers
    std::string last_head;
    std::vector<TlsRequestSeen> tls_requests;
    std::vector<std::string> peers;
    std::set<std::string> cut_off;  // sources whose connections are reset at once
    detail::LoopControl control;
    std::thread thread;
    std::atomic<bool> running{false};
    const std::string garbage = make_garbage();

    // Owned by the loop thread while it runs.
    int listener = -1;
    SSL_CTX* ctx = nullptr;
    std::vector<std::unique_ptr<Connection>> connections_open;

    explicit Impl(FakeEndpointOptions opts) : options(std::move(opts)), port(options.port) {}

    void close_listener() {
        if (listener >= 0) close(listener);
        listener = -1;
    }

    void run();
    void apply_mode();
    void accept_all();
    void step(Connection& c);
    void parse_requests(Connection& c);
    void flush(Connection& c);
    void begin_close(Connection& c);
    Io read_some(Connection& c, bool discard);
    Io write_some(Connection& c);
};

void FakeHttpEndpoint::Impl::run() {
    while (!control.stop_requested()) {
        std::uint64_t generation = control.requested();
        apply_mode();
        control.mark_applied(generation);

        std::vector<pollfd> fds{{control.fd(), POLLIN, 0}};
        if (listener >= 0) fds.push_back({listener, POLLIN, 0});
        auto now = Clock::now();
        auto timeout = std::chrono::milliseconds(1000);
        if (listener < 0 && mode.load() != EndpointMode::refuse) timeout = std::chrono::milliseconds(50);
        for (auto& c : connections_open) {
            short events = POLLIN;
            if (c->state == State::writing || c->state == State::endless) events = POLLOUT;
            if (c->ssl && c->ssl_want && c->state != State::closing) events = c->ssl_want;
            fds.push_back({c->fd, events, 0});
            if (c->again) timeout = std::chrono::milliseconds(0);
            if (c->state == State::waiting || c->state == State::closing)
                timeout = std::min(timeout, std::max(std::chrono::milliseconds(0),
                    std::chrono::ceil<std::chrono::milliseconds>(c->deadline - now)));
        }
        if (poll(fds.data(), fds.size(), static_cast<int>(timeout.count())) < 0 && errno != EINTR) break;
        if (fds[0].revents) control.drain();
        if (control.stop_requested()) break;

        std::size_t first = listener >= 0 ? 2 : 1;
        std::size_t existing = connections_open.size();
        now = Clock::now();
        for (std::size_t i = 0; i < existing; ++i) {
            auto& c = *connections_open[i];
            bool due = (c.state == State::waiting || c.state == State::closing) && now >= c.deadline;
            if (fds[first + i].revents || c.again || due) {
                c.again = false;
                step(c);
            }
        }
        std::erase_if(connections_open, [](const auto& c) { return c->dead; });
        if (listener >= 0 && fds[1].revents) accept_all();
    }
    connections_open.clear();
    close_listener();
}

// Refuse: no listener, no connections. Any other mode: a listener on the same port.
void FakeHttpEndpoint::Impl::apply_mode() {
    if (mode.load() == EndpointMode::refuse) {
        close_listener();
        connections_open.clear();
    } else if (listener < 0) {
        std::string error;
        std::uint16_t same = port.load();
        listener = detail::bind_socket(SOCK_STREAM, options.address, same, error);  // retried while it fails
    }
}

void FakeHttpEndpoint::Impl::accept_all() {
    for (;;) {
        sockaddr_storage peer{};
        socklen_t peer_length = sizeof peer;
        int fd = accept4(listener, reinterpret_cast<sockaddr*>(&peer), &peer_length, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EINTR) continue;
            return;
        }
        ++connections;
        bool cut = false;
        {
            std::lock_guard lock(head_mutex);
            peers.push_back(detail::address_text(peer));
            cut = cut_off.contains(peers.back());
        }
        if (cut || mode.load() == EndpointMode::reset) {
            detail::close_with_reset(fd);
            continue;
        }
        auto c = std::make_unique<Connection>();
        c->fd = fd;
        if (ctx) {
            c->ssl = SSL_new(ctx);
            if (!c->ssl) continue;  // closes fd
            SSL_set_fd(c->ssl, fd);
            SSL_set_accept_state(c->ssl);
            c->state = State::handshake;
            c->again = true;  // the ClientHello may already be there
        }
        connections_open.push_back(std::move(c));
    }
}

Io FakeHttpEndpoint::Impl::read_some(Connection& c, bool discard) {
    char buffer[16 * 1024];
    for (int round = 0; round < 64; ++round) {
        ssize_t n = 0;
        if (c.ssl && c.state != State::closing) {
            ERR_clear_error();
            int r = SSL_read(c.ssl, buffer, sizeof buffer);
            if (r <= 0) {
                int e = SSL_get_error(c.ssl, r);
                if (e == SSL_ERROR_WANT_READ) c.ssl_want = POLLIN;
                else if (e == SSL_ERROR_WANT_WRITE) c.ssl_want = POLLOUT;
                else return Io::closed;
                return Io::would_block;
            }
            n = r;
        } else {
            n = recv(c.fd, buffer, sizeof buffer, 0);
            if (n == 0) return Io::closed;
            if (n < 0) {
                if (errno == EINTR) continue;
                return errno == EAGAIN || errno == EWOULDBLOCK ? Io::would_block : Io::closed;
            }
        }
        c.ssl_want = 0;
        if (!discard) c.in.append(buffer, static_cast<std::size_t>(n));
        if (c.in.size() > max_buffered) return Io::closed;
    }
    c.again = true;  // a flood: come back after the others had their turn
    return Io::progress;
}

Io FakeHttpEndpoint::Impl::write_some(Connection& c) {
    while (c.out_off < c.out.size()) {
        const char* data = c.out.data() + c.out_off;
        std::size_t length = c.out.size() - c.out_off;
        if (c.ssl) {
            ERR_clear_error();
            int r = SSL_write(c.ssl, data, static_cast<int>(std::min<std::size_t>(length, 1 << 20)));
            if (r <= 0) {
                int e = SSL_get_error(c.ssl, r);
                if (e == SSL_ERROR_WANT_WRITE) c.ssl_want = POLLOUT;
                else if (e == SSL_ERROR_WANT_READ) c.ssl_want = POLLIN;
                else return Io::closed;
                return Io::would_block;
            }
            c.out_off += static_cast<std::size_t>(r);
        } else {
            ssize_t n = send(c.fd, data, length, MSG_NOSIGNAL);
            if (n < 0) {
                if (errno == EINTR) continue;
                return errno == EAGAIN || errno == EWOULDBLOCK ? Io::would_block : Io::closed;
            }
            c.out_off += static_cast<std::size_t>(n);
        }
    }
    c.out.clear();
    c.out_off = 0;
    c.ssl_want = 0;
    return Io::progress;
}

void FakeHttpEndpoint::Impl::step(Connection& c) {
    if (c.state == State::handshake) {
        ERR_clear_error();
        int r = SSL_accept(c.ssl);
        if (r != 1) {
            int e = SSL_get_error(c.ssl, r);
            if (e == SSL_ERROR_WANT_READ) c.ssl_want = POLLIN;
            else if (e == SSL_ERROR_WANT_WRITE) c.ssl_want = POLLOUT;
            else c.dead = true;  // failed handshake, e.g. the client rejected our certificate
            return;
        }
        c.ssl_want = 0;
        c.state = State::reading;
    }
    switch (c.state) {
        case State::reading:
        case State::hanging:
        case State::waiting:
            if (read_some(c, c.state == State::hanging) == Io::closed) {
                c.dead = true;
                return;
            }
            if (c.state == State::reading) parse_requests(c);
            if (c.state == State::waiting && Clock::now() >= c.deadline) {
                c.out = std::move(c.pending);
                c.state = State::writing;
            }
            break;
        case State::closing:
            if (read_some(c, true) == Io::closed || Clock::now() >= c.deadline) c.dead = true;
            return;
        default:
            break;
    }
    if (!c.dead && (c.state == State::writing || c.state == State::endless)) flush(c);
}

// Answers the complete request heads in `c.in`, one at a time, as the mode says.
void FakeHttpEndpoint::Impl::parse_requests(Connection& c) {
    while (c.state == State::reading && !c.dead) {
        auto end = c.in.find("\r\n\r\n");
        if (end == std::string::npos || end > max_head) {
            if (c.in.size() > max_head) c.dead = true;
            return;
        }
        std::string head = c.in.substr(0, end);
        c.in.erase(0, end + 4);
        std::string line = head.substr(0, head.find("\r\n"));
        {
            std::lock_guard lock(head_mutex);
            last_head = head;
            if (c.ssl) {
                const char* sni = SSL_get_servername(c.ssl, TLSEXT_NAMETYPE_host_name);
                std::string path = line.substr(line.find(' ') + 1);
                tls_requests.push_back({sni ? sni : "", path.substr(0, path.find(' ')),
                                        SSL_session_reused(c.ssl) == 1});
            }
        }
        ++requests;

        std::string method = line.substr(0, line.find(' '));
        std::string version = line.substr(line.rfind(' ') + 1);
        std::string connection = header_value(lower(head), "connection");
        bool close = connection.find("close") != std::string::npos ||
                     (version == "HTTP/1.0" && connection.find("keep-alive") == std::string::npos);
        bool head_only = method == "HEAD";

        switch (mode.load()) {
            case EndpointMode::ok:
                c.out = response(200, "OK", options.body, head_only, close);
                c.close_after = close;
                c.state = State::writing;
                break;
            case EndpointMode::error_status:
                c.out = response(503, "Service Unavailable", "unavailable\n", head_only, close);
                c.close_after = close;
                c.state = State::writing;
                break;
            case EndpointMode::hang:
                c.in.clear();
                c.state = State::hanging;
                break;
            case EndpointMode::garbage:
                c.out = garbage;
                c.close_after = true;
                c.state = State::writing;
                break;
            case EndpointMode::endless_body:
                c.out = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n";
                c.state = State::endless;
                break;
            case EndpointMode::slow:
                c.pending = response(200, "OK", options.body, head_only, close);
                c.close_after = close;
                c.deadline = Clock::now() + options.slow_delay;
                c.state = State::waiting;
                break;
            case EndpointMode::reset:
                c.rst = true;
                c.dead = true;
                break;
            case EndpointMode::refuse:
                c.dead = true;
                break;
        }
    }
}

void FakeHttpEndpoint::Impl::flush(Connection& c) {
    for (int round = 0; round < 16; ++round) {
        Io result = write_some(c);
        if (result == Io::closed) {
            c.dead = true;
            return;
        }
        if (result == Io::would_block) return;
        if (c.state == State::endless) {
            c.out = endless_chunk;
            continue;
        }
        if (c.close_after) {
            begin_close(c);
            return;
        }
        c.state = State::reading;
        parse_requests(c);  // pipelined requests already read
        if (c.state != State::writing) return;
    }
    c.again = true;
}

// Our side is done: send close_notify and FIN, then read until the peer closes (bounded) so no RST eats the answer.
void FakeHttpEndpoint::Impl::begin_close(Connection& c) {
    if (c.ssl) {
        ERR_clear_error();
        SSL_shutdown(c.ssl);
    }
    shutdown(c.fd, SHUT_WR);
    c.ssl_want = 0;
    c.state = State::closing;
    c.deadline = Clock::now() + close_drain;
}

FakeHttpEndpoint::FakeHttpEndpoint(FakeEndpointOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}

FakeHttpEndpoint::~FakeHttpEndpoint() {
    stop();
}

bool FakeHttpEndpoint::start(std::string& error) {
    auto& d = *impl_;
    if (d.running) {
        error = "already running";
        return false;
    }
    detail::ignore_sigpipe();
    if (d.options.tls) {
        d.ctx = SSL_CTX_new(TLS_server_method());
        if (!d.ctx) {
            error = openssl_error("SSL_CTX_new");
            return false;
        }
        SSL_CTX_set_mode(d.ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
        // Resumption as real servers offer it: tickets (OpenSSL's default)
        // and the session ID cache, which needs an ID context.
        static constexpr unsigned char id_context[] = "azdns-fake-endpoint";
        SSL_CTX_set_session_id_context(d.ctx, id_context, sizeof id_context - 1);
        if (SSL_CTX_use_certificate_chain_file(d.ctx, d.options.cert_file.c_str()) != 1 ||
            SSL_CTX_use_PrivateKey_file(d.ctx, d.options.key_file.c_str(), SSL_FILETYPE_PEM) != 1 ||
            SSL_CTX_check_private_key(d.ctx) != 1) {
            error = openssl_error("loading " + d.options.cert_file + " / " + d.options.key_file);
            SSL_CTX_free(d.ctx);
            d.ctx = nullptr;
            return false;
        }
    }
    std::uint16_t port = d.port.load();
    d.listener = detail::bind_socket(SOCK_STREAM, d.options.address, port, error);
    if (d.listener < 0) {
        SSL_CTX_free(d.ctx);
        d.ctx = nullptr;
        return false;
    }
    d.port = port;
    d.control.reset_stop();
    d.thread = std::thread([&d] { d.run(); });
    d.running = true;
    return true;
}

void FakeHttpEndpoint::stop() {
    auto& d = *impl_;
    if (!d.running) return;
    d.control.request_stop();
    d.thread.join();
    d.running = false;
    SSL_CTX_free(d.ctx);
    d.ctx = nullptr;
}

void FakeHttpEndpoint::set_mode(EndpointMode mode) {
    impl_->mode = mode;
    impl_->control.change_and_wait(impl_->running);
}

EndpointMode FakeHttpEndpoint::mode() const { return impl_->mode; }
std::uint16_t FakeHttpEndpoint::port() const { return impl_->port; }
const std::string& FakeHttpEndpoint::address() const { return impl_->options.address; }
unsigned FakeHttpEndpoint::requests_seen() const { return impl_->requests; }
unsigned FakeHttpEndpoint::connections_seen() const { return impl_->connections; }

std::string FakeHttpEndpoint::last_request_head() const {
    std::lock_guard lock(impl_->head_mutex);
    return impl_->last_head;
}

void FakeHttpEndpoint::set_cut_off(std::set<std::string> sources) {
    std::lock_guard lock(impl_->head_mutex);
    impl_->cut_off = std::move(sources);
}

std::vector<std::string> FakeHttpEndpoint::peers_seen() const {
    std::lock_guard lock(impl_->head_mutex);
    return impl_->peers;
}

std::vector<TlsRequestSeen> FakeHttpEndpoint::tls_requests_seen() const {
    std::lock_guard lock(impl_->head_mutex);
    return impl_->tls_requests;
}

}  // namespace azdns::testing
