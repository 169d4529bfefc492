// `azdns ctl` as a process, against a ControlServer with a fake backend that
// runs inside this test: what an operator sees, and what reaches the server.
#include <doctest/doctest.h>

#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>

#include "control_server.hpp"
#include "fake_control_backend.hpp"
#include "fake_endpoint.hpp"
#include "process.hpp"
#include "temp_dir.hpp"
#include "test_ca.hpp"

namespace fs = std::filesystem;
using azdns::test::run_process;
using azdns::testing::fake_status;
using azdns::testing::FakeControlBackend;
using nlohmann::json;

namespace {

const std::string azdns_binary = AZDNS_BINARY;

struct Server {
    FakeControlBackend backend;
    azdns::ControlServer server;
    explicit Server(std::string token = {})
        : server({{{azdns::IpFamily::v4, {127, 0, 0, 1}}, 0}, {}}, std::move(token), {}, backend) {
        ::unsetenv("AZDNS_TOKEN");  // the tests choose the token source themselves
        std::string error;
        REQUIRE_MESSAGE(server.start(error), error);
    }
    std::string url() const { return "http://127.0.0.1:" + std::to_string(server.port()); }
};

// Runs `azdns ctl ARGS...`.
azdns::test::ProcessResult ctl(std::vector<std::string> args) {
    args.insert(args.begin(), {azdns_binary, "ctl"});
    return run_process(args, std::chrono::seconds(20));
}

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// A loopback port that nothing listens on (bound, then released).
std::uint16_t free_port() {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
    socklen_t length = sizeof address;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
    ::close(fd);
    return ntohs(address.sin_port);
}

using azdns::testing::TempDir;

// A minimal valid config whose control API is at 127.0.0.1:PORT, with a token file if given.
fs::path write_config(const TempDir& temp, std::uint16_t port, const std::string& token) {
    fs::copy_file(fs::path(AZDNS_TEST_DATA_DIR) / "config" / "zones" / "example.com.zone", temp.path / "example.com.zone");
    std::ofstream config(temp.path / "azdns.toml");
    config << "[control]\nlisten = \"127.0.0.1:" << port << "\"\n";
    if (!token.empty()) {
        std::ofstream(temp.path / "control.token") << token << "\n";
        config << "token_file = \"control.token\"\n";
    }
    config << "\n[[zone]]\norigin = \"example.com.\"\nfile = \"example.com.zone\"\n";
    return temp.path / "azdns.toml";
}

// Sets an environment variable for the child processes run in one scope.
struct ScopedEnv {
    std::string name;
    ScopedEnv(std::string name_, const std::string& value) : name(std::move(name_)) { ::setenv(name.c_str(), value.c_str(), 1); }
    ~ScopedEnv() { ::unsetenv(name.c_str()); }
};

}  // namespace

TEST_CASE("ctl status prints the zones, AZs and endpoints as tables") {
    Server server;
    auto result = ctl({"-s", server.url(), "status"});
    INFO(result.err);
    INFO(result.out);
    CHECK(result.exit_code == 0);
    CHECK(result.err.empty());
    const std::string& out = result.out;
    CHECK(has(out, "ZONES\nORIGIN        SERIAL      RECORDS  LOADED                ERROR\n"
                   "example.com.  2026112601  42       2026-11-26T05:00:00Z  -\n"
                   "example.net.  7           3        2026-11-26T05:00:01Z  example.net.zone:3:1: bad TTL\n"));
    CHECK(has(out, "\nAZS\nNAME          REGION       STATE   REASON  SINCE                 UP/TOTAL  NOTE\n"
                   "europe-se-1a  europe-se-1  up      -       2026-11-26T05:00:00Z  2/2       ramping: 14.5% of "
                   "answers until 2026-11-26T05:02:00Z\n"
                   "europe-se-1b  europe-se-1  fenced  manual  2026-11-26T05:10:00Z  1/2       \"disk swap\" until "
                   "2026-11-26T07:10:00Z\n"));
    CHECK(has(out, "\nENDPOINTS\nADDRESS      AZ            CHECK  STATE  SINCE                 RTT    LAST ERROR\n"
                   "192.0.2.10   europe-se-1a  web    up     2026-11-26T05:00:02Z  1.2ms  -\n"
                   "192.0.2.140  europe-se-1b  web    down   2026-11-26T05:09:00Z  -      connection refused\n"));
    // Only zones that are transferred or notified: example.net. has neither.
    // A zone taken from primaries shows its last transfer in.
    CHECK(has(out, "\nTRANSFERS\nZONE          SOURCE     SERIAL      FILTERED    LAST IN                      LAST OUT    "
                   "                                                     NOTIFY\n"
                   "example.com.  file       2026112601  2026112604  -                            ixfr 2026112604 to "
                   "192.0.2.53:40123 at 2026-11-26T05:12:00.120Z  "
                   "192.0.2.53:53 acked 2026112604; 192.0.2.54:53 failed 2026112604 (no answer after 5 tries)\n"
                   "example.org.  primaries  5           -           IXFR 5 from 198.51.100.1:53  -        "
                   "                                                        -\n"));
    CHECK(!has(out, "\nexample.net.  7           -"));
}

