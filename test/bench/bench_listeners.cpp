// bench_probes' servers: one epoll loop in a child process over every
// listener and connection. Plain connections are level-triggered; TLS ones
// edge-triggered for both directions, since OpenSSL may want to write while
// reading (the handshake, TLS 1.3 tickets).
#include "bench_listeners.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string_view>

namespace azdns::bench {
namespace {

constexpr char http_response[] =
    "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok";

struct Connection {
    SSL* ssl = nullptr;  // https only
    std::string head;
    ~Connection() { SSL_free(ssl); }

    [[nodiscard]] bool head_complete() const { return head.find("\r\n\r\n") != std::string::npos; }
};

bool is_tls(Serving serving) { return serving == Serving::https || serving == Serving::https_no_resume; }

SSL_CTX* server_context(const TlsFiles& files, bool resume) {
    SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
    if (ctx == nullptr || SSL_CTX_use_certificate_chain_file(ctx, files.cert_file.c_str()) != 1 ||
        SSL_CTX_use_PrivateKey_file(ctx, files.key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
        std::fprintf(stderr, "bench listeners: cannot load %s\n", files.cert_file.c_str());
        std::exit(1);
    }
    if (resume) {
        static constexpr unsigned char id_context[] = "azdns-bench";
        SSL_CTX_set_session_id_context(ctx, id_context, sizeof id_context - 1);
    } else {
        // No tickets, stateless or stateful, and no session cache: a client
        // offering a session gets a full handshake, as from a server that
        // does not resume.
        SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
        SSL_CTX_set_num_tickets(ctx, 0);
        SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
    }
    return ctx;
}

// Moves one connection on; true once it is finished and can be closed.
bool serve_plain(int fd, Connection& c) {
    char buffer[4096];
    ssize_t got = read(fd, buffer, sizeof buffer);
    if (got < 0) return errno != EAGAIN;
    c.head.append(buffer, static_cast<std::size_t>(got));
    if (got > 0 && !c.head_complete()) return false;
    if (got > 0) (void)!write(fd, http_response, sizeof http_response - 1);
    return true;
}

// SSL_read runs the handshake first. A loopback socket has room for the
// short answer, so one SSL_write is enough.
bool serve_tls(Connection& c) {
    char buffer[4096];
    for (;;) {
        int got = SSL_read(c.ssl, buffer, sizeof buffer);
        if (got <= 0) {
            int error = SSL_get_error(c.ssl, got);
            ERR_clear_error();
            return error != SSL_ERROR_WANT_READ && error != SSL_ERROR_WANT_WRITE;
        }
        c.head.append(buffer, static_cast<std::size_t>(got));
        if (c.head_complete()) {
            SSL_write(c.ssl, http_response, sizeof http_response - 1);
            SSL_shutdown(c.ssl);
            ERR_clear_error();
            return true;
        }
    }
}

}  // namespace

Listeners::Listeners(std::size_t count, Serving serving, const TlsFiles& tls) : serving_(serving) {
    epoll_ = epoll_create1(EPOLL_CLOEXEC);
    for (std::size_t i = 0; i < count; ++i) {
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        int one = 1;
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 || listen(fd, 4096) != 0) {
            std::perror("listen");
            std::exit(1);
        }
        socklen_t length = sizeof address;
        getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
        ports.push_back(ntohs(address.sin_port));
        listening_.push_back(fd);
        epoll_event event{};
        event.events = EPOLLIN;
        event.data.u64 = (std::uint64_t{1} << 32) | static_cast<std::uint32_t>(fd);
        epoll_ctl(epoll_, EPOLL_CTL_ADD, fd, &event);
    }
    child_ = fork();
    if (child_ == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        run(tls);
    }
    for (int fd : listening_) close(fd);
    close(epoll_);
}

Listeners::~Listeners() {
    kill(child_, SIGKILL);
    waitpid(child_, nullptr, 0);
}

void Listeners::run(const TlsFiles& tls) {
    SSL_CTX* ctx = is_tls(serving_) ? server_context(tls, serving_ == Serving::https) : nullptr;
    std::vector<std::unique_ptr<Connection>> connections;  // by descriptor
    std::vector<epoll_event> events(512);
    for (;;) {
        int n = epoll_wait(epoll_, events.data(), static_cast<int>(events.size()), 100);
        for (int i = 0; i < n; ++i) {
            int fd = static_cast<int>(events[i].data.u64 & 0xffffffff);
            if ((events[i].data.u64 >> 32) == 0) {
                Connection& c = *connections[static_cast<std::size_t>(fd)];
                if (c.ssl ? serve_tls(c) : serve_plain(fd, c)) {
                    connections[static_cast<std::size_t>(fd)].reset();
                    close(fd);
                }
                continue;
            }
            for (int client; (client = accept4(fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0;) {
                if (serving_ == Serving::tcp) {
                    close(client);
                    continue;
                }
                auto index = static_cast<std::size_t>(client);
                if (connections.size() <= index) connections.resize(index + 1);
                connections[index] = std::make_unique<Connection>();
                epoll_event event{};
                event.events = EPOLLIN;
                event.data.u64 = static_cast<std::uint32_t>(client);
                if (ctx != nullptr) {
                    SSL* ssl = SSL_new(ctx);
                    SSL_set_fd(ssl, client);
                    SSL_set_accept_state(ssl);
                    connections[index]->ssl = ssl;
                    event.events = EPOLLIN | EPOLLOUT | EPOLLET;
                }
                epoll_ctl(epoll_, EPOLL_CTL_ADD, client, &event);
            }
        }
    }
}

}  // namespace azdns::bench
