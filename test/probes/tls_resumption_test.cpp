// https probes resume the TLS session of their target's last passing probe,
// and only then: a failure, or a changed check, means a full handshake. What
// happened is read from the fake endpoint (which handshakes resumed), never
// from timings. Every wait is bounded.
#include <doctest/doctest.h>

#include <stdlib.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "fake_endpoint.hpp"
#include "probe_runner.hpp"
#include "probe_test_support.hpp"
#include "test_ca.hpp"

using namespace azdns;
using namespace azdns::testing;
using namespace azdns::probe_test;
using namespace std::chrono_literals;

namespace {

enum class Served {
    signed_by_ca,  // valid for 30 days
    self_signed,   // passes only with tls_verify off
    expiring,      // expires 3 s after it is made
};

// Certificates for both host names the tests use, with a CA that
// SSL_CERT_FILE trusts (set before the runner makes its SSL_CTX).
TestCertificates served_certificates(const std::filesystem::path& dir, Served served) {
    std::string error;
    std::vector<std::string> names{"www.example.test", "api.example.test"};
    auto certs = served == Served::expiring
                     ? make_short_lived_certificates(dir, names, {"127.0.0.1"}, 3, error)
                     : make_test_certificates(dir, names, {"127.0.0.1"}, error);
    REQUIRE_MESSAGE(certs, error);
    REQUIRE(setenv("SSL_CERT_FILE", certs->ca_cert.c_str(), 1) == 0);
    if (served != Served::self_signed) return *certs;
    auto self = make_self_signed(dir, names, {"127.0.0.1"}, error);
    REQUIRE_MESSAGE(self, error);
    return *self;
}

// An https endpoint and a started runner that probes it.
struct Resumption {
    TempDir dir{"azdns-probes"};
    TestCertificates certs;
    Http https;
    Results results;
    ProbeRunner runner{results.sink()};

    explicit Resumption(Served served = Served::signed_by_ca)
        : certs(served_certificates(dir.path, served)),
          https({.tls = true, .cert_file = certs.server_cert, .key_file = certs.server_key}) {
        std::string error;
        REQUIRE_MESSAGE(runner.start(error), error);
    }

