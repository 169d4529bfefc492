// The client's own AZ first (docs/health.md): a `nearest` service answers a
// client in an AZ's networks with that AZ's address, whether azdns sees the
// client itself or a resolver sends its subnet (EDNS Client Subnet, RFC
// 7871), here real unbound with its subnetcache module. Clients are
// loopback addresses in different /16s (127.1/16 in az-a, 127.2/16 in az-b).
#include <doctest/doctest.h>

#include <filesystem>
#include <sstream>

#include "control_client.hpp"
#include "e2e_fixture.hpp"
#include "health_world.hpp"
#include "unbound_resolver.hpp"

using namespace azdns::e2e;
using namespace std::chrono_literals;
using Addresses = std::set<std::string>;

namespace {

const std::string db = "db.health.test.";

// db in az-a (127.0.0.71) and az-b (127.0.0.72), nearest, prefer az-b; TTL 4 s while all is well
// (long enough that a cached answer does not expire between two queries of a test on a slow machine).
ServerOptions locality_options(std::uint16_t check_port) {
    return options_for(zone_with({{"db", "127.0.0.71"}, {"db", "127.0.0.72"}}),
                       az("az-a", {"127.0.0.71"}) + "clients = [\"127.1.0.0/16\", \"2001:db8:a1::/48\"]\n\n" +
                           az("az-b", {"127.0.0.72"}) + "clients = [\"127.2.0.0/16\"]\n\n" + web_check(check_port) +
                           service(db, "nearest", "[\"az-b\", \"az-a\"]"),
                       "max = 4\ndegraded = 1\nall_down = 1\n");
}

// Every query azdns has answered, from its metrics.
long queries_answered(const AzdnsServer& server) {
    std::istringstream lines(control_request(server, "GET", "/metrics").body);
    long total = 0;
    for (std::string line; std::getline(lines, line);)
        if (line.starts_with("azdns_queries_total{")) total += std::stol(line.substr(line.rfind(' ') + 1));
    return total;
}

Addresses asked_from(const Endpoint& server, const std::string& source, azdns::e2e::Bytes subnet = {},
                     std::optional<Response>* reply = nullptr) {
    Query query{.name = db, .type = rrtype::A, .rd = true, .edns = !subnet.empty(), .client_subnet = subnet,
                .source = source};
    auto response = ask_udp(server, query);
    REQUIRE(response);
    if (reply != nullptr) *reply = response;
    return addresses_in(*response);
}

}  // namespace

