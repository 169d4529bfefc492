// Health filtering is decided when the answer is planned: the plan holds the
// RRset that goes on the wire and its TTL, and says whether health changed
// it; the writer only writes. Packet in, plan and packet out.
#include "answer_sections.hpp"
#include "health_test_support.hpp"

using namespace azdns;
using namespace azdns::answer_test;
using namespace azdns::health_test;

namespace {

// The plan solve_internet makes for a query, as the engine makes it.
struct Planned {
    std::vector<std::uint8_t> wire;
    Query query;
    AnswerPlan plan;

    Planned(const char* name, std::uint16_t qtype, const HealthView* health, Transport t = Transport::udp)
        : wire(make_query(name, qtype)) {
        REQUIRE(read_query(wire, query) == ReadStatus::ok);
        const Zone* zone = health_zones().find(query.question.name());
        REQUIRE(zone != nullptr);
        solve_internet(*zone, query.question, client_over(t), plan, health);
    }

    // The one entry of `section` holding `type`.
    const PlannedRRset& entry(Section section, std::uint16_t type) const {
        const PlannedRRset* found = nullptr;
        for (std::size_t i = 0; i < plan.size(); ++i) {
            if (plan[i].section != section || plan[i].rrset.type() != type) continue;
            REQUIRE(found == nullptr);
            found = &plan[i];
        }
        REQUIRE(found != nullptr);
        return *found;
    }
};

// The zone's own RRset of `type` at `name`.
RRsetView zone_rrset(const char* name, std::uint16_t type) {
    std::string canonical = name_canonical(wire_name(name));
    RRsetView rrset = health_zones().find(canonical)->find(canonical).rrset(type);
    REQUIRE_FALSE(rrset.empty());
    return rrset;
}

// Packet in, packet out, with the engine's statistics.
struct Answered {
    Reply reply;
    AnswerStats stats;
};

Answered answer_with_stats(const char* name, std::uint16_t qtype, const HealthView* health,
                           Transport t = Transport::udp) {
    AnswerEngine engine({});
    std::vector<std::uint8_t> buffer(max_message_size);
    Answered out;
    std::size_t n = engine.answer(make_query(name, qtype), health_zones(), client_over(t), buffer, health, &out.stats);
    REQUIRE(n > 0);
    out.reply.wire.assign(buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(n));
    ldns_pkt* pkt = nullptr;
    REQUIRE(ldns_wire2pkt(&pkt, out.reply.wire.data(), n) == LDNS_STATUS_OK);
    out.reply.pkt.reset(pkt);
    out.reply.answer = section(ldns_pkt_answer(pkt));
    out.reply.additional = section(ldns_pkt_additional(pkt));
    return out;
}

}  // namespace