TEST_CASE("ctl --json prints the API's JSON, before or after the action") {
    Server server;
    for (auto args : {std::vector<std::string>{"--json", "-s", server.url(), "status"},
                      std::vector<std::string>{"status", "-s", server.url(), "--json"}}) {
        auto result = ctl(args);
        INFO(result.err);
        CHECK(result.exit_code == 0);
        CHECK(json::parse(result.out) == fake_status);
    }
}

TEST_CASE("ctl fence sends the reason and duration, and prints the AZ's new state") {
    Server server;
    auto result = ctl({"-s", server.url(), "fence", "europe-se-1a", "--reason", "kernel upgrade", "--for", "2h"});
    INFO(result.err);
    CHECK(result.exit_code == 0);
    CHECK(result.out ==
          "europe-se-1a: fenced (manual: \"kernel upgrade\", until 2026-11-26T08:00:00Z) since 2026-11-26T06:00:00Z\n");
    auto fences = server.backend.fences();
    REQUIRE(fences.size() == 1);
    CHECK(fences[0].az == "europe-se-1a");
    CHECK(fences[0].reason == "kernel upgrade");
    REQUIRE(fences[0].for_duration);
    CHECK(fences[0].for_duration->count() == 2 * 3600 * 1000);
    CHECK(!fences[0].force);
}

TEST_CASE("ctl fence refused with 409 names the services and exits 1; --force goes through") {
    Server server;
    auto refused = ctl({"-s", server.url(), "fence", "europe-se-1b"});
    CHECK(refused.exit_code == 1);
    CHECK(refused.out.empty());
    CHECK(has(refused.err, "refused: fencing europe-se-1b would leave services with no AZ up"));
    CHECK(has(refused.err, "  www.example.com.\n  api.example.com.\n"));
    CHECK(has(refused.err, "--force"));

    auto forced = ctl({"-s", server.url(), "fence", "--force", "europe-se-1b"});
    INFO(forced.err);
    CHECK(forced.exit_code == 0);
    CHECK(forced.out == "europe-se-1b: fenced (manual) since 2026-11-26T06:00:00Z\n");
    auto fences = server.backend.fences();
    REQUIRE(fences.size() == 2);
    CHECK(fences[1].force);
    CHECK(!fences[1].for_duration);
}

TEST_CASE("ctl fence of an unknown AZ exits 1 with the server's message") {
    Server server;
    auto result = ctl({"-s", server.url(), "fence", "nowhere"});
    CHECK(result.exit_code == 1);
    CHECK(result.err == "azdns ctl: " + server.url() + ": HTTP 404: no AZ named \"nowhere\"\n");
}

TEST_CASE("ctl unfence prints the AZ's state") {
    Server server;
    auto result = ctl({"-s", server.url(), "unfence", "europe-se-1b"});
    INFO(result.err);
    CHECK(result.exit_code == 0);
    CHECK(result.out == "europe-se-1b: up since 2026-11-26T06:30:00Z\n");
}

