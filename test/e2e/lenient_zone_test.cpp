// Zone files that BIND, NSD and Knot load although they bend a rule: azdns
// loads test/data/e2e/lenient.example.zone too, and answers from it as NSD
// does from the same file.
#include <doctest/doctest.h>

#include "differential_compare.hpp"
#include "differential_queries.hpp"
#include "e2e_fixture.hpp"
#include "peer_server.hpp"

using namespace azdns::e2e;

namespace {

const std::vector<std::pair<std::string, std::string>> zones = {{"lenient.example.", "lenient.example.zone"}};

// One azdns and one NSD on the zone for the whole program.
struct Servers {
    AzdnsServer azdns{[] {
        ServerOptions options;
        options.zones = zones;
        return options;
    }()};
    PeerServer nsd{Peer::nsd, zones};
};

Servers& servers() {
    static Servers both;
    return both;
}

// azdns's response to `query` over UDP, after checking that NSD's is the same
// once the differences the RFCs allow are taken out.
Response ask_both(const Query& query) {
    auto& [azdns, nsd] = servers();
    REQUIRE_SERVER(azdns);
    REQUIRE_MESSAGE(nsd.ready(), "NSD did not start:\n", nsd.log());
    auto ours = ask_udp(azdns.v4(), query);
    auto theirs = ask_udp(nsd.v4(), query);
    REQUIRE_MESSAGE(ours, "no answer from azdns to ", query.name);
    REQUIRE_MESSAGE(theirs, "no answer from NSD to ", query.name);
    INFO("azdns:\n", ours->dump(), "NSD:\n", theirs->dump());
    CHECK(diff(normalise(*ours), normalise(*theirs)) == "");
    return *ours;
}

}  // namespace

TEST_CASE("a delegation whose in-zone name server has no address: the referral, without that glue") {
    auto response = ask_both({.name = "host.sub.lenient.example.", .type = rrtype::A});
    INFO(response.dump());
    CHECK(response.rcode == rcode::NOERROR);
    CHECK_FALSE(response.aa);
    CHECK(response.answer.empty());
    CHECK(sorted(response.authority) == sorted({"sub.lenient.example. 300 IN NS ns.sub.lenient.example.",
                                                "sub.lenient.example. 300 IN NS ns2.sub.lenient.example."}));
    CHECK(response.additional == std::vector<std::string>{"ns2.sub.lenient.example. 300 IN A 192.0.2.61"});
}

TEST_CASE("a delegation to an in-zone name without an address: the referral, no additional data") {
    auto response = ask_both({.name = "www.other.lenient.example.", .type = rrtype::AAAA});
    INFO(response.dump());
    CHECK(response.rcode == rcode::NOERROR);
    CHECK_FALSE(response.aa);
    CHECK(response.authority == std::vector<std::string>{"other.lenient.example. 300 IN NS noaddress.lenient.example."});
    CHECK(response.additional.empty());
}

TEST_CASE("a TTL above 2147483647 is served as 0") {
    auto& azdns = servers().azdns;
    REQUIRE_SERVER(azdns);
    auto response = ask_udp(azdns.v4(), {.name = "longttl.lenient.example.", .type = rrtype::A});
    REQUIRE(response);
    INFO(response->dump());
    CHECK(response->aa);
    CHECK(response->answer == std::vector<std::string>{"longttl.lenient.example. 0 IN A 192.0.2.80"});
}

TEST_CASE("CAA values written without quotes: the records NSD serves, and those of the quoted form") {
    auto bare = ask_both({.name = "caa.lenient.example.", .type = rrtype::CAA});
    INFO(bare.dump());
    CHECK(bare.aa);
    const std::vector<std::string> expected = {
        "caa.lenient.example. 300 IN CAA 0 issue \"ca.example.net\"",
        "caa.lenient.example. 300 IN CAA 0 iodef \"mailto:security@lenient.example\"",
        "caa.lenient.example. 300 IN CAA 0 issue \"ca.example.net; account=230123\"",
    };
    CHECK(sorted(bare.answer) == sorted(expected));

    auto quoted = ask_both({.name = "quoted.lenient.example.", .type = rrtype::CAA});
    INFO(quoted.dump());
    std::vector<std::string> renamed;
    for (const auto& line : quoted.answer) renamed.push_back("caa" + line.substr(line.find('.')));
    CHECK(sorted(renamed) == sorted(bare.answer));
}
