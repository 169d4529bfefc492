// AnswerEngine::answer for zones taken from primaries (docs/transfers.md,
// "azdns as a secondary"): NOTIFY from the primaries, and a zone not held
// (before its first transfer, after it expired) answered SERVFAIL.
#include "answer_engine.hpp"

#include "transfer_state_test_support.hpp"

using namespace azdns;
using namespace azdns::transfer_test;
using namespace azdns::tsig_test;

namespace {

constexpr std::uint8_t notify_opcode = 4;

// health_test::make_config() with example.com. taken from a primary that
// may NOTIFY from `allow` (signed with sha256_key when `keyed`), and
// example.org. from another, not loaded yet.
Config secondary_config(const char* allow, bool keyed = false) {
    Config config = make_config();
    const TsigKey key = sha256_key.ours();
    config.keys.push_back(KeyConfig{key.name, "hmac-sha256", key.secret, "", {}});
    for (const char* origin : {"example.com.", "example.org."}) {
        ZoneConfig zone;
        zone.origin = wire_name(origin);
        zone.primaries = {ListenAddress{{*IpAddress::parse("192.0.2.1"), 53}, {}}};
        zone.allow_notify = {*IpPrefix::parse(allow)};
        if (keyed) zone.primary_key = key.name;
        config.zones.push_back(zone);
    }
    return config;
}

// example.com. held (slot 0), example.org. not (slot 1).
const ZoneSet& zones_with_one_unheld() {
    static const ZoneSet set = [] {
        ZoneSet zones;
        std::uint32_t slot = 0;
        REQUIRE(zones.add(health_zones().shared(wire_name("example.com."), slot), 0));
        REQUIRE(zones.add_unavailable(wire_name("example.org."), 1));
        return zones;
    }();
    return set;
}

struct Answered {
    Reply reply;
    AnswerStats stats;
};

Answered answer(const std::vector<std::uint8_t>& query, const Config& config, Transport transport = Transport::udp) {
    TransferTracker tracker;
    auto state = tracker.advance(config, zones_with_one_unheld(), nullptr);
    AnswerEngine engine({});
    std::vector<std::uint8_t> buffer(max_message_size);
    Answered out;
    std::size_t n = engine.answer(query, zones_with_one_unheld(), client_over(transport), buffer, nullptr,
                                  &out.stats, state.get());
    REQUIRE(n > 0);
    out.reply.wire.assign(buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(n));
    ldns_pkt* pkt = nullptr;
    REQUIRE(ldns_wire2pkt(&pkt, out.reply.wire.data(), out.reply.wire.size()) == LDNS_STATUS_OK);
    out.reply.pkt.reset(pkt);
    out.reply.answer = section(ldns_pkt_answer(pkt));
    return out;
}

std::vector<std::uint8_t> notify_for(const char* origin) {
    return make_query(origin, SOA, {.edns = true, .opcode = notify_opcode});
}

}  // namespace