TEST_CASE("ctl unfence shows a ramp under way; --now asks for none") {
    Server server;
    auto ramping = ctl({"-s", server.url(), "unfence", "europe-se-1a"});
    INFO(ramping.err);
    CHECK(ramping.exit_code == 0);
    CHECK(ramping.out ==
          "europe-se-1a: up since 2026-11-26T06:30:00Z; ramping: 10% of answers until 2026-11-26T06:32:00Z\n");
    auto now = ctl({"-s", server.url(), "unfence", "europe-se-1a", "--now"});
    CHECK(now.exit_code == 0);
    CHECK(now.out == "europe-se-1a: up since 2026-11-26T06:30:00Z\n");
    auto local = ctl({"-s", server.url(), "unfence", "europe-se-1a", "--now", "--local"});
    CHECK(local.exit_code == 0);
    CHECK(server.backend.skip_ramps() == std::vector<bool>{false, true, true});
    CHECK(server.backend.scopes().back() == azdns::FenceScope::local);
}

TEST_CASE("ctl explain prints the answer, each address and the TTL rule") {
    Server server;
    auto result = ctl({"-s", server.url(), "explain", "www.example.com.", "AAAA"});
    INFO(result.err);
    CHECK(result.exit_code == 0);
    CHECK(result.out == "www.example.com. A: NOERROR, service www.example.com. (policy all)\n"
                        "  www.example.com. 20 IN A 192.0.2.10\n"
                        "\n"
                        "ADDRESS      AZ            IN   WHY\n"
                        "192.0.2.10   europe-se-1a  in   endpoint up\n"
                        "192.0.2.140  europe-se-1b  out  AZ europe-se-1b fenced (manual)\n"
                        "\n"
                        "TTL 20 (ttl.degraded: an address is down or fenced)\n");
    CHECK(ctl({"-s", server.url(), "explain", "a b&type=x"}).exit_code == 0);
    auto bad = ctl({"-s", server.url(), "explain", "www.example.com.", "BOGUS"});
    CHECK(bad.exit_code == 1);
    CHECK(has(bad.err, "unknown query type \"BOGUS\""));
    using Pair = std::pair<std::string, std::string>;
    CHECK(server.backend.explains() ==
          std::vector<Pair>{{"www.example.com.", "AAAA"}, {"a b&type=x", "A"}, {"www.example.com.", "BOGUS"}});
}

TEST_CASE("ctl reload prints the zones; a zone that failed, or a config not applied, exits 1 with every error") {
    Server server;
    auto result = ctl({"-s", server.url(), "reload"});
    INFO(result.err);
    CHECK(result.exit_code == 0);
    CHECK(result.out == "ORIGIN        SERIAL  ERROR\nexample.com.  4       -\n");
    CHECK(result.err.empty());

    server.backend.set_reload_fails(true);
    auto failed = ctl({"-s", server.url(), "reload"});
    CHECK(failed.exit_code == 1);
    CHECK(has(failed.out, "example.com.zone:9:1: bad RDATA"));
    CHECK(failed.err == "azdns ctl: reload failed: 1 zone failed to reload and keeps serving its previous version\n"
                        "example.com.zone:9:1: bad RDATA\n"
                        "example.com.zone:12:5: bad TTL\n");

    server.backend.set_reload_fails(false);
    server.backend.set_config_broken(true);
    auto broken = ctl({"-s", server.url(), "reload"});
    CHECK(broken.exit_code == 1);
    CHECK(broken.out == "ORIGIN        SERIAL  ERROR\nexample.com.  4       -\n");
    CHECK(broken.err == "azdns ctl: reload failed: /etc/azdns/azdns.toml has errors: the config was not applied, "
                        "and the zones reloaded under the running config\n"
                        "/etc/azdns/azdns.toml:3:1: unknown key \"maxx\" in [ttl]\n");
    auto as_json = ctl({"-s", server.url(), "--json", "reload"});
    CHECK(as_json.exit_code == 1);
    CHECK(nlohmann::json::parse(as_json.out)["config"]["applied"] == false);
}

TEST_CASE("ctl with nothing listening exits 1 naming the URL") {
    const std::string url = "http://127.0.0.1:" + std::to_string(free_port());
    auto result = ctl({"-s", url, "status"});
    CHECK(result.exit_code == 1);
    CHECK(result.out.empty());
    CHECK(has(result.err, "cannot reach the control API at " + url + ": cannot connect: Connection refused"));
}

