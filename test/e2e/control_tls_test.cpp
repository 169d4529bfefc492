// HTTPS on the control API of the real azdns (spec: "Control API",
// docs/control.md "HTTPS"): the same routes and token over TLS, verified
// against the test CA; plain HTTP to the TLS port gets no HTTP answer and
// harms nothing; a reload serves a renewed certificate, and refuses a key
// that is not the certificate's while the old pair keeps serving.
#include <doctest/doctest.h>

#include <signal.h>

#include <chrono>
#include <thread>

#include <nlohmann/json.hpp>

#include "control_client.hpp"

#include "process.hpp"
#include "server_process.hpp"
#include "test_ca.hpp"
#include "tls_client.hpp"

using namespace azdns::e2e;
namespace fs = std::filesystem;

namespace {

const std::string token = "tls-test-token";

// Two certificate pairs from two CAs (a/ and b/), and the files azdns is
// configured with (served/), which start as a copy of a/.
struct Certificates {
    TempDir dir{"azdns-e2e-tls"};
    azdns::testing::TestCertificates a, b;
    fs::path cert = dir.path / "served" / "cert.pem";
    fs::path key = dir.path / "served" / "key.pem";

    Certificates() {
        for (const char* sub : {"a", "b", "served"}) fs::create_directories(dir.path / sub);
        std::string error;
        auto made_a = azdns::testing::make_test_certificates(dir.path / "a", {"localhost"}, {"127.0.0.1"}, error);
        REQUIRE_MESSAGE(made_a.has_value(), error);
        auto made_b = azdns::testing::make_test_certificates(dir.path / "b", {"localhost"}, {"127.0.0.1"}, error);
        REQUIRE_MESSAGE(made_b.has_value(), error);
        a = *made_a;
        b = *made_b;
        serve(a.server_cert, a.server_key);
    }

    void serve(const fs::path& cert_from, const fs::path& key_from) const {
        fs::copy_file(cert_from, cert, fs::copy_options::overwrite_existing);
        fs::copy_file(key_from, key, fs::copy_options::overwrite_existing);
    }

    ServerOptions options() const {
        write_text(dir.path / "token", token + "\n");
        ServerOptions options;
        options.control_lines = {"token_file = \"" + (dir.path / "token").string() + "\"",
                                 "tls_cert = \"" + cert.string() + "\"", "tls_key = \"" + key.string() + "\""};
        return options;
    }
};

}  // namespace