TEST_SUITE("health_plan") {
    TEST_CASE("answer section: the plan holds the filtered RRset and its TTL, and stands for the zone's") {
        RRsetView zone_www = zone_rrset("www.example.com.", A);
        auto view = view_of(Health{}.fence("b"));
        Planned p("www.example.com.", A, view.get());
        REQUIRE(p.plan.size() == 1);
        const PlannedRRset& www = p.entry(Section::answer, A);
        CHECK(www.rrset.size() == 1);  // 10.2.0.10 is gone
        CHECK(www.ttl == 20);          // ttl.degraded
        CHECK(www.rrset.ttl() == 20);
        CHECK(www.health_changed);
        CHECK(www.source == zone_www.wire().data());
        CHECK(www.rrset.wire().data() != zone_www.wire().data());

        // Without a view: the zone's RRset and TTL, unchanged.
        Planned plain("www.example.com.", A, nullptr);
        const PlannedRRset& unfiltered = plain.entry(Section::answer, A);
        CHECK(unfiltered.rrset.wire().data() == zone_www.wire().data());
        CHECK(unfiltered.rrset.size() == 2);
        CHECK(unfiltered.ttl == 3600);
        CHECK_FALSE(unfiltered.health_changed);

        // All healthy: every address, TTL capped, and health changed nothing it counts.
        auto healthy = view_of(Health{});
        Planned capped("www.example.com.", A, healthy.get());
        CHECK(capped.entry(Section::answer, A).rrset.size() == 2);
        CHECK(capped.entry(Section::answer, A).ttl == 60);
        CHECK_FALSE(capped.entry(Section::answer, A).health_changed);

        auto r = answer_with_stats("www.example.com.", A, view.get());
        CHECK(r.reply.answer == Lines{"www.example.com. 20 IN A 10.1.0.10"});
        CHECK(r.stats.health_filtered);
        CHECK_FALSE(answer_with_stats("www.example.com.", A, healthy.get()).stats.health_filtered);
    }

    TEST_CASE("additional section: A/AAAA of MX and SRV targets are planned filtered") {
        auto view = view_of(Health{}.fence("b"));
        for (auto [name, qtype] : {std::pair{"example.com.", MX}, std::pair{"_sip._tcp.example.com.", SRV}}) {
            CAPTURE(name);
            Planned p(name, qtype, view.get());
            CHECK_FALSE(p.entry(Section::answer, qtype).health_changed);
            const PlannedRRset& mail = p.entry(Section::additional, A);
            CHECK_FALSE(mail.is_glue);
            CHECK(mail.rrset.size() == 1);
            CHECK(mail.ttl == 20);
            CHECK(mail.health_changed);
            CHECK(mail.source == zone_rrset("mail.example.com.", A).wire().data());

            auto r = answer_with_stats(name, qtype, view.get());
            CHECK(r.reply.answer.size() == 1);
            CHECK(r.reply.additional == Lines{"mail.example.com. 20 IN A 10.1.0.25"});
            CHECK(r.stats.health_filtered);
        }
    }

    TEST_CASE("additional section, all down under servfail or nodata: planned empty, written as nothing") {
        for (AllDownPolicy policy : {AllDownPolicy::servfail, AllDownPolicy::nodata}) {
            auto view = view_of(Health{}.fence("a").fence("b"), policy);
            Planned p("_sip._tcp.example.com.", SRV, view.get());
            const PlannedRRset& mail = p.entry(Section::additional, A);
            CHECK(mail.rrset.empty());
            CHECK(mail.health_changed);

            auto r = answer_with_stats("_sip._tcp.example.com.", SRV, view.get());
            CHECK(r.reply.rcode() == LDNS_RCODE_NOERROR);
            CHECK(r.reply.answer == Lines{"_sip._tcp.example.com. 3600 IN SRV 0 0 5060 mail.example.com."});
            CHECK(r.reply.additional.empty());
            CHECK(r.stats.health_filtered);
        }
    }

    TEST_CASE("glue is planned as the zone holds it, whatever health says") {
        RRsetView zone_glue = zone_rrset("ns.sub.example.com.", A);
        auto view = view_of(Health{}.fence("b").endpoint("10.2.0.53", EndpointStatus::down, "b"),
                            AllDownPolicy::servfail);
        Planned p("host.sub.example.com.", A, view.get());
        const PlannedRRset& glue = p.entry(Section::additional, A);
        CHECK(glue.is_glue);
        CHECK(glue.rrset.wire().data() == zone_glue.wire().data());
        CHECK(glue.rrset.size() == 1);
        CHECK(glue.ttl == 3600);
        CHECK_FALSE(glue.health_changed);

        auto r = answer_with_stats("host.sub.example.com.", A, view.get());
        CHECK(r.reply.additional == Lines{"ns.sub.example.com. 3600 IN A 10.2.0.53"});
        CHECK_FALSE(r.stats.health_filtered);
    }

    TEST_CASE("ANY over TCP: each A/AAAA RRset of the node planned filtered") {
        auto view = view_of(Health{}.fence("b"));
        Planned p("www.example.com.", ANY, view.get(), Transport::tcp);
        CHECK(p.entry(Section::answer, A).rrset.size() == 1);
        CHECK(p.entry(Section::answer, A).ttl == 20);
        // www's only AAAA is in b: all down, served anyway under serve-all.
        CHECK(p.entry(Section::answer, AAAA).rrset.size() == 1);
        CHECK(p.entry(Section::answer, AAAA).ttl == 10);
        CHECK(p.entry(Section::answer, AAAA).health_changed);
    }
}