TEST_SUITE("e2e_resolver") {

TEST_CASE("nearest, asked directly: by the client's address, or by the subnet it sends, with the scope") {
    EndpointFarm farm({"127.0.0.71", "127.0.0.72"});
    REQUIRE_MESSAGE(farm.ok(), farm.error());
    AzdnsServer server(locality_options(farm.port()));
    REQUIRE_SERVER(server);
    const Endpoint azdns = server.v4();

    CHECK(asked_from(azdns, "127.1.0.5") == Addresses{"127.0.0.71"});
    CHECK(asked_from(azdns, "127.2.0.5") == Addresses{"127.0.0.72"});
    CHECK(asked_from(azdns, "127.0.0.1") == Addresses{"127.0.0.72"});  // outside: prefer order

    std::optional<Response> reply;
    // From az-b's networks, for a client in az-a's: the subnet decides.
    CHECK(asked_from(azdns, "127.2.0.5", client_subnet("127.1.9.0", 24), &reply) == Addresses{"127.0.0.71"});
    REQUIRE(reply->opt);
    CHECK(reply->opt->client_subnet == azdns::e2e::Bytes{0, 1, 24, 16, 127, 1, 9});
    CHECK(asked_from(azdns, "127.2.0.5", client_subnet("2001:db8:a1:5::", 56), &reply) == Addresses{"127.0.0.71"});
    CHECK(reply->opt->client_subnet == azdns::e2e::Bytes{0, 2, 56, 48, 0x20, 0x01, 0x0d, 0xb8, 0, 0xa1, 0});
    CHECK(asked_from(azdns, "127.1.0.5", client_subnet("127.2.0.9", 32), &reply) == Addresses{"127.0.0.72"});
    CHECK(reply->opt->client_subnet == azdns::e2e::Bytes{0, 1, 32, 16, 127, 2, 0, 9});  // looked at as /24
    // Without the option in the query, none in the reply.
    Query plain{.name = db, .type = rrtype::A, .edns = true};
    auto no_subnet = ask_udp(azdns, plain);
    REQUIRE(no_subnet);
    REQUIRE(no_subnet->opt);
    CHECK_FALSE(no_subnet->opt->client_subnet);

    // explain answers as to the client it is given, and names its AZ.
    auto explained = ctl(server, {"explain", db, "--client", "127.1.0.5"});
    REQUIRE_MESSAGE(explained.exit_code == 0, explained.err);
    CHECK_MESSAGE(explained.out.find("client 127.1.0.5: in AZ az-a") != std::string::npos, explained.out);
    CHECK_MESSAGE(explained.out.find("IN A 127.0.0.71") != std::string::npos, explained.out);
    CHECK_MESSAGE(explained.out.find("the client's own AZ") != std::string::npos, explained.out);
    auto outside = ctl(server, {"explain", db});
    CHECK_MESSAGE(outside.out.find("IN A 127.0.0.72") != std::string::npos, outside.out);
    auto bad = ctl(server, {"explain", db, "--client", "banana"});
    CHECK(bad.exit_code != 0);
    CHECK_MESSAGE(bad.err.find("not an IP address: \"banana\"") != std::string::npos, bad.err);
}

TEST_CASE("nearest through unbound with send-client-subnet: each client its own AZ, cached by scope, moved by a fence") {
    REQUIRE_MESSAGE(std::filesystem::exists(unbound_binary), "unbound is not installed (./dev test installs it)");
    EndpointFarm farm({"127.0.0.71", "127.0.0.72"});
    REQUIRE_MESSAGE(farm.ok(), farm.error());
    AzdnsServer server(locality_options(farm.port()));
    REQUIRE_SERVER(server);
    Unbound unbound(server.port(), true);
    REQUIRE_MESSAGE(unbound.ready(), unbound.log());
    const Endpoint resolver = unbound.endpoint();
    auto is = [](const std::string& address) {
        return [address](const Response& r) { return addresses_in(r) == Addresses{address}; };
    };

    // Both endpoints probed up first, so that nothing changes underneath.
    auto a_client = wait_for_answer(resolver, db, rrtype::A, is("127.0.0.71"), 5s, true, "127.1.0.5");
    REQUIRE_MESSAGE(a_client.response, (describe(a_client, server) + unbound.log()));
    // Another az-a client, in another /24 of az-a's /16: unbound has the
    // answer cached for the /16 azdns scoped it to, and does not ask again.
    const long before = queries_answered(server);
    CHECK(asked_from(resolver, "127.1.200.5") == Addresses{"127.0.0.71"});
    CHECK(queries_answered(server) == before);
    // An az-b client behind the same resolver gets its own AZ.
    CHECK(asked_from(resolver, "127.2.0.5") == Addresses{"127.0.0.72"});
    CHECK(queries_answered(server) > before);

    auto fenced = ctl(server, {"fence", "az-a", "--reason", "locality test"});
    REQUIRE_MESSAGE(fenced.exit_code == 0, fenced.err);
    // The cached answer lives at most its 4 s TTL.
    auto moved = wait_for_answer(resolver, db, rrtype::A, is("127.0.0.72"), 4s + 2s, true, "127.1.0.5");
    REQUIRE_MESSAGE(moved.response, (describe(moved, server) + unbound.log()));
    MESSAGE("the az-a client moved to az-b after " << moved.elapsed.count() << " ms");

    auto lifted = ctl(server, {"unfence", "az-a"});
    REQUIRE_MESSAGE(lifted.exit_code == 0, lifted.err);
    auto back = wait_for_answer(resolver, db, rrtype::A, is("127.0.0.71"), 1s + 3s, true, "127.1.0.5");
    REQUIRE_MESSAGE(back.response, (describe(back, server) + unbound.log()));
}

}  // TEST_SUITE