TEST_SUITE("e2e_control_tls") {

TEST_CASE("the control API speaks HTTPS with the configured certificate, same routes and token") {
    Certificates certs;
    AzdnsServer server(certs.options());
    REQUIRE_MESSAGE(server.ready(), server.log());

    HttpsReply health = https_request(server.control_port(), certs.a.ca_cert, "GET", "/healthz");
    REQUIRE_MESSAGE(health.error.empty(), health.error, "\n", server.log());
    CHECK(health.status == 200);
    CHECK(health.certificate == certificate_fingerprint(certs.a.server_cert));

    HttpsReply status = https_request(server.control_port(), certs.a.ca_cert, "GET", "/v1/status", token);
    REQUIRE_MESSAGE(status.error.empty(), status.error);
    CHECK(status.status == 200);
    CHECK(nlohmann::json::parse(status.body)["zones"].size() == 2);
    CHECK(https_request(server.control_port(), certs.a.ca_cert, "GET", "/v1/status").status == 401);

    // A client that trusts only another CA refuses the server.
    CHECK_FALSE(https_request(server.control_port(), certs.b.ca_cert, "GET", "/healthz").error.empty());
}

TEST_CASE("azdns ctl -c reaches its own instance over HTTPS, trusting exactly the certificate it serves") {
    Certificates certs;
    AzdnsServer server(certs.options());
    REQUIRE_MESSAGE(server.ready(), server.log());
    const std::vector<std::string> ctl{AZDNS_BINARY, "ctl", "-c", server.config_path().string(), "status"};

    // The certificate names localhost and 127.0.0.1, signed by a CA no store
    // holds: only the pin of the configured certificate makes it trusted.
    azdns::test::ProcessResult status = azdns::test::run_process(ctl, std::chrono::seconds(15));
    CHECK_MESSAGE(status.exit_code == 0, status.err);
    CHECK(status.out.find("example.com.") != std::string::npos);

    // The file now holds another certificate than the one served (no reload):
    // ctl refuses the server.
    certs.serve(certs.b.server_cert, certs.b.server_key);
    azdns::test::ProcessResult refused = azdns::test::run_process(ctl, std::chrono::seconds(15));
    CHECK(refused.exit_code == 1);
    CHECK_MESSAGE(refused.err.find("https://127.0.0.1:" + std::to_string(server.control_port())) != std::string::npos,
                  refused.err);
}

TEST_CASE("plain HTTP or garbage on the HTTPS port gets no HTTP answer, and the server keeps serving") {
    Certificates certs;
    AzdnsServer server(certs.options());
    REQUIRE_MESSAGE(server.ready(), server.log());

    std::string answer = plain_exchange(server.control_port(), "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    CHECK_MESSAGE(answer.find("HTTP/") == std::string::npos, answer);
    CHECK(answer.find("(no close)") == std::string::npos);
    answer = plain_exchange(server.control_port(), std::string(3000, '\x16'));
    CHECK(answer.find("HTTP/") == std::string::npos);
    // The start of a ClientHello and nothing more: closed at the request deadline (5 s), silently.
    answer = plain_exchange(server.control_port(), std::string("\x16\x03\x01\x02\x00", 5));
    CHECK_MESSAGE(answer.empty(), answer);

    CHECK(server.running());
    // One log line for each of the two connections, naming the client.
    const std::string log = server.log();
    std::size_t lines = 0;
    for (auto at = log.find("control API: closed the connection of 127.0.0.1:"); at != std::string::npos;
         at = log.find("control API: closed the connection of 127.0.0.1:", at + 1))
        ++lines;
    CHECK_MESSAGE(lines == 2, log);
    HttpsReply health = https_request(server.control_port(), certs.a.ca_cert, "GET", "/healthz");
    CHECK_MESSAGE(health.status == 200, health.error, "\n", server.log());
}

TEST_CASE("a reload serves a renewed certificate, and refuses a key that is not the certificate's") {
    Certificates certs;
    AzdnsServer server(certs.options());
    REQUIRE_MESSAGE(server.ready(), server.log());
    REQUIRE(https_request(server.control_port(), certs.a.ca_cert, "GET", "/healthz").status == 200);

    certs.serve(certs.b.server_cert, certs.b.server_key);
    HttpsReply reload = https_request(server.control_port(), certs.a.ca_cert, "POST", "/v1/reload", token);
    REQUIRE_MESSAGE(reload.status == 200, reload.error, reload.body, "\n", server.log());
    HttpsReply renewed = https_request(server.control_port(), certs.b.ca_cert, "GET", "/healthz");
    REQUIRE_MESSAGE(renewed.error.empty(), renewed.error, "\n", server.log());
    CHECK(renewed.certificate == certificate_fingerprint(certs.b.server_cert));

    certs.serve(certs.a.server_cert, certs.b.server_key);  // a certificate with another's key
    HttpsReply refused = https_request(server.control_port(), certs.b.ca_cert, "POST", "/v1/reload", token);
    CHECK(refused.status == 409);
    CHECK_MESSAGE(refused.body.find("does not match the certificate") != std::string::npos, refused.body);
    HttpsReply kept = https_request(server.control_port(), certs.b.ca_cert, "GET", "/healthz");
    CHECK_MESSAGE(kept.status == 200, kept.error);
    CHECK(kept.certificate == certificate_fingerprint(certs.b.server_cert));

    // SIGHUP renews too: back to pair a, seen on a new connection once the reload is done.
    certs.serve(certs.a.server_cert, certs.a.server_key);
    REQUIRE(kill(server.process().pid(), SIGHUP) == 0);
    HttpsReply after_signal;
    for (int attempt = 0; attempt < 100; ++attempt) {  // 10 s at most
        after_signal = https_request(server.control_port(), certs.a.ca_cert, "GET", "/healthz");
        if (after_signal.status == 200) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    CHECK_MESSAGE(after_signal.status == 200, after_signal.error, "\n", server.log());
    CHECK(after_signal.certificate == certificate_fingerprint(certs.a.server_cert));
}

TEST_CASE("turning HTTPS on by a reload waits for a restart, as a new control.listen does") {
    Certificates certs;
    AzdnsServer server;
    REQUIRE_MESSAGE(server.ready(), server.log());
    std::string config = read_text(server.config_path());
    const auto control = config.find("[control]\n");
    REQUIRE(control != std::string::npos);
    config.insert(control + 10, "tls_cert = \"" + certs.cert.string() + "\"\ntls_key = \"" + certs.key.string() + "\"\n");
    write_text(server.config_path(), config);

    CHECK(control_request(server, "POST", "/v1/reload").status == 200);
    CHECK(server.log().find("changed control.tls_cert: applied at the next start") != std::string::npos);
    CHECK(control_request(server, "GET", "/healthz").status == 200);  // still plain HTTP

    REQUIRE(server.restart());
    HttpsReply health = https_request(server.control_port(), certs.a.ca_cert, "GET", "/healthz");
    CHECK_MESSAGE(health.status == 200, health.error, "\n", server.log());
}

}  // TEST_SUITE