TEST_CASE("ctl usage errors exit 2") {
    CHECK(ctl({}).exit_code == 2);
    CHECK(ctl({"bogus"}).exit_code == 2);
    CHECK(ctl({"fence"}).exit_code == 2);
    CHECK(ctl({"unfence"}).exit_code == 2);
    CHECK(ctl({"explain"}).exit_code == 2);
    CHECK(ctl({"status", "--bogus"}).exit_code == 2);
    auto bad_for = ctl({"fence", "europe-se-1a", "--for", "2 hours"});
    CHECK(bad_for.exit_code == 2);
    CHECK(has(bad_for.err, "invalid --for \"2 hours\""));
    auto bad_url = ctl({"-s", "ftp://127.0.0.1:8053", "status"});
    CHECK(bad_url.exit_code == 2);
    CHECK(has(bad_url.err, "only http:// and https:// URLs are supported"));
    CHECK(ctl({"-s", "http://[::1:8053", "status"}).exit_code == 2);
    CHECK(ctl({"-s", "http://127.0.0.1:99999", "status"}).exit_code == 2);
    CHECK(ctl({"-s", "http://::1:8053", "status"}).exit_code == 2);
}

TEST_CASE("ctl -c takes the control address and token from the config") {
    Server server("token-from-config");
    TempDir temp{"azdns-ctl"};
    auto config = write_config(temp, server.server.port(), "token-from-config");
    auto result = ctl({"-c", config.string(), "status"});
    INFO(result.err);
    CHECK(result.exit_code == 0);
    CHECK(has(result.out, "europe-se-1a"));

    SUBCASE("--token-file wins over the config's token") {
        std::ofstream(temp.path / "other.token") << "wrong-token\n";
        auto wrong = ctl({"-c", config.string(), "--token-file", (temp.path / "other.token").string(), "status"});
        CHECK(wrong.exit_code == 1);
        CHECK(has(wrong.err, "HTTP 401"));
        CHECK(has(wrong.err, "--token-file"));
    }
    SUBCASE("-s wins over the config's address") {
        auto elsewhere = ctl({"-c", config.string(), "-s", "http://127.0.0.1:" + std::to_string(free_port()), "status"});
        CHECK(elsewhere.exit_code == 1);
        CHECK(has(elsewhere.err, "cannot reach"));
    }
}

TEST_CASE("ctl reads the token from AZDNS_TOKEN or --token-file; without one a token server says 401") {
    Server server("s3cret");
    auto without = ctl({"-s", server.url(), "status"});
    CHECK(without.exit_code == 1);
    CHECK(has(without.err, "HTTP 401"));
    {
        ScopedEnv env("AZDNS_TOKEN", "s3cret");
        auto with_env = ctl({"-s", server.url(), "status"});
        INFO(with_env.err);
        CHECK(with_env.exit_code == 0);
    }
    TempDir temp{"azdns-ctl"};
    std::ofstream(temp.path / "token") << "  s3cret\n";
    auto with_file = ctl({"-s", server.url(), "--token-file", (temp.path / "token").string(), "status"});
    INFO(with_file.err);
    CHECK(with_file.exit_code == 0);
    auto missing_file = ctl({"-s", server.url(), "--token-file", (temp.path / "nope").string(), "status"});
    CHECK(missing_file.exit_code == 1);
    CHECK(has(missing_file.err, "cannot read the token file"));
    // A FIFO is refused at once, never waited on; a file past 4,096 bytes is no token file.
    REQUIRE(::mkfifo((temp.path / "fifo").c_str(), 0600) == 0);
    auto fifo = ctl({"-s", server.url(), "--token-file", (temp.path / "fifo").string(), "status"});
    CHECK(fifo.exit_code == 1);
    CHECK(has(fifo.err, "not a regular file (a FIFO)"));
    std::ofstream(temp.path / "large") << std::string(4097, 't');
    auto large = ctl({"-s", server.url(), "--token-file", (temp.path / "large").string(), "status"});
    CHECK(large.exit_code == 1);
    CHECK(has(large.err, "cannot read the token file " + (temp.path / "large").string() + ": larger than 4K"));
}