    // Probed every 100 ms. The timeout is long so that no probe of a
    // loaded machine ends before its request reaches the endpoint.
    ProbeTarget checked(const std::string& host, const std::string& path) const {
        ProbeTarget t = target("127.0.0.1", "secure", CheckType::https, https.endpoint.port(), 10'000ms);
        t.check.host = host;
        t.check.path = path;
        t.check.interval = 100ms;
        return t;
    }

    // The endpoint's TLS requests for `path`, once there are at least `n` (at most 5 s).
    std::vector<TlsRequestSeen> requests(const std::string& path, std::size_t n = 0) const {
        std::vector<TlsRequestSeen> found;
        for (auto deadline = std::chrono::steady_clock::now() + 5s;;) {
            found.clear();
            for (const TlsRequestSeen& seen : https.endpoint.tls_requests_seen())
                if (seen.path == path) found.push_back(seen);
            if (found.size() >= n || std::chrono::steady_clock::now() > deadline) return found;
            std::this_thread::sleep_for(10ms);
        }
    }

    // The first result for `id` after the `after`th that passes (or fails), among the next `within`.
    std::optional<std::size_t> next_result(const EndpointId& id, std::size_t after, bool ok,
                                           std::size_t within = 50) {
        for (std::size_t n = after + 1; n <= after + within; ++n) {
            auto result = results.wait(id, n);
            if (!result) return std::nullopt;
            if (result->ok == ok) return n;
        }
        return std::nullopt;
    }
};

// A probe resumed exactly when the probe before it passed; each probe sent
// one request. Results are read first: the request of a probe still in
// flight may already be there.
void check_resumed_after_passes(const std::vector<ProbeResult>& results,
                                const std::vector<TlsRequestSeen>& requests) {
    REQUIRE(requests.size() >= results.size());
    for (std::size_t i = 0; i < results.size(); ++i) {
        INFO("probe " << i + 1 << " of " << results.size());
        CHECK(requests[i].resumed == (i > 0 && results[i - 1].ok));
    }
}

}  // namespace

TEST_SUITE("https") {
    TEST_CASE("the second and later probes of a target resume its TLS session") {
        Resumption fixture;
        ProbeTarget t = fixture.checked("www.example.test", "/a");
        fixture.runner.set_targets({t});
        REQUIRE(fixture.results.wait(t.id, 4));
        auto results = fixture.results.all(t.id);
        for (const ProbeResult& result : results) CHECK_MESSAGE(result.ok, result.error);
        auto requests = fixture.requests("/a", results.size());
        check_resumed_after_passes(results, requests);
        for (const TlsRequestSeen& seen : requests) CHECK(seen.server_name == "www.example.test");
    }

    TEST_CASE("a failed probe drops the session: the next one is a full handshake") {
        EndpointMode failure = EndpointMode::error_status;
        const char* reason = "status 503";
        SUBCASE("a 503 after a resumed handshake") {}
        SUBCASE("a reset before any handshake") {
            failure = EndpointMode::reset;
            reason = "connection reset";
        }
        Resumption fixture;
        ProbeTarget t = fixture.checked("www.example.test", "/b");
        fixture.runner.set_targets({t});
        REQUIRE(fixture.results.wait(t.id, 2));
        fixture.https.endpoint.set_mode(failure);
        auto failed = fixture.next_result(t.id, 2, false);
        REQUIRE(failed);
        CHECK(fixture.results.wait(t.id, *failed)->error == reason);
        fixture.https.endpoint.set_mode(EndpointMode::ok);
        auto passed = fixture.next_result(t.id, *failed, true);
        REQUIRE(passed);
        REQUIRE(fixture.results.wait(t.id, *passed + 1));  // resumes again

        auto results = fixture.results.all(t.id);
        if (failure == EndpointMode::error_status) {
            check_resumed_after_passes(results, fixture.requests("/b", results.size()));
        } else {
            // A reset probe sends no request, except perhaps the one whose
            // request was read just before the switch (it had resumed). So
            // count: one full handshake at the start, one after the resets.
            auto requests = fixture.requests("/b");
            REQUIRE(!requests.empty());
            CHECK_FALSE(requests[0].resumed);
            CHECK(std::count_if(requests.begin(), requests.end(),
                                [](const TlsRequestSeen& seen) { return !seen.resumed; }) == 2);
        }
    }

    TEST_CASE("a changed check starts over with a full handshake") {
        Resumption fixture;
        ProbeTarget t = fixture.checked("www.example.test", "/c");
        fixture.runner.set_targets({t});
        REQUIRE(fixture.results.wait(t.id, 2));

        // The same server and address: only the check's host (and so SNI) changes.
        ProbeTarget other_host = fixture.checked("api.example.test", "/c-api");
        fixture.runner.set_targets({other_host});
        auto requests = fixture.requests("/c-api", 3);
        REQUIRE(requests.size() >= 3);
        CHECK_FALSE(requests[0].resumed);
        CHECK(requests[1].resumed);
        CHECK(requests[2].resumed);
        CHECK(requests[0].server_name == "api.example.test");

        // Nothing OpenSSL would notice: the same host, another path.
        ProbeTarget other_path = fixture.checked("api.example.test", "/c-path");
        fixture.runner.set_targets({other_path});
        requests = fixture.requests("/c-path", 2);
        REQUIRE(requests.size() >= 2);
        CHECK_FALSE(requests[0].resumed);
        CHECK(requests[1].resumed);
    }

    TEST_CASE("a session made without verification is never resumed by a verifying check") {
        Resumption fixture(Served::self_signed);
        ProbeTarget trusting = fixture.checked("www.example.test", "/d");
        trusting.check.tls_verify = false;
        fixture.runner.set_targets({trusting});
        REQUIRE(fixture.results.wait(trusting.id, 2));
        REQUIRE(fixture.requests("/d", 2).at(1).resumed);

        // A resumed handshake checks no certificate: had the session been
        // offered, this probe would pass.
        ProbeTarget verifying = fixture.checked("www.example.test", "/d");
        fixture.runner.set_targets({verifying});
        auto failed = fixture.next_result(verifying.id, 2, false);
        REQUIRE(failed);
        CHECK(fixture.results.wait(verifying.id, *failed)->error == "tls: certificate verify failed");
    }

    TEST_CASE("a certificate that expires while its sessions resume fails the next probe") {
        Resumption fixture(Served::expiring);
        ProbeTarget t = fixture.checked("www.example.test", "/e");
        fixture.runner.set_targets({t});
        REQUIRE(fixture.results.wait(t.id, 2));
        REQUIRE(fixture.requests("/e", 2).at(1).resumed);
        // A server resumes for as long as it likes; the probe must not.
        // 100 results at most 10 a second outlast the 3 s.
        auto failed = fixture.next_result(t.id, 2, false, 100);
        REQUIRE(failed);
        CHECK(fixture.results.wait(t.id, *failed)->error == "tls: certificate verify failed");
    }
}
