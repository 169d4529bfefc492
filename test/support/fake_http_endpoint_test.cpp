// Checks the test support itself: every mode of the fake HTTP(S) endpoint
// seen from a plain socket client, restarts on the same port, non-default
// loopback addresses, and HTTPS verification against the test CA. The fake
// DNS endpoint's cases are in fake_dns_endpoint_test.cpp (same executable).
#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "fake_endpoint.hpp"
#include "fake_endpoint_test_client.hpp"
#include "temp_dir.hpp"
#include "test_ca.hpp"

using namespace azdns::testing;
using namespace azdns::testing::client;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

bool send_all(int fd, const std::string& data) {
    std::size_t sent = 0;
    while (sent < data.size()) {
        ssize_t n = send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
        if (n <= 0) return false;
        sent += static_cast<std::size_t>(n);
    }
    return true;
}

struct ReadResult {
    std::string data;
    bool eof = false;      // the peer closed
    int error = 0;         // errno of a failed read (EAGAIN: timed out)
};

// Reads until EOF, an error, `limit` bytes, `until` appearing, or `wait` passing.
ReadResult read_from(int fd, std::chrono::milliseconds wait = 2000ms, std::size_t limit = 1 << 20,
                     const std::string& until = "") {
    ReadResult result;
    auto deadline = Clock::now() + wait;
    while (result.data.size() < limit) {
        if (!until.empty() && result.data.find(until) != std::string::npos) break;
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
        if (left <= 0) {
            result.error = EAGAIN;
            break;
        }
        pollfd p{fd, POLLIN, 0};
        if (poll(&p, 1, static_cast<int>(left)) == 0) continue;
        char buffer[16384];
        ssize_t n = recv(fd, buffer, std::min(sizeof buffer, limit - result.data.size()), 0);
        if (n == 0) {
            result.eof = true;
            break;
        }
        if (n < 0) {
            result.error = errno;
            break;
        }
        result.data.append(buffer, static_cast<std::size_t>(n));
    }
    return result;
}

// One request on a new connection, read until the server closes or `wait` passes.
ReadResult http_get(const FakeHttpEndpoint& endpoint, const std::string& path = "/healthz",
                    std::chrono::milliseconds wait = 2000ms) {
    Fd fd(connect_to(endpoint.address(), endpoint.port()));
    if (fd.fd < 0) return {"", false, errno};
    std::string request = "GET " + path + " HTTP/1.1\r\nHost: probe.example\r\nConnection: close\r\n\r\n";
    if (!send_all(fd.fd, request)) return {"", false, errno};
    return read_from(fd.fd, wait);
}

std::unique_ptr<FakeHttpEndpoint> started(FakeEndpointOptions options = {}) {
    auto endpoint = std::make_unique<FakeHttpEndpoint>(std::move(options));
    std::string error;
    REQUIRE_MESSAGE(endpoint->start(error), error);
    REQUIRE(endpoint->port() != 0);
    return endpoint;
}

bool refused(const std::string& address, std::uint16_t port) {
    int fd = connect_to(address, port);
    if (fd >= 0) {
        close(fd);
        return false;
    }
    return errno == ECONNREFUSED;
}

}  // namespace

