// ProbeRunner over real loopback sockets against the fake endpoints of
// test/support: every check type, every failure mode a real AZ shows, the
// schedule (add, keep, remove) and a bounded stop. Every wait is bounded.
#include <doctest/doctest.h>

#include <stdlib.h>

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
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
using Clock = std::chrono::steady_clock;

namespace {

const std::string www_example_test("\x03www\x07" "example\x04test\x00", 18);

}  // namespace

TEST_SUITE("tcp") {
    TEST_CASE("a listening port is up") {
        Http http;
        auto result = probe_once(target("127.0.0.1", "tcp", CheckType::tcp, http.endpoint.port()));
        REQUIRE(result);
        CHECK(result->ok);
        CHECK(result->error.empty());
        CHECK(result->rtt.count() > 0);
    }

    TEST_CASE("a closed port is refused") {
        Http http;
        http.endpoint.set_mode(EndpointMode::refuse);
        auto result = probe_once(target("127.0.0.1", "tcp", CheckType::tcp, http.endpoint.port()));
        REQUIRE(result);
        CHECK(result->error == "connect refused");
    }

    TEST_CASE("IPv6 loopback") {
        Http http({.address = "::1"});
        auto result = probe_once(target("::1", "tcp", CheckType::tcp, http.endpoint.port()));
        REQUIRE(result);
        CHECK(result->ok);
    }
}