TEST_SUITE("answer_secondary") {
    TEST_CASE("a NOTIFY from an allowed primary is accepted: NOERROR, AA, and the zone is to be refreshed") {
        Answered a = answer(notify_for("example.com."), secondary_config("192.0.2.53/32"));
        CHECK(a.reply.rcode() == LDNS_RCODE_NOERROR);
        CHECK(a.reply.aa());
        CHECK(ldns_pkt_get_opcode(a.reply.pkt.get()) == LDNS_PACKET_NOTIFY);
        CHECK(a.stats.notify_accepted);
        CHECK(a.stats.zone_slot == 0);
        SUBCASE("also for a zone not held yet: the first transfer is what it waits for") {
            Answered b = answer(notify_for("example.org."), secondary_config("192.0.2.53/32"));
            CHECK(b.reply.rcode() == LDNS_RCODE_NOERROR);
            CHECK(b.stats.notify_accepted);
            CHECK(b.stats.zone_slot == 1);
        }
    }

    TEST_CASE("a NOTIFY from an address allow_notify does not hold: REFUSED with EDE 18, nothing refreshed") {
        Answered a = answer(notify_for("example.com."), secondary_config("198.51.100.0/24"));
        CHECK(a.reply.rcode() == LDNS_RCODE_REFUSED);
        CHECK_FALSE(a.stats.notify_accepted);
        CHECK(extended_error(a.reply).starts_with("18"));
    }

    TEST_CASE("a NOTIFY for a zone that is not a secondary's, or below an origin: NOTAUTH") {
        Config config = secondary_config("192.0.2.53/32");
        config.zones[0].primaries.clear();  // example.com. from a file
        config.zones[0].file = "example.com.zone";
        CHECK(answer(notify_for("example.com."), config).reply.rcode() == LDNS_RCODE_NOTAUTH);
        CHECK(answer(notify_for("www.example.org."), config).reply.rcode() == LDNS_RCODE_NOTAUTH);
        CHECK(answer(notify_for("example.net."), config).reply.rcode() == LDNS_RCODE_NOTAUTH);
        CHECK_FALSE(answer(notify_for("example.net."), config).stats.notify_accepted);
    }

    TEST_CASE("a NOTIFY not for SOA: FORMERR; other opcodes stay NOTIMP") {
        Config config = secondary_config("192.0.2.53/32");
        CHECK(answer(make_query("example.com.", A, {.opcode = notify_opcode}), config).reply.rcode() ==
              LDNS_RCODE_FORMERR);
        CHECK(answer(make_query("example.com.", SOA, {.opcode = 5}), config).reply.rcode() == LDNS_RCODE_NOTIMPL);
    }

    TEST_CASE("with primary_key, a NOTIFY must be signed with it: unsigned is REFUSED, signed is accepted and signed back") {
        Config config = secondary_config("192.0.2.53/32", true);
        Answered unsigned_notify = answer(notify_for("example.com."), config);
        CHECK(unsigned_notify.reply.rcode() == LDNS_RCODE_REFUSED);
        CHECK_FALSE(unsigned_notify.stats.notify_accepted);

        Packet pkt = unsigned_query("example.com.", LDNS_RR_TYPE_SOA);
        ldns_pkt_set_opcode(pkt.get(), LDNS_PACKET_NOTIFY);
        REQUIRE(ldns_pkt_tsig_sign(pkt.get(), sha256_key.name, sha256_key.secret, 300, sha256_key.algorithm,
                                   nullptr) == LDNS_STATUS_OK);
        const std::vector<std::uint8_t> query = wire_of(pkt.get());
        Answered signed_notify = answer(query, config);
        CHECK(signed_notify.reply.rcode() == LDNS_RCODE_NOERROR);
        CHECK(signed_notify.stats.notify_accepted);
        ldns_rr* tsig = ldns_pkt_tsig(pkt.get());
        CHECK(ldns_pkt_tsig_verify(signed_notify.reply.pkt.get(), signed_notify.reply.wire.data(),
                                   signed_notify.reply.wire.size(), sha256_key.name, sha256_key.secret,
                                   ldns_rr_rdf(tsig, 3)));
    }

    TEST_CASE("a zone not held answers SERVFAIL, at and below its origin, transfers included") {
        Config config = secondary_config("192.0.2.53/32");
        for (const char* name : {"example.org.", "www.example.org.", "a.b.example.org."}) {
            Answered a = answer(make_query(name, A), config);
            CHECK(a.reply.rcode() == LDNS_RCODE_SERVFAIL);
            CHECK_FALSE(a.reply.aa());
            CHECK(a.reply.answer.empty());
        }
        CHECK(answer(make_query("example.org.", AXFR), config, Transport::tcp).reply.rcode() == LDNS_RCODE_SERVFAIL);
        CHECK(answer(make_query("example.org.", IXFR), config).reply.rcode() == LDNS_RCODE_SERVFAIL);
        SUBCASE("the zone held beside it answers as ever; a name of no zone is REFUSED") {
            CHECK(answer(make_query("www.example.com.", A), config).reply.rcode() == LDNS_RCODE_NOERROR);
            CHECK(answer(make_query("example.net.", A), config).reply.rcode() == LDNS_RCODE_REFUSED);
        }
    }
}