TEST_SUITE("fake http endpoint") {

TEST_CASE("ok answers 200 with the body, keeps the connection alive, and records the request") {
    auto endpoint = started({.body = "all good"});
    Fd fd(connect_to("127.0.0.1", endpoint->port()));
    REQUIRE(fd.fd >= 0);
    REQUIRE(send_all(fd.fd, "GET /healthz HTTP/1.1\r\nHost: probe.example\r\n\r\n"));
    auto first = read_from(fd.fd, 2000ms, 1 << 20, "all good");
    CHECK(first.data.rfind("HTTP/1.1 200 OK\r\n", 0) == 0);
    CHECK(first.data.find("Content-Length: 8\r\n") != std::string::npos);
    CHECK(first.data.ends_with("\r\n\r\nall good"));
    CHECK(endpoint->last_request_head() == "GET /healthz HTTP/1.1\r\nHost: probe.example");

    // Second request on the same connection, this one asking to close.
    REQUIRE(send_all(fd.fd, "GET /other HTTP/1.1\r\nHost: b.example\r\nConnection: close\r\n\r\n"));
    auto second = read_from(fd.fd);
    CHECK(second.eof);
    CHECK(second.data.rfind("HTTP/1.1 200 OK\r\n", 0) == 0);
    CHECK(second.data.find("Connection: close\r\n") != std::string::npos);
    CHECK(endpoint->requests_seen() == 2);
    CHECK(endpoint->connections_seen() == 1);
    CHECK(endpoint->last_request_head().find("Host: b.example") != std::string::npos);
}

TEST_CASE("ok keeps a plain TCP connection open until the peer closes") {
    auto endpoint = started();
    Fd fd(connect_to("127.0.0.1", endpoint->port()));
    REQUIRE(fd.fd >= 0);
    auto quiet = read_from(fd.fd, 300ms);
    CHECK(quiet.error == EAGAIN);
    CHECK_FALSE(quiet.eof);
    CHECK(endpoint->connections_seen() == 1);
    CHECK(endpoint->requests_seen() == 0);
}

TEST_CASE("error_status answers 503") {
    auto endpoint = started();
    endpoint->set_mode(EndpointMode::error_status);
    auto reply = http_get(*endpoint);
    CHECK(reply.eof);
    CHECK(reply.data.rfind("HTTP/1.1 503 ", 0) == 0);
}

TEST_CASE("hang reads the request and never answers, and stop still returns at once") {
    auto endpoint = started();
    endpoint->set_mode(EndpointMode::hang);
    Fd fd(connect_to("127.0.0.1", endpoint->port()));
    REQUIRE(fd.fd >= 0);
    REQUIRE(send_all(fd.fd, "GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
    auto nothing = read_from(fd.fd, 400ms);
    CHECK(nothing.data.empty());
    CHECK(nothing.error == EAGAIN);
    CHECK(endpoint->requests_seen() == 1);
    auto before = Clock::now();
    endpoint->stop();
    CHECK(Clock::now() - before < 5s);  // not held by the client that gets no answer
    auto after = read_from(fd.fd, 1000ms);
    CHECK((after.eof || after.error == ECONNRESET));
}

TEST_CASE("reset closes accepted connections with RST") {
    auto endpoint = started();
    endpoint->set_mode(EndpointMode::reset);
    Fd fd(connect_to("127.0.0.1", endpoint->port()));
    REQUIRE(fd.fd >= 0);
    auto reply = read_from(fd.fd, 2000ms);
    CHECK(reply.data.empty());
    CHECK(reply.error == ECONNRESET);

    // Like a probe: connect, send, read.
    Fd probe(connect_to("127.0.0.1", endpoint->port()));
    REQUIRE(probe.fd >= 0);
    usleep(50'000);
    bool sent = send_all(probe.fd, "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    auto after = read_from(probe.fd, 2000ms);
    CHECK(after.data.empty());
    CHECK((!sent || after.error == ECONNRESET || after.eof));
    CHECK(endpoint->requests_seen() == 0);
}

TEST_CASE("garbage sends 4 KiB that is not HTTP, then closes") {
    auto endpoint = started();
    endpoint->set_mode(EndpointMode::garbage);
    auto reply = http_get(*endpoint);
    CHECK(reply.eof);
    CHECK(reply.data.size() == 4096);
    CHECK(reply.data.rfind("HTTP/", 0) == std::string::npos);
}

TEST_CASE("endless_body keeps sending a chunked body while the client reads") {
    auto endpoint = started();
    endpoint->set_mode(EndpointMode::endless_body);
    Fd fd(connect_to("127.0.0.1", endpoint->port()));
    REQUIRE(fd.fd >= 0);
    REQUIRE(send_all(fd.fd, "GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
    auto reply = read_from(fd.fd, 5000ms, 4 << 20);
    CHECK(reply.data.size() == 4u << 20);
    CHECK_FALSE(reply.eof);
    CHECK(reply.data.rfind("HTTP/1.1 200 OK\r\n", 0) == 0);
    CHECK(reply.data.find("Transfer-Encoding: chunked\r\n") != std::string::npos);
    close(fd.fd);
    fd.fd = -1;

    // The endpoint survives the client going away mid-body.
    endpoint->set_mode(EndpointMode::ok);
    CHECK(http_get(*endpoint).data.rfind("HTTP/1.1 200 OK\r\n", 0) == 0);
}

TEST_CASE("slow answers correctly after slow_delay") {
    auto endpoint = started({.slow_delay = 400ms});
    endpoint->set_mode(EndpointMode::slow);
    auto before = Clock::now();
    auto reply = http_get(*endpoint);
    auto took = Clock::now() - before;
    CHECK(reply.data.rfind("HTTP/1.1 200 OK\r\n", 0) == 0);
    CHECK(reply.data.ends_with("\r\n\r\nok"));
    CHECK(took >= 350ms);
    CHECK(took < 5s);  // well short of a stuck endpoint; a busy machine adds time
}

TEST_CASE("refuse closes the listener and another mode reopens the same port") {
    auto endpoint = started();
    auto port = endpoint->port();
    endpoint->set_mode(EndpointMode::refuse);
    CHECK(refused("127.0.0.1", port));
    endpoint->set_mode(EndpointMode::ok);
    CHECK(endpoint->port() == port);
    CHECK(http_get(*endpoint).data.rfind("HTTP/1.1 200 OK\r\n", 0) == 0);
}

TEST_CASE("stop refuses connects and start rebinds the same port") {
    auto endpoint = started();
    auto port = endpoint->port();
    // A kept-alive connection in TIME_WAIT must not block the rebind.
    CHECK(http_get(*endpoint).eof);
    endpoint->stop();
    CHECK(refused("127.0.0.1", port));
    endpoint->stop();  // idempotent
    std::string error;
    REQUIRE_MESSAGE(endpoint->start(error), error);
    CHECK(endpoint->port() == port);
    CHECK(http_get(*endpoint).data.rfind("HTTP/1.1 200 OK\r\n", 0) == 0);
    CHECK_FALSE(endpoint->start(error));  // already running
}

TEST_CASE("binds other loopback addresses: 127.0.0.2 and ::1") {
    auto endpoint = started({.address = "127.0.0.2"});
    CHECK(http_get(*endpoint).data.rfind("HTTP/1.1 200 OK\r\n", 0) == 0);

    FakeHttpEndpoint six({.address = "::1"});
    std::string error;
    if (six.start(error)) {
        CHECK(http_get(six).data.rfind("HTTP/1.1 200 OK\r\n", 0) == 0);
    } else {
        MESSAGE("no IPv6 loopback: " << error);
    }
    FakeHttpEndpoint bad({.address = "not-an-address"});
    CHECK_FALSE(bad.start(error));
    CHECK(error.find("not an IP address") != std::string::npos);
}

TEST_CASE("destruction with busy connections in every mode is prompt") {
    auto before = Clock::now();
    {
        auto endpoint = started({.slow_delay = 10s});
        std::vector<std::unique_ptr<Fd>> clients;
        for (auto mode : {EndpointMode::hang, EndpointMode::endless_body, EndpointMode::slow, EndpointMode::ok}) {
            endpoint->set_mode(mode);
            auto fd = std::make_unique<Fd>(connect_to("127.0.0.1", endpoint->port()));
            REQUIRE(fd->fd >= 0);
            REQUIRE(send_all(fd->fd, "GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
            clients.push_back(std::move(fd));
        }
        usleep(100'000);
    }
    CHECK(Clock::now() - before < 5s);  // not held by the 10 s slow_delay
}

}  // TEST_SUITE

// ---------------------------------------------------------------- HTTPS

namespace {

struct TlsResult {
    bool handshake = false;
    long verify = -1;
    std::string data;
};

// An HTTPS GET verifying the server against `ca_file` for host name `host`
// (or IP address when it parses as one). Reads at most `limit` bytes.
TlsResult https_get(const FakeHttpEndpoint& endpoint, const fs::path& ca_file, const std::string& host,
                    std::size_t limit = 1 << 20) {
    TlsResult result;
    std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> ctx(SSL_CTX_new(TLS_client_method()), SSL_CTX_free);
    REQUIRE(ctx);
    SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_PEER, nullptr);
    REQUIRE(SSL_CTX_load_verify_locations(ctx.get(), ca_file.c_str(), nullptr) == 1);
    Fd fd(connect_to(endpoint.address(), endpoint.port()));
    REQUIRE(fd.fd >= 0);
    std::unique_ptr<SSL, decltype(&SSL_free)> ssl(SSL_new(ctx.get()), SSL_free);
    SSL_set_fd(ssl.get(), fd.fd);
    in6_addr ignored;
    if (inet_pton(AF_INET, host.c_str(), &ignored) == 1 || inet_pton(AF_INET6, host.c_str(), &ignored) == 1) {
        X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl.get()), host.c_str());
    } else {
        SSL_set_tlsext_host_name(ssl.get(), host.c_str());
        SSL_set1_host(ssl.get(), host.c_str());
    }
    result.handshake = SSL_connect(ssl.get()) == 1;
    result.verify = SSL_get_verify_result(ssl.get());
    if (result.handshake) {
        std::string request = "GET /tls HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n";
        REQUIRE(SSL_write(ssl.get(), request.data(), static_cast<int>(request.size())) > 0);
        char buffer[16384];
        while (result.data.size() < limit) {
            int n = SSL_read(ssl.get(), buffer, sizeof buffer);  // bounded by SO_RCVTIMEO
            if (n <= 0) break;
            result.data.append(buffer, static_cast<std::size_t>(n));
        }
    }
    ERR_clear_error();
    return result;
}

}  // namespace

TEST_SUITE("fake https endpoint and test CA") {

TEST_CASE("HTTPS verifies against the test CA by name and by IP") {
    TempDir dir{"azdns-support"};
    std::string error;
    auto certs = make_test_certificates(dir.path, {"localhost", "probe.example"}, {"127.0.0.1", "::1"}, error);
    REQUIRE_MESSAGE(certs, error);
    CHECK(fs::exists(certs->ca_cert));
    auto endpoint = started({.tls = true, .cert_file = certs->server_cert, .key_file = certs->server_key,
                             .body = "secure"});
    auto by_name = https_get(*endpoint, certs->ca_cert, "probe.example");
    CHECK(by_name.handshake);
    CHECK(by_name.verify == X509_V_OK);
    CHECK(by_name.data.rfind("HTTP/1.1 200 OK\r\n", 0) == 0);
    CHECK(by_name.data.ends_with("\r\n\r\nsecure"));
    CHECK(endpoint->last_request_head().rfind("GET /tls HTTP/1.1\r\nHost: probe.example", 0) == 0);

    auto by_ip = https_get(*endpoint, certs->ca_cert, "127.0.0.1");
    CHECK(by_ip.handshake);
    CHECK(by_ip.verify == X509_V_OK);

    auto wrong_name = https_get(*endpoint, certs->ca_cert, "other.example");
    CHECK_FALSE(wrong_name.handshake);
    CHECK(wrong_name.verify == X509_V_ERR_HOSTNAME_MISMATCH);

    // TLS write path under load: an endless body over TLS.
    endpoint->set_mode(EndpointMode::endless_body);
    auto endless = https_get(*endpoint, certs->ca_cert, "localhost", 1 << 20);
    CHECK(endless.data.size() >= 1u << 20);
    CHECK(endpoint->requests_seen() == 3);
}

TEST_CASE("a self-signed or expired certificate fails verification against the test CA") {
    TempDir dir{"azdns-support"};
    std::string error;
    auto good = make_test_certificates(dir.path, {"localhost"}, {"127.0.0.1"}, error);
    REQUIRE_MESSAGE(good, error);
    auto bad = make_self_signed(dir.path, {"localhost"}, {"127.0.0.1"}, error);
    REQUIRE_MESSAGE(bad, error);
    CHECK(bad->ca_cert == bad->server_cert);
    auto endpoint = started({.tls = true, .cert_file = bad->server_cert, .key_file = bad->server_key});
    auto reply = https_get(*endpoint, good->ca_cert, "localhost");
    CHECK_FALSE(reply.handshake);
    CHECK(reply.verify == X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT);
    CHECK(endpoint->requests_seen() == 0);

    auto expired = make_expired_certificates(dir.path, {"localhost"}, {}, error);
    REQUIRE_MESSAGE(expired, error);
    auto old = started({.tls = true, .cert_file = expired->server_cert, .key_file = expired->server_key});
    auto late = https_get(*old, expired->ca_cert, "localhost");
    CHECK_FALSE(late.handshake);
    CHECK(late.verify == X509_V_ERR_CERT_HAS_EXPIRED);
}

TEST_CASE("start fails with a message when the key files are missing") {
    FakeHttpEndpoint endpoint({.tls = true, .cert_file = "/nonexistent.pem", .key_file = "/nonexistent.key"});
    std::string error;
    CHECK_FALSE(endpoint.start(error));
    CHECK_FALSE(error.empty());
}

TEST_CASE("a plain-HTTP request to the HTTPS endpoint is dropped, and the endpoint carries on") {
    TempDir dir{"azdns-support"};
    std::string error;
    auto certs = make_test_certificates(dir.path, {"localhost"}, {}, error);
    REQUIRE_MESSAGE(certs, error);
    auto endpoint = started({.tls = true, .cert_file = certs->server_cert, .key_file = certs->server_key});
    auto plain = http_get(*endpoint);
    CHECK((plain.eof || plain.error == ECONNRESET));
    CHECK(https_get(*endpoint, certs->ca_cert, "localhost").verify == X509_V_OK);
}

}  // TEST_SUITE
