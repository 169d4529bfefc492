// The HTTP client (server/http): URLs; against a real HTTPS server (the fake endpoint, its
// certificates from a throwaway CA): public key pinning, and the bounds on a
// response's size and on a server that never answers.
#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <memory>

#include "fake_endpoint.hpp"
#include "http_client.hpp"
#include "public_key_pin.hpp"
#include "temp_dir.hpp"
#include "test_ca.hpp"

using namespace std::chrono_literals;
using azdns::testing::EndpointMode;
using azdns::testing::FakeHttpEndpoint;
using azdns::testing::TempDir;
using azdns::testing::TestCertificates;

namespace {

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// An HTTPS server whose certificate, from a CA the client does not know,
// names only "elsewhere.example": neither the CA nor the host name check
// can pass for https://127.0.0.1.
struct PinnedServer {
    TempDir temp{"azdns-http-client"};
    TestCertificates certs;
    std::unique_ptr<FakeHttpEndpoint> endpoint;
    PinnedServer() {
        std::string error;
        auto made = azdns::testing::make_test_certificates(temp.path, {"elsewhere.example"}, {}, error);
        REQUIRE_MESSAGE(made, error);
        certs = *made;
        endpoint = std::make_unique<FakeHttpEndpoint>(azdns::testing::FakeEndpointOptions{
            .tls = true, .cert_file = certs.server_cert.string(), .key_file = certs.server_key.string(), .body = "pinned"});
        REQUIRE_MESSAGE(endpoint->start(error), error);
    }
    azdns::HttpUrl url() const { return {"127.0.0.1", endpoint->port(), "", true}; }
};

std::string pin_of(const std::filesystem::path& certificate) {
    std::string error;
    auto pin = azdns::public_key_pin_of_certificate(certificate.string(), error);
    REQUIRE_MESSAGE(pin, error);
    return *pin;
}

}  // namespace

TEST_CASE("a pinned public key is trusted whatever the CA and the host name") {
    PinnedServer server;
    azdns::HttpResponse response;
    std::string error;
    SUBCASE("without the pin, the unknown CA fails") {
        CHECK(!azdns::http_exchange(server.url(), {}, response, error));
        CHECK(has(error, "TLS: the server's certificate is not trusted"));
    }
    SUBCASE("with the CA but without the pin, the host name fails") {
        CHECK(!azdns::http_exchange(server.url(), {}, response, error, {.ca_file = server.certs.ca_cert.string()}));
        CHECK(has(error, "target host name '127.0.0.1'"));
    }
    SUBCASE("the server's own key: the request goes through") {
        const std::string pin = pin_of(server.certs.server_cert);
        CHECK(pin.starts_with("sha256//"));
        REQUIRE_MESSAGE(azdns::http_exchange(server.url(), {}, response, error, {.pinned_public_key = pin}), error);
        CHECK(response.status == 200);
        CHECK(response.body == "pinned");
        CHECK(server.endpoint->requests_seen() == 1);
    }
    SUBCASE("another key fails, even from the server's own CA") {
        std::string made_error;
        auto other = azdns::testing::make_self_signed(server.temp.path, {"127.0.0.1"}, {"127.0.0.1"}, made_error);
        REQUIRE_MESSAGE(other, made_error);
        for (const auto& certificate : {other->server_cert, server.certs.ca_cert}) {
            CAPTURE(certificate);
            CHECK(!azdns::http_exchange(server.url(), {}, response, error, {.pinned_public_key = pin_of(certificate)}));
            CHECK(has(error, "TLS: the server's public key is not the pinned one"));
        }
        CHECK(server.endpoint->requests_seen() == 0);
    }
}

TEST_CASE("public_key_pin_of_certificate names a file it cannot use") {
    TempDir temp{"azdns-http-client"};
    std::string error;
    CHECK(!azdns::public_key_pin_of_certificate((temp.path / "missing.pem").string(), error));
    CHECK(has(error, "cannot read the certificate " + (temp.path / "missing.pem").string()));
    std::ofstream(temp.path / "not.pem") << "not a certificate\n";
    CHECK(!azdns::public_key_pin_of_certificate((temp.path / "not.pem").string(), error));
    CHECK(has(error, "cannot read the certificate " + (temp.path / "not.pem").string()));
}

