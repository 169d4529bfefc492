// A caching resolver in the loop, as clients really meet azdns: unbound with
// a stub zone pointing at azdns, all on loopback. When an AZ's endpoint
// stops, a client asking unbound stops getting its address within detection
// time plus the TTL that azdns handed out.
#include <doctest/doctest.h>

#include <filesystem>

#include "e2e_fixture.hpp"
#include "health_world.hpp"
#include "unbound_resolver.hpp"

using namespace azdns::e2e;
using namespace std::chrono_literals;
using Addresses = std::set<std::string>;

TEST_SUITE("e2e_resolver") {

TEST_CASE("through unbound, a stopped AZ's address goes away within detection time plus the TTL") {
    REQUIRE_MESSAGE(std::filesystem::exists(unbound_binary), "unbound is not installed (./dev test installs it)");
    EndpointFarm farm({"127.0.0.61", "127.0.0.62"});
    REQUIRE_MESSAGE(farm.ok(), farm.error());
    // Short TTLs so the test is quick: ttl.max 2 while all is well.
    ServerOptions options = options_for(zone_with({{"www", "127.0.0.61"}, {"www", "127.0.0.62"}}),
                                        az("az-a", {"127.0.0.61"}) + az("az-b", {"127.0.0.62"}) +
                                            web_check(farm.port()) + service("www.health.test."));
    options.extra_config = "[ttl]\nmax = 2\ndegraded = 1\nall_down = 1\n\n" +
                           options.extra_config.substr(options.extra_config.find("[[az]]"));
    AzdnsServer server(options);
    REQUIRE_SERVER(server);
    Unbound unbound(server.port());
    REQUIRE_MESSAGE(unbound.ready(), unbound.log());

    const std::string www = "www.health.test.";
    auto both = wait_for_answer(unbound.endpoint(), www, rrtype::A, [](const Response& r) {
        return addresses_in(r) == Addresses{"127.0.0.61", "127.0.0.62"};
    }, 5s, true);
    REQUIRE_MESSAGE(both.response, (describe(both, server) + unbound.log()));
    CHECK(answer_ttl(*both.response) <= 2u);  // unbound passes on azdns's capped TTL, counting down

    farm.at("127.0.0.61").stop();
    // Detection (200ms x 2 + 200ms) plus the 2 s TTL unbound may still serve from cache.
    auto gone = wait_for_answer(unbound.endpoint(), www, rrtype::A,
                                [](const Response& r) { return !r.answer.empty() && without(r, "127.0.0.61"); },
                                600ms + 2s + 2500ms, true);
    REQUIRE_MESSAGE(gone.response, (describe(gone, server) + unbound.log()));
    MESSAGE("unbound stopped returning the address after " << gone.elapsed.count() << " ms (bound: 2600 ms)");
    CHECK(addresses_in(*gone.response) == Addresses{"127.0.0.62"});
    CHECK(answer_ttl(*gone.response) <= 1u);  // ttl.degraded

    std::string error;
    REQUIRE(farm.at("127.0.0.61").start(error));
    auto back = wait_for_answer(unbound.endpoint(), www, rrtype::A, [](const Response& r) { return with(r, "127.0.0.61"); },
                                1s + 500ms + 1s + 2500ms, true);
    REQUIRE_MESSAGE(back.response, (describe(back, server) + unbound.log()));
    MESSAGE("and returned it after " << back.elapsed.count() << " ms");
}

}  // TEST_SUITE
