#include "tls_client.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cstdio>
#include <memory>

namespace azdns::e2e {

namespace {

constexpr int io_timeout_seconds = 10;

struct Socket {
    int fd = -1;
    ~Socket() {
        if (fd >= 0) ::close(fd);
    }
};

// A blocking TCP connection to 127.0.0.1:port whose reads and writes give up after io_timeout_seconds.
bool connect_loopback(Socket& socket, std::uint16_t port) {
    socket.fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (socket.fd < 0) return false;
    timeval timeout{io_timeout_seconds, 0};
    setsockopt(socket.fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    setsockopt(socket.fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return ::connect(socket.fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
}

std::string hex_fingerprint(X509* certificate) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned length = 0;
    if (certificate == nullptr || X509_digest(certificate, EVP_sha256(), digest, &length) != 1) return {};
    std::string hex;
    for (unsigned i = 0; i < length; ++i) {
        char pair[3];
        std::snprintf(pair, sizeof pair, "%02x", digest[i]);
        hex += pair;
    }
    return hex;
}

std::string openssl_error(const std::string& what) {
    char text[256] = "";
    ERR_error_string_n(ERR_get_error(), text, sizeof text);
    ERR_clear_error();
    return what + ": " + text;
}

}  // namespace

HttpsReply https_request(std::uint16_t port, const std::filesystem::path& ca_file, const std::string& method,
                         const std::string& target, const std::string& token) {
    HttpsReply reply;
    std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> ctx(SSL_CTX_new(TLS_client_method()), SSL_CTX_free);
    if (!ctx || SSL_CTX_load_verify_locations(ctx.get(), ca_file.c_str(), nullptr) != 1)
        return reply.error = openssl_error("cannot load " + ca_file.string()), reply;
    SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_PEER, nullptr);
    Socket socket;
    if (!connect_loopback(socket, port)) return reply.error = "cannot connect", reply;
    std::unique_ptr<SSL, decltype(&SSL_free)> ssl(SSL_new(ctx.get()), SSL_free);
    X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl.get()), "127.0.0.1");
    SSL_set_fd(ssl.get(), socket.fd);
    if (SSL_connect(ssl.get()) != 1) return reply.error = openssl_error("handshake failed"), reply;
    std::unique_ptr<X509, decltype(&X509_free)> peer(SSL_get1_peer_certificate(ssl.get()), X509_free);
    reply.certificate = hex_fingerprint(peer.get());
    std::string request = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n";
    if (!token.empty()) request += "Authorization: Bearer " + token + "\r\n";
    request += "Content-Length: 0\r\n\r\n";
    if (SSL_write(ssl.get(), request.data(), static_cast<int>(request.size())) <= 0)
        return reply.error = openssl_error("write failed"), reply;
    std::string response;
    char buffer[16 * 1024];
    for (;;) {  // bounded: each read gives up after io_timeout_seconds, and the server closes after one response
        int got = SSL_read(ssl.get(), buffer, sizeof buffer);
        if (got <= 0) break;
        response.append(buffer, static_cast<std::size_t>(got));
    }
    ERR_clear_error();
    const auto head_end = response.find("\r\n\r\n");
    if (!response.starts_with("HTTP/1.1 ") || head_end == std::string::npos)
        return reply.error = "no HTTP response: \"" + response + "\"", reply;
    reply.status = std::stoi(response.substr(9, 3));
    reply.body = response.substr(head_end + 4);
    return reply;
}

std::string certificate_fingerprint(const std::filesystem::path& pem_file) {
    std::unique_ptr<FILE, decltype(&std::fclose)> file(std::fopen(pem_file.c_str(), "r"), std::fclose);
    if (!file) return {};
    std::unique_ptr<X509, decltype(&X509_free)> certificate(PEM_read_X509(file.get(), nullptr, nullptr, nullptr),
                                                            X509_free);
    return hex_fingerprint(certificate.get());
}

std::string plain_exchange(std::uint16_t port, const std::string& bytes) {
    Socket socket;
    if (!connect_loopback(socket, port)) return "(cannot connect)";
    if (::send(socket.fd, bytes.data(), bytes.size(), MSG_NOSIGNAL) < 0) return "(send failed)";
    std::string received;
    char buffer[4096];
    for (;;) {  // bounded by SO_RCVTIMEO
        ssize_t got = ::recv(socket.fd, buffer, sizeof buffer, 0);
        if (got == 0) return received;
        if (got < 0) return received + (errno == EAGAIN || errno == EWOULDBLOCK ? "(no close)" : "");
        received.append(buffer, static_cast<std::size_t>(got));
    }
}

}  // namespace azdns::e2e