TEST_CASE("a response larger than 16 MiB is refused") {
    PinnedServer server;
    server.endpoint->set_mode(EndpointMode::endless_body);  // a chunked body that never ends
    azdns::HttpResponse response;
    std::string error;
    CHECK(!azdns::http_exchange(server.url(), {}, response, error, {.pinned_public_key = pin_of(server.certs.server_cert)}));
    CHECK(error == "the response is larger than 16 MiB");
    CHECK(response.body.size() <= azdns::max_http_response_bytes);
}

TEST_CASE("an https server that never answers times out waiting for the response") {
    PinnedServer server;
    server.endpoint->set_mode(EndpointMode::hang);  // handshakes, reads the request, never answers
    azdns::HttpResponse response;
    std::string error;
    CHECK(!azdns::http_exchange(server.url(), {}, response, error,
                                {.timeout = 200ms, .pinned_public_key = pin_of(server.certs.server_cert)}));
    CHECK(error == "timed out after 1s waiting for the response");
}

TEST_CASE("a deadline bounds the whole exchange; max_response_bytes bounds the body") {
    FakeHttpEndpoint endpoint(azdns::testing::FakeEndpointOptions{.body = "a body of 24 bytes, not 9"});
    std::string error;
    REQUIRE_MESSAGE(endpoint.start(error), error);
    const azdns::HttpUrl url{"127.0.0.1", endpoint.port(), "", false};
    azdns::HttpResponse response;
    CHECK(!azdns::http_exchange(url, {}, response, error, {.max_response_bytes = 9}));
    CHECK(error == "the response is larger than 9 bytes");
    // An answer after 2 s, within the stall bound (5 s): only the deadline ends it.
    endpoint.set_mode(EndpointMode::slow);
    const auto asked = std::chrono::steady_clock::now();
    CHECK(!azdns::http_exchange(url, {}, response, error, {.timeout = 5s, .deadline = 1s}));
    CHECK(error == "no complete response within 1s");
    MESSAGE("ended after " << std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - asked).count()
                           << " ms");
}

TEST_CASE("parse_http_url") {
    std::string error;
    auto v4 = azdns::parse_http_url("http://127.0.0.1:8053", error);
    REQUIRE(v4);
    CHECK(v4->host == "127.0.0.1");
    CHECK(v4->port == 8053);
    CHECK(v4->path.empty());
    CHECK(!v4->https);
    auto v6 = azdns::parse_http_url("HTTP://[::1]:9/prefix/", error);
    REQUIRE(v6);
    CHECK(v6->host == "::1");
    CHECK(v6->port == 9);
    CHECK(v6->path == "/prefix");
    CHECK(v6->authority() == "[::1]:9");
    auto bare = azdns::parse_http_url("ns1.example.net", error);
    REQUIRE(bare);
    CHECK(bare->host == "ns1.example.net");
    CHECK(bare->port == 80);
    auto secure = azdns::parse_http_url("HTTPS://ns1.example.net/azdns", error);
    REQUIRE(secure);
    CHECK(secure->https);
    CHECK(secure->port == 443);
    CHECK(secure->text() == "https://ns1.example.net:443/azdns");
    for (const char* bad : {"ftp://x", "http://", "http://:80", "http://[::1", "http://[x]:1",
                            "http://::1:8053", "http://a:0", "http://a:65536", "http://a:", "http://a:8x", "http://u@a:1"}) {
        CAPTURE(bad);
        error.clear();
        CHECK(!azdns::parse_http_url(bad, error));
        CHECK(!error.empty());
    }
}

TEST_CASE("http_exchange times out on a server that never answers") {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
    REQUIRE(::listen(fd, 4) == 0);
    socklen_t length = sizeof address;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
    azdns::HttpUrl url{"127.0.0.1", ntohs(address.sin_port), "", false};
    azdns::HttpResponse response;
    std::string error;
    auto started = std::chrono::steady_clock::now();
    CHECK(!azdns::http_exchange(url, azdns::HttpRequest{}, response, error, {.timeout = 200ms}));
    CHECK(std::chrono::steady_clock::now() - started < 5s);  // the listener never accepts: unbounded without the timeout
    CHECK(error.find("timed out") != std::string::npos);
    ::close(fd);
}
