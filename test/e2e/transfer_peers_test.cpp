// The zone-transfer harness proved on its own, before azdns takes part: Knot
// as a primary, Knot and NSD as its secondaries over TSIG (hmac-sha256),
// each secondary from its own loopback address so that the primary's log
// tells their transfers apart. Every wait is bounded.
#include <doctest/doctest.h>

#include "e2e_fixture.hpp"
#include "transfer_peers.hpp"

using namespace azdns::e2e;
using namespace std::chrono_literals;

namespace {

// A busy machine (or sanitizers) is slow: a transfer is given this long.
constexpr auto transfer_wait = 30s;

const std::string origin = "xfr.test.";
const TsigSpec key{"xfr", "hmac-sha256", "tdJOktiIvzY6+7HFbbTVprKEr7B1OTOKWFBXVFcSgZo="};
// The same name, another secret.
const TsigSpec wrong_key{"xfr", "hmac-sha256", "D5d50ZK9tJ5xaiqspO2jLdt9HbHsyFWLwgZKGhFqnho="};

const std::string knot_source = "127.0.2.1", nsd_source = "127.0.2.2";

// SOA refresh one hour: within a test's waits only a NOTIFY brings a change.
std::string zone_text(int serial, const std::string& www) {
    return "$ORIGIN " + origin + "\n$TTL 300\n@ IN SOA ns1 hostmaster " + std::to_string(serial) +
           " 3600 600 86400 300\n@ IN NS ns1\nns1 IN A 192.0.2.1\nwww IN A " + www + "\n";
}

std::vector<std::string> answer_lines(const Endpoint& server, const std::string& name, std::uint16_t type) {
    auto reply = ask_udp(server, Query{.name = name, .type = type});
    if (!reply) return {"(no reply)"};
    if (!reply->aa || reply->rcode != rcode::NOERROR) return {"(not authoritative) " + reply->dump()};
    return sorted(reply->answer);
}

void require_installed() {
    for (Peer peer : {Peer::nsd, Peer::knot})
        REQUIRE_MESSAGE(std::filesystem::exists(peer_binary(peer)), peer_name(peer), " is not installed at ",
                        peer_binary(peer));
}

}  // namespace

TEST_CASE("Knot and NSD take a zone from a Knot primary over TSIG, then follow an edit by NOTIFY and IXFR") {
    require_installed();
    const std::uint16_t knot_port = free_port(), nsd_port = free_port();
    KnotPrimary primary(origin, zone_text(1, "192.0.2.10"), {{"127.0.0.1", knot_port}, {"127.0.0.1", nsd_port}},
                        key);
    REQUIRE_MESSAGE(primary.ready(), primary.log());
    SecondaryServer knot(Peer::knot, origin, primary.v4(), key, {.port = knot_port, .source_address = knot_source});
    SecondaryServer nsd(Peer::nsd, origin, primary.v4(), key, {.port = nsd_port, .source_address = nsd_source});

    for (auto* secondary : {&knot, &nsd})
        REQUIRE_MESSAGE(secondary->wait_for_serial(1, transfer_wait), secondary->log(), primary.log());
    // A secondary without the zone asks for all of it.
    CHECK_MESSAGE(knot.last_transfer_kind() == "axfr", knot.log());
    CHECK_MESSAGE(primary.last_transfer_kind_served_to(knot_source) == "axfr", primary.log());
    CHECK_MESSAGE(primary.last_transfer_kind_served_to(nsd_source) == "axfr", primary.log());

    REQUIRE_MESSAGE(primary.edit(zone_text(2, "192.0.2.11")), primary.log());
    REQUIRE(soa_serial(primary.v4(), origin) == 2u);
    for (auto* secondary : {&knot, &nsd}) {
        REQUIRE_MESSAGE(secondary->wait_for_serial(2, transfer_wait), secondary->log(), primary.log());
        for (const auto& [name, type] : {std::pair{origin, rrtype::SOA}, std::pair{"www." + origin, rrtype::A}})
            CHECK_MESSAGE(answer_lines(secondary->v4(), name, type) == answer_lines(primary.v4(), name, type),
                          name, " differs:\n", secondary->log());
    }
    CHECK(answer_lines(knot.v4(), "www." + origin, rrtype::A) ==
          std::vector<std::string>{"www." + origin + " 300 IN A 192.0.2.11"});
    // The change came as a difference, to both (NSD's own log does not say which kind).
    CHECK_MESSAGE(knot.last_transfer_kind() == "ixfr", knot.log());
    CHECK_MESSAGE(primary.last_transfer_kind_served_to(knot_source) == "ixfr", primary.log());
    CHECK_MESSAGE(primary.last_transfer_kind_served_to(nsd_source) == "ixfr", primary.log());
}

TEST_CASE("a secondary with the wrong TSIG key, or none, does not get the zone") {
    require_installed();
    KnotPrimary primary(origin, zone_text(1, "192.0.2.10"), {}, key);
    REQUIRE_MESSAGE(primary.ready(), primary.log());
    SecondaryServer knot_wrong(Peer::knot, origin, primary.v4(), wrong_key);
    SecondaryServer nsd_wrong(Peer::nsd, origin, primary.v4(), wrong_key);
    SecondaryServer knot_unsigned(Peer::knot, origin, primary.v4(), std::nullopt);

    for (auto* secondary : {&knot_wrong, &nsd_wrong, &knot_unsigned}) {
        REQUIRE_MESSAGE(secondary->wait_for_refused_transfer(transfer_wait), secondary->log());
        auto soa = ask_udp(secondary->v4(), Query{.name = origin, .type = rrtype::SOA});
        REQUIRE_MESSAGE(soa, secondary->log());
        CHECK_MESSAGE(!soa->aa, soa->dump(), secondary->log());
        CHECK_MESSAGE(soa->answer.empty(), soa->dump(), secondary->log());
    }
    // The same primary gives the zone to the right key: the refusals were the keys' doing.
    SecondaryServer knot_right(Peer::knot, origin, primary.v4(), key);
    CHECK_MESSAGE(knot_right.wait_for_serial(1, transfer_wait), knot_right.log(), primary.log());
}