TEST_SUITE("http") {
    TEST_CASE("200 with the expected body is up, and the request is what the spec says") {
        Http http({.body = "status: ok"});
        ProbeTarget t = target("127.0.0.1", "web", CheckType::http, http.endpoint.port());
        t.check.path = "/healthz";
        t.check.host = "www.example.test";
        t.check.expect_body = "ok";
        auto result = probe_once(t);
        REQUIRE(result);
        CHECK(result->ok);
        std::string head = http.endpoint.last_request_head();
        CHECK(head.find("GET /healthz HTTP/1.1\r\n") == 0);
        CHECK(head.find("\r\nHost: www.example.test") != std::string::npos);
        CHECK(head.find("\r\nConnection: close") != std::string::npos);
        CHECK(head.find("\r\nUser-Agent: azdns-probe") != std::string::npos);
    }

    TEST_CASE("without a host, the Host header is the address, bracketed for IPv6") {
        Http http({.address = "::1"});
        auto result = probe_once(target("::1", "web", CheckType::http, http.endpoint.port()));
        REQUIRE(result);
        CHECK(result->ok);
        CHECK(http.endpoint.last_request_head().find("\r\nHost: [::1]") != std::string::npos);
    }

    TEST_CASE("a status outside expect_status fails") {
        Http http;
        http.endpoint.set_mode(EndpointMode::error_status);
        auto result = probe_once(target("127.0.0.1", "web", CheckType::http, http.endpoint.port()));
        REQUIRE(result);
        CHECK(result->error == "status 503");
        ProbeTarget accepting = target("127.0.0.1", "web", CheckType::http, http.endpoint.port());
        accepting.check.expect_status = {200, 503};
        result = probe_once(accepting);
        REQUIRE(result);
        CHECK(result->ok);
    }

    TEST_CASE("a body without expect_body fails") {
        Http http({.body = "degraded"});
        ProbeTarget t = target("127.0.0.1", "web", CheckType::http, http.endpoint.port());
        t.check.expect_body = "ok";
        auto result = probe_once(t);
        REQUIRE(result);
        CHECK(result->error == "body lacks \"ok\"");
    }

    TEST_CASE("a hanging endpoint times out within the timeout") {
        Http http;
        http.endpoint.set_mode(EndpointMode::hang);
        auto before = Clock::now();
        auto result = probe_once(target("127.0.0.1", "web", CheckType::http, http.endpoint.port(), 300ms));
        auto took = Clock::now() - before;
        REQUIRE(result);
        CHECK(result->error == "timeout");
        CHECK(result->rtt >= 300ms);
        CHECK(took < 300ms + 3000ms);
    }

    TEST_CASE("a slow answer past the timeout is a timeout") {
        Http http({.slow_delay = 3000ms});
        http.endpoint.set_mode(EndpointMode::slow);
        auto result = probe_once(target("127.0.0.1", "web", CheckType::http, http.endpoint.port(), 300ms));
        REQUIRE(result);
        CHECK(result->error == "timeout");
    }

    TEST_CASE("a slow answer within the timeout is up") {
        Http http({.slow_delay = 100ms});
        http.endpoint.set_mode(EndpointMode::slow);
        auto result = probe_once(target("127.0.0.1", "web", CheckType::http, http.endpoint.port(), 3000ms));
        REQUIRE(result);
        CHECK(result->ok);
        CHECK(result->rtt >= 100ms);
    }

    TEST_CASE("a reset fails fast") {
        Http http;
        http.endpoint.set_mode(EndpointMode::reset);
        auto result = probe_once(target("127.0.0.1", "web", CheckType::http, http.endpoint.port(), 10'000ms));
        REQUIRE(result);
        CHECK(result->error == "connection reset");
        CHECK(result->rtt < 2000ms);
    }

    TEST_CASE("garbage fails fast") {
        Http http;
        http.endpoint.set_mode(EndpointMode::garbage);
        auto result = probe_once(target("127.0.0.1", "web", CheckType::http, http.endpoint.port(), 10'000ms));
        REQUIRE(result);
        CHECK(result->error == "bad response");
        CHECK(result->rtt < 2000ms);
    }

    TEST_CASE("an endless body ends the probe long before the timeout") {
        Http http;
        http.endpoint.set_mode(EndpointMode::endless_body);
        ProbeTarget t = target("127.0.0.1", "web", CheckType::http, http.endpoint.port(), 20'000ms);
        t.check.expect_body = "never there";
        auto result = probe_once(t, 15'000ms);
        REQUIRE(result);
        CHECK(result->error == "response too large");
        CHECK(result->rtt < 5000ms);
    }

    TEST_CASE("refused") {
        Http http;
        http.endpoint.set_mode(EndpointMode::refuse);
        auto result = probe_once(target("127.0.0.1", "web", CheckType::http, http.endpoint.port()));
        REQUIRE(result);
        CHECK(result->error == "connect refused");
    }
}

// SSL_CERT_FILE is read when a runner makes its first SSL_CTX, so it is set
// before each runner here; every https test uses its own runner.
TEST_SUITE("https") {
    TEST_CASE("verification against the trust store, by host name and by address") {
        TempDir dir{"azdns-probes"};
        std::string error;
        auto certs = make_test_certificates(dir.path, {"www.example.test"}, {"127.0.0.1"}, error);
        REQUIRE_MESSAGE(certs, error);
        REQUIRE(setenv("SSL_CERT_FILE", certs->ca_cert.c_str(), 1) == 0);
        Http https({.tls = true, .cert_file = certs->server_cert, .key_file = certs->server_key});

        ProbeTarget by_name = target("127.0.0.1", "secure", CheckType::https, https.endpoint.port());
        by_name.check.host = "www.example.test";
        by_name.check.expect_body = "ok";
        auto result = probe_once(by_name);
        REQUIRE(result);
        CHECK_MESSAGE(result->ok, result->error);

        ProbeTarget by_address = target("127.0.0.1", "secure", CheckType::https, https.endpoint.port());
        result = probe_once(by_address);
        REQUIRE(result);
        CHECK_MESSAGE(result->ok, result->error);

        ProbeTarget wrong_name = by_name;
        wrong_name.check.host = "other.example.test";
        result = probe_once(wrong_name);
        REQUIRE(result);
        CHECK(result->error == "tls: host name mismatch");

        https.endpoint.set_mode(EndpointMode::error_status);
        result = probe_once(by_name);
        REQUIRE(result);
        CHECK(result->error == "status 503");
    }

    TEST_CASE("a self-signed certificate fails unless tls_verify is off") {
        TempDir dir{"azdns-probes"};
        std::string error;
        auto ca = make_test_certificates(dir.path, {"www.example.test"}, {"127.0.0.1"}, error);
        auto self = make_self_signed(dir.path, {"www.example.test"}, {"127.0.0.1"}, error);
        REQUIRE_MESSAGE((ca && self), error);
        REQUIRE(setenv("SSL_CERT_FILE", ca->ca_cert.c_str(), 1) == 0);
        Http https({.tls = true, .cert_file = self->server_cert, .key_file = self->server_key});

        ProbeTarget t = target("127.0.0.1", "secure", CheckType::https, https.endpoint.port());
        t.check.host = "www.example.test";
        auto result = probe_once(t);
        REQUIRE(result);
        CHECK(result->error == "tls: certificate verify failed");

        t.check.tls_verify = false;
        result = probe_once(t);
        REQUIRE(result);
        CHECK_MESSAGE(result->ok, result->error);
    }

    TEST_CASE("an expired certificate fails") {
        TempDir dir{"azdns-probes"};
        std::string error;
        auto expired = make_expired_certificates(dir.path, {"www.example.test"}, {}, error);
        REQUIRE_MESSAGE(expired, error);
        REQUIRE(setenv("SSL_CERT_FILE", expired->ca_cert.c_str(), 1) == 0);
        Http https({.tls = true, .cert_file = expired->server_cert, .key_file = expired->server_key});
        ProbeTarget t = target("127.0.0.1", "secure", CheckType::https, https.endpoint.port());
        t.check.host = "www.example.test";
        auto result = probe_once(t);
        REQUIRE(result);
        CHECK(result->error == "tls: certificate verify failed");
    }

    TEST_CASE("a reset during the handshake fails fast; a hang times out") {
        Http plain;
        plain.endpoint.set_mode(EndpointMode::reset);
        ProbeTarget t = target("127.0.0.1", "secure", CheckType::https, plain.endpoint.port(), 10'000ms);
        t.check.tls_verify = false;
        auto result = probe_once(t);
        REQUIRE(result);
        CHECK(result->error == "connection reset");
        CHECK(result->rtt < 5000ms);

        plain.endpoint.set_mode(EndpointMode::hang);
        t.check.timeout = 300ms;
        result = probe_once(t);
        REQUIRE(result);
        CHECK(result->error == "timeout");
    }
}

TEST_SUITE("dns") {
    struct Dns {
        FakeDnsEndpoint endpoint;
        Dns() {
            std::string error;
            REQUIRE_MESSAGE(endpoint.start(error), error);
        }
    };

    ProbeTarget dns_target(std::uint16_t port, std::chrono::milliseconds timeout = 2000ms) {
        ProbeTarget t = target("127.0.0.1", "ns", CheckType::dns, port, timeout);
        t.check.query_name = www_example_test;
        t.check.query_type = 1;  // A
        return t;
    }

    TEST_CASE("NOERROR is up, and the query is the check's") {
        Dns dns;
        auto result = probe_once(dns_target(dns.endpoint.port()));
        REQUIRE(result);
        CHECK(result->ok);
        CHECK(dns.endpoint.last_query_name() == "www.example.test.");
        CHECK(dns.endpoint.last_query_type() == 1);
    }

    TEST_CASE("SERVFAIL and NXDOMAIN fail with the rcode") {
        Dns dns;
        dns.endpoint.set_rcode(2);
        auto result = probe_once(dns_target(dns.endpoint.port()));
        REQUIRE(result);
        CHECK(result->error == "rcode SERVFAIL");
        dns.endpoint.set_rcode(3);
        result = probe_once(dns_target(dns.endpoint.port()));
        REQUIRE(result);
        CHECK(result->error == "rcode NXDOMAIN");
    }

    TEST_CASE("no answer, or only junk, is a timeout") {
        Dns dns;
        dns.endpoint.set_mode(EndpointMode::hang);
        auto result = probe_once(dns_target(dns.endpoint.port(), 300ms));
        REQUIRE(result);
        CHECK(result->error == "timeout");
        dns.endpoint.set_mode(EndpointMode::garbage);
        result = probe_once(dns_target(dns.endpoint.port(), 300ms));
        REQUIRE(result);
        CHECK(result->error == "timeout");
    }

    TEST_CASE("a closed port is reported by ICMP") {
        Dns dns;
        dns.endpoint.set_mode(EndpointMode::refuse);
        auto result = probe_once(dns_target(dns.endpoint.port(), 5000ms));
        REQUIRE(result);
        CHECK(result->error == "port unreachable");
    }
}

TEST_SUITE("schedule") {
    TEST_CASE("targets are probed every interval; a removed one yields no more results") {
        Http first;
        Http second;
        ProbeTarget a = target("127.0.0.1", "a", CheckType::tcp, first.endpoint.port());
        ProbeTarget b = target("127.0.0.1", "b", CheckType::http, second.endpoint.port());
        a.check.interval = b.check.interval = 100ms;
        Results results;
        ProbeRunner runner(results.sink());
        std::string error;
        REQUIRE(runner.start(error));
        runner.set_targets({a, b});
        REQUIRE(results.wait(a.id, 3));
        REQUIRE(results.wait(b.id, 3));

        runner.set_targets({a});
        // Three more rounds of `a` cannot happen before the loop took the new set.
        std::size_t a_now = results.count(a.id);
        REQUIRE(results.wait(a.id, a_now + 3));
        std::size_t b_after = results.count(b.id);
        REQUIRE(results.wait(a.id, a_now + 6));
        CHECK(results.count(b.id) == b_after);
        // Stopped first: a probe counts as finished just before the sink gets it.
        runner.stop();
        CHECK(runner.probes_finished() == results.count(a.id) + results.count(b.id));
    }

    TEST_CASE("a kept target keeps its schedule; a changed one is probed at once") {
        Http http;
        ProbeTarget a = target("127.0.0.1", "a", CheckType::tcp, http.endpoint.port());
        ProbeTarget c = target("127.0.0.1", "c", CheckType::tcp, http.endpoint.port());
        Results results;
        ProbeRunner runner(results.sink());
        std::string error;
        REQUIRE(runner.start(error));
        runner.set_targets({a});
        REQUIRE(results.wait(a.id, 1));

        ProbeTarget a_again = a;
        a_again.check.rise = 5;  // no bearing on probing
        runner.set_targets({a_again});
        runner.set_targets({a_again, c});
        REQUIRE(results.wait(c.id, 1));
        CHECK(runner.probes_started() == 2);  // `a` waits for its next slot, up to a day away

        ProbeTarget a_changed = a;
        a_changed.check.type = CheckType::http;
        runner.set_targets({a_changed, c});
        auto result = results.wait(a.id, 2);
        REQUIRE(result);
        CHECK(result->ok);
    }

    TEST_CASE("targets set before start are probed once it starts") {
        Http http;
        ProbeTarget a = target("127.0.0.1", "a", CheckType::tcp, http.endpoint.port());
        Results results;
        ProbeRunner runner(results.sink());
        runner.set_targets({a});
        std::string error;
        REQUIRE(runner.start(error));
        CHECK(results.wait(a.id, 1));
    }

    TEST_CASE("stop while probes hang returns promptly and drops their results") {
        Http http;
        http.endpoint.set_mode(EndpointMode::hang);
        Results results;
        ProbeRunner runner(results.sink());
        std::string error;
        REQUIRE(runner.start(error));
        std::vector<ProbeTarget> targets;
        for (int i = 0; i < 50; ++i)
            targets.push_back(target("127.0.0.1", "h" + std::to_string(i), CheckType::http,
                                     http.endpoint.port(), 30'000ms));
        runner.set_targets(targets);
        auto deadline = Clock::now() + 5s;
        while (http.endpoint.requests_seen() < 50 && Clock::now() < deadline)
            std::this_thread::yield();
        REQUIRE(http.endpoint.requests_seen() >= 50);
        auto before = Clock::now();
        runner.stop();
        CHECK(Clock::now() - before < 5s);  // the probes' timeout is 30 s
        CHECK(runner.probes_started() == 50);
        CHECK(runner.probes_finished() == 0);
        runner.stop();  // idempotent
    }

    TEST_CASE("the results of a loop turn are followed by one turn end, before the loop waits again") {
        Http http;
        http.endpoint.set_mode(EndpointMode::refuse);
        std::vector<ProbeTarget> targets;
        for (int i = 0; i < 100; ++i)
            targets.push_back(target("127.0.0.1", "r" + std::to_string(i), CheckType::tcp, http.endpoint.port()));
        std::mutex mutex;
        std::condition_variable cv;
        std::size_t results = 0, turn_ends = 0, empty_turn_ends = 0, since_turn_end = 0;
        ProbeRunner runner(
            [&](const EndpointId&, const ProbeResult&) {
                std::lock_guard lock(mutex);
                ++results;
                ++since_turn_end;
            },
            [&] {
                std::lock_guard lock(mutex);
                ++turn_ends;
                if (since_turn_end == 0) ++empty_turn_ends;
                since_turn_end = 0;
                cv.notify_all();
            });
        std::string error;
        REQUIRE(runner.start(error));
        runner.set_targets(targets);  // all probed at once: one burst of refusals
        std::unique_lock lock(mutex);
        REQUIRE(cv.wait_for(lock, 5s, [&] { return results >= targets.size() && since_turn_end == 0; }));
        CHECK(empty_turn_ends == 0);
        CHECK(turn_ends >= 1);
        CHECK(turn_ends <= results);
        MESSAGE(results << " results in " << turn_ends << " turns");
        lock.unlock();
        runner.stop();
    }

    TEST_CASE("stop from the sink does not deadlock") {
        Http http;
        std::unique_ptr<ProbeRunner> runner;
        std::mutex mutex;
        std::condition_variable cv;
        bool called = false;
        runner = std::make_unique<ProbeRunner>([&](const EndpointId&, const ProbeResult&) {
            runner->stop();
            std::lock_guard lock(mutex);
            called = true;
            cv.notify_all();
        });
        std::string error;
        REQUIRE(runner->start(error));
        runner->set_targets({target("127.0.0.1", "a", CheckType::tcp, http.endpoint.port())});
        std::unique_lock lock(mutex);
        REQUIRE(cv.wait_for(lock, 5s, [&] { return called; }));
        lock.unlock();
        runner.reset();  // joins
    }
}
