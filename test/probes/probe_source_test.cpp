// Where probes come from (spec: "Health", `probes.source`): every check type
// leaves from the configured source address, the kernel's choice without one,
// and a source that is not on this host fails the probe naming the address.
// The fake endpoints listen on 127.0.0.1 and record each peer's address.
#include <doctest/doctest.h>

#include <string>
#include <thread>
#include <vector>

#include "fake_endpoint.hpp"
#include "probe_runner.hpp"
#include "probe_test_support.hpp"

using namespace azdns;
using namespace azdns::testing;
using namespace azdns::probe_test;
using namespace std::chrono_literals;

namespace {

using Peers = std::vector<std::string>;

const std::string www_example_test("\x03www\x07" "example\x04test\x00", 18);

// TEST-NET-2 (RFC 5737): documentation only, never an address of this host.
const char* const absent_source = "198.51.100.1";

struct Dns {
    FakeDnsEndpoint endpoint;
    Dns() {
        std::string error;
        REQUIRE_MESSAGE(endpoint.start(error), error);
    }
};

ProbeTarget dns_target(std::uint16_t port) {
    ProbeTarget t = target("127.0.0.1", "ns", CheckType::dns, port);
    t.check.query_name = www_example_test;
    t.check.query_type = 1;  // A
    return t;
}

// The peers `endpoint` has seen once it has seen `count`, or after 3 s: a tcp
// probe ends at the handshake, before the endpoint's thread has accepted.
template <typename Endpoint>
Peers peers_once(const Endpoint& endpoint, std::size_t count) {
    for (int waited_ms = 0; endpoint.peers_seen().size() < count && waited_ms < 3000; waited_ms += 10)
        std::this_thread::sleep_for(10ms);
    return endpoint.peers_seen();
}

ProbeTarget from(ProbeTarget t, const char* source) {
    t.source = IpAddress::parse(source);
    return t;
}

}  // namespace

TEST_SUITE("probe source") {

TEST_CASE("tcp, http and dns probes leave from the source address; without one, from the kernel's choice") {
    Http tcp;
    Http http;
    Dns dns;
    const ProbeTarget targets[] = {target("127.0.0.1", "tcp", CheckType::tcp, tcp.endpoint.port()),
                                   target("127.0.0.1", "web", CheckType::http, http.endpoint.port()),
                                   dns_target(dns.endpoint.port())};
    for (const ProbeTarget& t : targets) {
        CAPTURE(t.check.name);
        auto kernel = probe_once(t);
        REQUIRE(kernel);
        CHECK_MESSAGE(kernel->ok, kernel->error);
        auto chosen = probe_once(from(t, "127.0.0.2"));
        REQUIRE(chosen);
        CHECK_MESSAGE(chosen->ok, chosen->error);
    }
    CHECK(peers_once(tcp.endpoint, 2) == Peers{"127.0.0.1", "127.0.0.2"});
    CHECK(peers_once(http.endpoint, 2) == Peers{"127.0.0.1", "127.0.0.2"});
    CHECK(peers_once(dns.endpoint, 2) == Peers{"127.0.0.1", "127.0.0.2"});
}

TEST_CASE("a source that is not on this host fails the probe, naming the address") {
    Http http;
    Dns dns;
    const ProbeTarget targets[] = {target("127.0.0.1", "tcp", CheckType::tcp, http.endpoint.port()),
                                   target("127.0.0.1", "web", CheckType::http, http.endpoint.port()),
                                   dns_target(dns.endpoint.port())};
    for (const ProbeTarget& t : targets) {
        CAPTURE(t.check.name);
        auto result = probe_once(from(t, absent_source));
        REQUIRE(result);
        CHECK_FALSE(result->ok);
        CHECK(result->error == "cannot use probe source 198.51.100.1: address not available");
    }
    CHECK(http.endpoint.connections_seen() == 0);
    CHECK(dns.endpoint.queries_seen() == 0);
}

TEST_CASE("a changed source (a reload) is probed again at once, from the new address") {
    Http http;
    Results results;
    ProbeRunner runner(results.sink());
    std::string error;
    REQUIRE(runner.start(error));
    const ProbeTarget t = target("127.0.0.1", "web", CheckType::http, http.endpoint.port());
    runner.set_targets({t});
    REQUIRE(results.wait(t.id, 1));
    runner.set_targets({from(t, "127.0.0.2")});
    auto second = results.wait(t.id, 2);
    REQUIRE(second);
    CHECK_MESSAGE(second->ok, second->error);
    CHECK(http.endpoint.peers_seen() == Peers{"127.0.0.1", "127.0.0.2"});
}

}  // TEST_SUITE
