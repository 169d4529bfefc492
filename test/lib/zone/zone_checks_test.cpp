// The zone builder's named-checkzone-style checks, with their exact messages.
#include <doctest/doctest.h>

#include "zone_set.hpp"
#include "zone_test_support.hpp"

using namespace azdns;
using namespace azdns::test;

TEST_SUITE("zone build checks") {
    TEST_CASE("a valid zone builds silently") {
        std::string report;
        auto zone = build(good, report);
        REQUIRE(zone);
        CHECK(report.empty());
        CHECK(zone->serial() == 1);
        CHECK(zone->record_count() == 3);
        CHECK(zone->node_count() == 2);
    }

    TEST_CASE("no SOA is reported where the zone was declared") {
        std::string report;
        CHECK_FALSE(build("@ NS ns1\nns1 A 192.0.2.1\n", report));
        CHECK(report == "azdns.toml:7:10: no SOA record at the zone apex \"example.com.\"\n");
    }

    TEST_CASE("a second SOA at the apex") {
        std::string report;
        CHECK_FALSE(build(good + "@ SOA ns1 hostmaster 2 7200 3600 1209600 300\n", report));
        CHECK(report == "zone.db:5:1: more than one SOA record at the zone apex \"example.com.\"\n");
    }

    TEST_CASE("an SOA below the apex") {
        std::string report;
        CHECK_FALSE(build(good + "  sub SOA ns1 hostmaster 2 7200 3600 1209600 300\n", report));
        CHECK(report == "zone.db:5:3: SOA record at \"sub.example.com.\" is not at the zone apex \"example.com.\"\n");
    }

    TEST_CASE("no NS at the apex is reported at the SOA") {
        std::string report;
        CHECK_FALSE(build("\n@ SOA ns1 hostmaster 1 7200 3600 1209600 300\nns1 A 192.0.2.1\n", report));
        CHECK(report == "zone.db:2:1: no NS records at the zone apex \"example.com.\"\n");
    }

    TEST_CASE("a record outside the origin") {
        std::string report;
        CHECK_FALSE(build(good + "www.example.org. A 192.0.2.9\n", report));
        CHECK(report == "zone.db:5:1: \"www.example.org.\" is outside the zone \"example.com.\"\n");
    }

    TEST_CASE("CNAME beside other data") {
        std::string report;
        CHECK_FALSE(build(good + "www A 192.0.2.9\nwww CNAME ns1\nwww TXT \"x\"\nwww RRSIG A 13 3 3600 "
                                 "20300101000000 20200101000000 1 example.com. AAAA\n",
                          report));
        CHECK(report == "zone.db:6:1: CNAME at \"www.example.com.\" beside other data (A, TXT)\n");
    }

    TEST_CASE("two CNAMEs at one name") {
        std::string report;
        CHECK_FALSE(build(good + "www CNAME ns1\nwww CNAME mail\n", report));
        CHECK(report == "zone.db:6:1: more than one CNAME at \"www.example.com.\"\n");
    }

    TEST_CASE("two DNAMEs at one name") {
        std::string report;
        CHECK_FALSE(build(good + "d DNAME example.net.\nd DNAME example.org.\n", report));
        CHECK(report == "zone.db:6:1: more than one DNAME at \"d.example.com.\"\n");
    }

    TEST_CASE("DNAME beside CNAME is CNAME beside other data") {
        std::string report;
        CHECK_FALSE(build(good + "d DNAME example.net.\nd CNAME www\n", report));
        CHECK(report == "zone.db:6:1: CNAME at \"d.example.com.\" beside other data (DNAME)\n");
    }

    TEST_CASE("data below a DNAME: an error for each RRset, as NSD and Knot refuse such a zone") {
        std::string report;
        CHECK_FALSE(build(good + "d DNAME example.net.\nx.d A 192.0.2.9\nx.d TXT \"x\"\ny.z.d A 192.0.2.8\n", report));
        CHECK(report ==
              "zone.db:6:1: A at \"x.d.example.com.\" is below the DNAME at \"d.example.com.\"; names below a "
              "DNAME cannot own data\n"
              "zone.db:7:1: TXT at \"x.d.example.com.\" is below the DNAME at \"d.example.com.\"; names below a "
              "DNAME cannot own data\n"
              "zone.db:8:1: A at \"y.z.d.example.com.\" is below the DNAME at \"d.example.com.\"; names below a "
              "DNAME cannot own data\n");
    }

    TEST_CASE("a DNAME at the apex redirects the whole zone, so the zone can hold nothing below it") {
        std::string report;
        const std::string apex = "@ SOA ns1.example.net. hostmaster 1 7200 3600 1209600 300\n@ NS ns1.example.net.\n";
        auto zone = build(apex + "@ DNAME example.net.\n@ TXT \"apex data stays\"\n", report);
        CHECK(zone);
        CHECK(report.empty());
        CHECK_FALSE(build(good + "@ DNAME example.net.\n", report));
        CHECK(report == "zone.db:4:1: A at \"ns1.example.com.\" is below the DNAME at \"example.com.\"; names "
                        "below a DNAME cannot own data\n");
    }

    TEST_CASE("a DNAME beside NS below the apex: a delegation cannot redirect (RFC 6672 section 2.3)") {
        std::string report;
        CHECK_FALSE(build(good + "d NS ns.d\nns.d A 192.0.2.9\nd DNAME example.net.\n", report));
        CHECK(report == "zone.db:7:1: DNAME at \"d.example.com.\" beside NS; only the zone apex may have both\n");
    }

    TEST_CASE("a DNAME beside other data builds; one below a delegation is occluded like any other data") {
        std::string report;
        auto zone = build(good + "d DNAME example.net.\nd A 192.0.2.9\nd TXT \"x\"\n", report);
        REQUIRE(zone);
        CHECK(report.empty());
        CHECK(zone->record_count() == 6);
        zone = build(good + "sub NS ns1\nx.sub DNAME example.net.\ny.x.sub A 192.0.2.9\n", report);
        REQUIRE(zone);
        CHECK(report ==
              "zone.db:6:1: warning: DNAME at \"x.sub.example.com.\" is below the delegation \"sub.example.com.\" "
              "and is not glue; occluded, will not be served\n"
              "zone.db:7:1: warning: A at \"y.x.sub.example.com.\" is below the delegation \"sub.example.com.\" "
              "and is not glue; occluded, will not be served\n");
    }

    // As named-checkzone: a warning, and the referral goes out without that address.
    TEST_CASE("a delegation without its glue: a warning, and the zone still serves the referral") {
        std::string report;
        auto zone = build(good + "sub NS ns.sub\nsub NS ns1\n", report);
        REQUIRE(zone);
        CHECK(report ==
              "zone.db:5:1: warning: NS target \"ns.sub.example.com.\" has no A or AAAA record in the zone; "
              "referrals to \"sub.example.com.\" go without its address\n");
        auto referral = zone->lookup(wire("www.sub.example.com."), rr_type::a);
        CHECK(referral.status == LookupStatus::delegation);
        CHECK(referral.authority.size() == 2);
        CHECK_FALSE(zone->find(wire("ns.sub.example.com.")));
    }

    TEST_CASE("a delegation to an in-zone name that has no address: a warning") {
        std::string report;
        CHECK(build(good + "sub NS other\nother TXT \"no address\"\n", report));
        CHECK(report ==
              "zone.db:5:1: warning: NS target \"other.example.com.\" has no A or AAAA record in the zone; "
              "referrals to \"sub.example.com.\" go without its address\n");
    }

    TEST_CASE("an apex NS target inside the zone without an address is an error") {
        std::string report;
        CHECK_FALSE(build(good + "@ NS Ns2\nns2 TXT \"no address\"\n", report));
        CHECK(report == "zone.db:5:1: NS target \"Ns2.example.com.\" has no A or AAAA record in the zone\n");
    }

    // Its address is the child zone's to give (named-checkzone accepts it silently).
    TEST_CASE("an apex NS target below a delegation without glue: a warning") {
        std::string report;
        CHECK(build(good + "@ NS ns.sub\nsub NS ns1\n", report));
        CHECK(report ==
              "zone.db:5:1: warning: NS target \"ns.sub.example.com.\" has no A or AAAA record in the zone; "
              "it is in the delegated zone \"sub.example.com.\"\n");
    }

    TEST_CASE("out-of-zone NS targets need no glue") {
        std::string report;
        CHECK(build(good + "@ NS ns.example.net.\nsub NS ns.example.org.\n", report));
        CHECK(report.empty());
    }

    TEST_CASE("TTLs differing inside an RRset: a warning, and the lowest TTL") {
        std::string report;
        auto zone = build(good + "www 600 A 192.0.2.9\nwww 300 A 192.0.2.10\nwww 900 A 192.0.2.11\n", report);
        REQUIRE(zone);
        CHECK(report ==
              "zone.db:6:1: warning: TTL 300 differs from 600 of the same RRset; using 300\n"
              "zone.db:7:1: warning: TTL 900 differs from 600 of the same RRset; using 300\n");
        CHECK(zone->lookup(wire("www.example.com."), rr_type::a).answer.ttl() == 300);
    }

    TEST_CASE("data at or below a delegation that is not glue") {
        std::string report;
        auto zone = build(good + "sub NS ns.sub\nns.sub A 192.0.2.2\nsub TXT \"x\"\nwww.sub A 192.0.2.3\n", report);
        REQUIRE(zone);
        CHECK(report ==
              "zone.db:7:1: warning: TXT at \"sub.example.com.\" is at the delegation \"sub.example.com.\" and is "
              "not glue; occluded, will not be served\n"
              "zone.db:8:1: warning: A at \"www.sub.example.com.\" is below the delegation \"sub.example.com.\" and "
              "is not glue; occluded, will not be served\n");
        CHECK(zone->record_count() == 5);
        CHECK(zone->find(wire("www.sub.example.com.")).empty());
    }

    TEST_CASE("a class other than IN") {
        std::string report;
        CHECK_FALSE(build(good + "www CH TXT \"chaos\"\n", report));
        CHECK(report == "zone.db:5:1: class CH is not supported; only IN\n");
    }

    TEST_CASE("a query type as zone data") {
        auto records = records_from_text("zone.db", good + "www TXT \"x\"\n");
        records.back().type = 255;
        Diagnostics diags;
        CHECK_FALSE(build_zone(wire("example.com."), std::move(records), declared_at, diags));
        REQUIRE(diags.all().size() == 1);
        CHECK(diags.all()[0].to_string() == "zone.db:5:1: type ANY is a query or meta type, not zone data");
    }

    TEST_CASE("exact duplicates are dropped with a warning") {
        std::string report;
        auto zone = build(good + "www A 192.0.2.9\nwww A 192.0.2.8\nwww A 192.0.2.9\n", report);
        REQUIRE(zone);
        CHECK(report == "zone.db:7:1: warning: duplicate A record at \"www.example.com.\" dropped\n");
        auto rrset = zone->lookup(wire("www.example.com."), rr_type::a).answer;
        CHECK(rdata_of(rrset) == std::vector<std::uint8_t>{192, 0, 2, 9, 192, 0, 2, 8});
    }

    TEST_CASE("an RRset too large for any message") {
        std::string text = good;
        for (int i = 0; i < 300; ++i) text += "big TXT \"" + std::to_string(i) + std::string(240, 'x') + "\"\n";
        std::string report;
        CHECK_FALSE(build(text, report));
        // 300 RRs of 12 bytes besides RDATA; RDATA 242, 243 or 244 bytes.
        CHECK(report ==
              "zone.db:5:1: TXT RRset at \"big.example.com.\" is too large for a DNS message (76690 bytes)\n");
    }

    TEST_CASE("a malformed SOA RDATA") {
        auto records = records_from_text("zone.db", good);
        records.front().rdata.resize(10);
        Diagnostics diags;
        CHECK_FALSE(build_zone(wire("example.com."), std::move(records), declared_at, diags));
        REQUIRE(diags.all().size() == 1);
        CHECK(diags.all()[0].to_string() == "zone.db:2:1: SOA RDATA is malformed");
    }

    TEST_CASE("all problems are reported, in record order") {
        std::string report;
        CHECK_FALSE(build(good + "www CNAME ns1\nwww A 192.0.2.9\nx.example.org. A 192.0.2.1\n@ NS ns9\n", report));
        CHECK(report ==
              "zone.db:5:1: CNAME at \"www.example.com.\" beside other data (A)\n"
              "zone.db:7:1: \"x.example.org.\" is outside the zone \"example.com.\"\n"
              "zone.db:8:1: NS target \"ns9.example.com.\" has no A or AAAA record in the zone\n");
    }
}
