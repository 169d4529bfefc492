// A zone's raw and filtered views as a transfer carries them
// (transfer_records.hpp): the SOA first with the serial given, then every
// RR node by node; health-managed RRsets as the view makes them.
#include "transfer_records.hpp"

#include "transfer_test_support.hpp"
#include "zone_test_support.hpp"

using namespace azdns;
using namespace azdns::transfer_test;
using namespace azdns::health_test;

namespace {

const Zone& health_zone() { return *health_zones().find(wire_name("example.com.")); }

// health.zone after its SOA, with every TTL as the zone has it.
const Lines raw_records = {
    "example.com. 3600 IN NS ns1.example.com.",
    "example.com. 3600 IN MX 10 mail.example.com.",
    "ns1.example.com. 3600 IN A 192.0.2.1",
    "www.example.com. 3600 IN A 10.1.0.10",
    "www.example.com. 3600 IN A 10.2.0.10",
    "www.example.com. 3600 IN AAAA 2001:db8:b::10",
    "fo.example.com. 3600 IN A 10.1.0.20",
    "fo.example.com. 3600 IN A 10.2.0.20",
    "mail.example.com. 3600 IN A 10.1.0.25",
    "mail.example.com. 3600 IN A 10.2.0.25",
    "_sip._tcp.example.com. 3600 IN SRV 0 0 5060 mail.example.com.",
    "plain.example.com. 3600 IN A 192.0.2.99",
    "short.example.com. 30 IN A 10.1.0.30",
    "mixed.example.com. 3600 IN A 10.1.0.40",
    "mixed.example.com. 3600 IN A 192.0.2.40",
    "alias.example.com. 3600 IN CNAME www.example.com.",
    "sub.example.com. 3600 IN NS ns.sub.example.com.",
    "ns.sub.example.com. 3600 IN A 10.2.0.53",
    "dn.example.com. 3600 IN DNAME example.com.",
};

Lines with_soa(std::uint32_t serial, const Lines& records) {
    Lines lines{"example.com. 3600 IN SOA ns1.example.com. hostmaster.example.com. " + std::to_string(serial) +
                " 7200 3600 1209600 300"};
    lines.insert(lines.end(), records.begin(), records.end());
    return lines;
}

}  // namespace