TEST_CASE("ctl -c with a broken config prints its problems and exits 1") {
    TempDir temp{"azdns-ctl"};
    std::ofstream(temp.path / "azdns.toml") << "[control]\nlisten = \"nowhere\"\n";
    auto result = ctl({"-c", (temp.path / "azdns.toml").string(), "status"});
    CHECK(result.exit_code == 1);
    CHECK(has(result.err, (temp.path / "azdns.toml").string() + ":2:"));
}

// An HTTPS control API stand-in (the fake endpoint answers every request with
// `body`), its certificate signed by a throwaway CA for "localhost" and
// 127.0.0.1, or, with `ip_in_certificate` false, for "localhost" only.
struct HttpsServer {
    TempDir temp{"azdns-ctl-tls"};
    azdns::testing::TestCertificates certs;
    std::unique_ptr<azdns::testing::FakeHttpEndpoint> endpoint;
    explicit HttpsServer(bool ip_in_certificate = true) {
        ::unsetenv("AZDNS_TOKEN");
        std::string error;
        std::vector<std::string> ips;
        if (ip_in_certificate) ips.push_back("127.0.0.1");
        auto made = azdns::testing::make_test_certificates(temp.path, {"localhost"}, ips, error);
        REQUIRE_MESSAGE(made, error);
        certs = *made;
        endpoint = std::make_unique<azdns::testing::FakeHttpEndpoint>(azdns::testing::FakeEndpointOptions{
            .tls = true, .cert_file = certs.server_cert.string(), .key_file = certs.server_key.string(),
            .body = R"({"zones":[],"azs":[],"endpoints":[]})"});
        REQUIRE_MESSAGE(endpoint->start(error), error);
    }
    std::string url(const std::string& host = "127.0.0.1") const {
        return "https://" + host + ":" + std::to_string(endpoint->port());
    }
};

TEST_CASE("ctl over https with --ca-file verifies the server and gets its answer") {
    HttpsServer server;
    for (const std::string host : {"127.0.0.1", "localhost"}) {
        CAPTURE(host);
        auto result = ctl({"-s", server.url(host), "--ca-file", server.certs.ca_cert.string(), "--json", "status"});
        INFO(result.err);
        CHECK(result.exit_code == 0);
        CHECK(result.out == "{\"zones\":[],\"azs\":[],\"endpoints\":[]}\n");
    }
    auto seen = server.endpoint->tls_requests_seen();
    REQUIRE(seen.size() == 2);
    CHECK(seen[0].path == "/v1/status");
    CHECK(seen[1].server_name == "localhost");
}

TEST_CASE("ctl over https without the server's CA fails, naming the URL and the reason") {
    HttpsServer server;
    auto result = ctl({"-s", server.url(), "status"});  // the system store does not know the test CA
    CHECK(result.exit_code == 1);
    CHECK(result.out.empty());
    CHECK(has(result.err, "cannot reach the control API at " + server.url() + ": TLS: the server's certificate is not trusted"));
    CHECK(has(result.err, "unable to get local issuer certificate"));
    CHECK(server.endpoint->requests_seen() == 0);
}

TEST_CASE("ctl over https refuses a certificate for another host name") {
    HttpsServer server(/*ip_in_certificate=*/false);
    auto result = ctl({"-s", server.url(), "--ca-file", server.certs.ca_cert.string(), "status"});
    CHECK(result.exit_code == 1);
    CHECK(has(result.err, "cannot reach the control API at " + server.url() + ": TLS: the server's certificate is not trusted"));
    CHECK(has(result.err, "target host name '127.0.0.1'"));
    CHECK(server.endpoint->requests_seen() == 0);
}

TEST_CASE("ctl --ca-file problems: an unreadable file exits 1, with an http:// URL it is a usage error") {
    HttpsServer server;
    auto missing = ctl({"-s", server.url(), "--ca-file", (server.temp.path / "nope.pem").string(), "status"});
    CHECK(missing.exit_code == 1);
    CHECK(has(missing.err, "cannot reach the control API at " + server.url()));
    CHECK(has(missing.err, "cannot use the CA file " + (server.temp.path / "nope.pem").string()));
    auto plain = ctl({"-s", "http://127.0.0.1:8053", "--ca-file", server.certs.ca_cert.string(), "status"});
    CHECK(plain.exit_code == 2);
    CHECK(has(plain.err, "--ca-file needs an https:// URL"));
}