TEST_SUITE("transfer records") {
    TEST_CASE("the raw view: the SOA with the serial given, then every RR in zone order, glue included") {
        CHECK(view_lines(health_zone(), nullptr, 2024010101) == with_soa(2024010101, raw_records));
        // The serial is the caller's, not the zone's: the rest stays.
        CHECK(view_lines(health_zone(), nullptr, 7) == with_soa(7, raw_records));
    }

    TEST_CASE("the filtered view: health-managed RRsets as answers carry them, the rest as it is") {
        // AZ b fenced: www keeps its AZ a address with ttl.degraded (20);
        // www's only AAAA (in b) is all down and served whole under
        // serve-all, with ttl.all_down (10); fo fails over to a; addresses in
        // no AZ stay; glue below a cut is never filtered.
        auto view = view_of(Health{}.fence("b"));
        Lines lines = view_lines(health_zone(), view.get(), 9);
        CHECK(lines == with_soa(9, {
                                       "example.com. 3600 IN NS ns1.example.com.",
                                       "example.com. 3600 IN MX 10 mail.example.com.",
                                       "ns1.example.com. 3600 IN A 192.0.2.1",
                                       "www.example.com. 20 IN A 10.1.0.10",
                                       "www.example.com. 10 IN AAAA 2001:db8:b::10",
                                       "fo.example.com. 20 IN A 10.1.0.20",
                                       "mail.example.com. 20 IN A 10.1.0.25",
                                       "_sip._tcp.example.com. 3600 IN SRV 0 0 5060 mail.example.com.",
                                       "plain.example.com. 3600 IN A 192.0.2.99",
                                       "short.example.com. 30 IN A 10.1.0.30",
                                       "mixed.example.com. 60 IN A 10.1.0.40",
                                       "mixed.example.com. 60 IN A 192.0.2.40",
                                       "alias.example.com. 3600 IN CNAME www.example.com.",
                                       "sub.example.com. 3600 IN NS ns.sub.example.com.",
                                       "ns.sub.example.com. 3600 IN A 10.2.0.53",
                                       "dn.example.com. 3600 IN DNAME example.com.",
                                   }));
    }

    TEST_CASE("an AZ ramping back is in the filtered view, at ttl.degraded: a secondary cannot draw a share") {
        Lines lines = view_lines(health_zone(), view_of(Health{}.ramp("a", 100)).get(), 3);
        for (const char* line : {"www.example.com. 20 IN A 10.1.0.10", "www.example.com. 20 IN A 10.2.0.10",
                                 "fo.example.com. 20 IN A 10.1.0.20", "short.example.com. 20 IN A 10.1.0.30",
                                 "www.example.com. 60 IN AAAA 2001:db8:b::10"}) {
            CAPTURE(line);
            CHECK(std::find(lines.begin(), lines.end(), line) != lines.end());
        }
        CHECK(std::find(lines.begin(), lines.end(), "fo.example.com. 20 IN A 10.2.0.20") == lines.end());
    }

    TEST_CASE("all down: nodata leaves the RRset out, servfail carries every address with the zone's TTL") {
        Health all_fenced = Health{}.fence("a").fence("b");
        Lines nodata = view_lines(health_zone(), view_of(all_fenced, AllDownPolicy::nodata).get(), 1);
        CHECK(std::find(nodata.begin(), nodata.end(), "www.example.com. 10 IN AAAA 2001:db8:b::10") == nodata.end());
        CHECK(std::count_if(nodata.begin(), nodata.end(),
                            [](const std::string& l) { return l.starts_with("www.example.com."); }) == 0);
        CHECK(std::find(nodata.begin(), nodata.end(), "plain.example.com. 3600 IN A 192.0.2.99") != nodata.end());

        // A zone cannot carry SERVFAIL: the zone's own RRsets go instead,
        // TTL included; mixed still has its address in no AZ.
        Lines servfail = view_lines(health_zone(), view_of(all_fenced, AllDownPolicy::servfail).get(), 1);
        Lines expected = with_soa(1, raw_records);
        std::erase(expected, "mixed.example.com. 3600 IN A 10.1.0.40");
        std::replace(expected.begin(), expected.end(), std::string("mixed.example.com. 3600 IN A 192.0.2.40"),
                     std::string("mixed.example.com. 20 IN A 192.0.2.40"));
        CHECK(servfail == expected);
    }

    TEST_CASE("empty non-terminals own nothing and are not named; the walk can stop and go on") {
        std::string report;
        auto zone = test::build(R"(
@            SOA  ns1 hostmaster 5 7200 3600 1209600 300
@            NS   ns1
ns1          A    192.0.2.1
a.b.c.deep   TXT  "deep"
)", report);
        REQUIRE(zone);
        ViewRecords records(*zone, nullptr, 5);
        Lines lines;
        for (int i = 0; i < 10 && !records.done(); ++i) {
            lines.push_back(record_text(records.current()));
            records.advance();
        }
        CHECK(records.done());
        CHECK(lines == Lines{"example.com. 3600 IN SOA ns1.example.com. hostmaster.example.com. 5 7200 3600 1209600 300",
                             "example.com. 3600 IN NS ns1.example.com.", "ns1.example.com. 3600 IN A 192.0.2.1",
                             "a.b.c.deep.example.com. 3600 IN TXT \"deep\""});
    }

    TEST_CASE("a record list gives back what was added, owners shared between neighbours") {
        TransferRecords list;
        const std::string www = wire_name("www.example.com."), mail = wire_name("mail.example.com.");
        const std::uint8_t a1[] = {10, 1, 0, 10}, a2[] = {10, 2, 0, 10};
        list.add({www, A, 60, a1});
        list.add({www, A, 60, a2});
        list.add({mail, A, 20, a1});
        REQUIRE(list.size() == 3);
        CHECK(list_lines(list) == Lines{"www.example.com. 60 IN A 10.1.0.10", "www.example.com. 60 IN A 10.2.0.10",
                                        "mail.example.com. 20 IN A 10.1.0.10"});
        CHECK(list[0] == TransferRecord{www, A, 60, a1});
        CHECK_FALSE(list[0] == list[1]);
        CHECK(list[0].owner.data() == list[1].owner.data());
        CHECK(list[1].owner.data() != list[2].owner.data());
    }
}
