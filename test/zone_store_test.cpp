// The zone store: build-time checks with their exact messages, RFC 1034 /
// RFC 4592 lookups, the ZoneSet, and (skipped by default) a 1M-record load.
#include <doctest/doctest.h>

#include <sys/resource.h>

#include <chrono>
#include <memory>
#include <fstream>
#include <sstream>

#include "dns_name.hpp"
#include "zone.hpp"
#include "zone_set.hpp"

// Last: ldns's C headers redefine `false` and `true`.
#include <ldns/ldns.h>

using namespace azdns;

namespace {

constexpr std::uint16_t mx = 15;
constexpr std::uint16_t txt = 16;

std::string wire(const char* text) { return name_canonical(name_from_text(text).value()); }

template <auto free_fn>
struct Free {
    template <typename T>
    void operator()(T* p) const { free_fn(p); }
};
using RdfPtr = std::unique_ptr<ldns_rdf, Free<ldns_rdf_deep_free>>;
using RrPtr = std::unique_ptr<ldns_rr, Free<ldns_rr_free>>;
using BufferPtr = std::unique_ptr<ldns_buffer, Free<ldns_buffer_free>>;

// One record per line of RR text, names relative to `origin`, default TTL
// 3600; blank lines and ';' comments skipped. Each record remembers its line
// and the column where its text starts, as the zone-file reader would.
std::vector<ZoneRecord> records_from_text(const std::string& file, std::string_view text,
                                          const char* origin = "example.com.") {
    RdfPtr origin_rdf(ldns_dname_new_frm_str(origin));
    std::vector<ZoneRecord> records;
    std::istringstream lines{std::string(text)};
    std::string line;
    for (std::uint32_t number = 1; std::getline(lines, line); ++number) {
        std::size_t start = line.find_first_not_of(" \t");
        if (start == std::string::npos || line[start] == ';') continue;
        ldns_rr* parsed = nullptr;
        ldns_status status = ldns_rr_new_frm_str(&parsed, line.c_str() + start, 3600, origin_rdf.get(), nullptr);
        RrPtr rr(parsed);
        REQUIRE_MESSAGE(status == LDNS_STATUS_OK, line);
        ZoneRecord record;
        const ldns_rdf* owner = ldns_rr_owner(rr.get());
        record.owner = name_canonical({reinterpret_cast<const char*>(ldns_rdf_data(owner)), ldns_rdf_size(owner)});
        record.type = static_cast<std::uint16_t>(ldns_rr_get_type(rr.get()));
        record.rclass = static_cast<std::uint16_t>(ldns_rr_get_class(rr.get()));
        record.ttl = ldns_rr_ttl(rr.get());
        BufferPtr buffer(ldns_buffer_new(512));
        REQUIRE(ldns_rr_rdata2buffer_wire(buffer.get(), rr.get()) == LDNS_STATUS_OK);
        record.rdata.assign(reinterpret_cast<const char*>(ldns_buffer_begin(buffer.get())),
                            ldns_buffer_position(buffer.get()));
        record.where = {file, number, static_cast<std::uint32_t>(start + 1)};
        records.push_back(std::move(record));
    }
    return records;
}

const SourceLocation declared_at{"azdns.toml", 7, 10};

// Builds example.com. from `text`; `report` gets every diagnostic, one a line.
std::shared_ptr<const Zone> build(std::string_view text, std::string& report) {
    Diagnostics diags;
    auto zone = build_zone(wire("example.com."), records_from_text("zone.db", text), declared_at, diags);
    report.clear();
    for (const Diagnostic& d : diags.all()) report += d.to_string() + "\n";
    return zone;
}

// A valid zone to which each check test adds one mistake.
const std::string good = R"(
@    SOA  ns1 hostmaster 1 7200 3600 1209600 300
@    NS   ns1
ns1  A    192.0.2.1
)";

std::vector<std::uint8_t> rdata_of(const RRsetView& rrset) {
    std::vector<std::uint8_t> out;
    for (RdataView rr : rrset) out.insert(out.end(), rr.rdata().begin(), rr.rdata().end());
    return out;
}

}  // namespace

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

    TEST_CASE("a delegation without its glue") {
        std::string report;
        CHECK_FALSE(build(good + "sub NS ns.sub\n", report));
        CHECK(report == "zone.db:5:1: NS target \"ns.sub.example.com.\" has no A or AAAA record in the zone\n");
    }

    TEST_CASE("an in-zone NS target without an address") {
        std::string report;
        CHECK_FALSE(build(good + "@ NS Ns2\nns2 TXT \"no address\"\n", report));
        CHECK(report == "zone.db:5:1: NS target \"Ns2.example.com.\" has no A or AAAA record in the zone\n");
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

namespace {

const Zone& lookup_zone() {
    static const std::shared_ptr<const Zone> zone = [] {
        std::ifstream in(std::string(AZDNS_TEST_DATA_DIR) + "/zones/store/lookup.zone");
        std::stringstream text;
        text << in.rdbuf();
        Diagnostics diags;
        auto built = build_zone(wire("example.com."), records_from_text("lookup.zone", text.str()), declared_at, diags);
        REQUIRE(diags.all().empty());
        REQUIRE(built);
        return built;
    }();
    return *zone;
}

LookupResult lookup(const char* name, std::uint16_t qtype) { return lookup_zone().lookup(wire(name), qtype); }

std::string encloser_name(const char* qname, const LookupResult& result) {
    return name_to_text(wire(qname).substr(result.encloser_offset));
}

}  // namespace

TEST_SUITE("zone lookup") {
    TEST_CASE("zone facts") {
        const Zone& zone = lookup_zone();
        CHECK(zone.origin() == wire("example.com."));
        CHECK(zone.serial() == 2024010101);
        CHECK(zone.soa_minimum() == 300);
        CHECK(zone.soa().ttl() == 3600);
        CHECK(zone.negative_ttl() == 300);
        CHECK(zone.record_count() == 20);
        CHECK(zone.node_count() == 17);
        CHECK(zone.apex().is_apex());
    }

    TEST_CASE("exact match, with the RRs' exact bytes in file order") {
        auto result = lookup("www.example.com.", rr_type::a);
        CHECK(result.status == LookupStatus::answer);
        CHECK_FALSE(result.wildcard);
        CHECK(result.node.name() == wire("www.example.com."));
        CHECK(result.closest_encloser == result.node);
        CHECK(result.encloser_offset == 0);
        REQUIRE(result.answer.size() == 2);
        CHECK(result.answer.ttl() == 3600);
        std::vector<std::vector<std::uint8_t>> wires;
        for (RdataView rr : result.answer) wires.emplace_back(rr.wire().begin(), rr.wire().end());
        CHECK(wires == std::vector<std::vector<std::uint8_t>>{{0, 4, 192, 0, 2, 10}, {0, 4, 192, 0, 2, 11}});
        CHECK(result.answer.wire().size() == 12);
    }

    TEST_CASE("lookups use canonical names, so case does not matter") {
        auto result = lookup("WWW.Example.COM.", txt);
        CHECK(result.status == LookupStatus::answer);
        CHECK(rdata_of(result.answer) == std::vector<std::uint8_t>{5, 'h', 'e', 'l', 'l', 'o'});
    }

    TEST_CASE("CNAME") {
        auto result = lookup("alias.example.com.", rr_type::a);
        CHECK(result.status == LookupStatus::cname);
        CHECK(result.answer.type() == rr_type::cname);
        CHECK(lookup("alias.example.com.", rr_type::cname).status == LookupStatus::answer);
    }

    TEST_CASE("a missing type is nodata with the SOA") {
        auto result = lookup("www.example.com.", rr_type::aaaa);
        CHECK(result.status == LookupStatus::nodata);
        CHECK(result.answer.empty());
        CHECK(result.authority.type() == rr_type::soa);
    }

    TEST_CASE("an empty non-terminal is nodata") {
        for (const char* name : {"b.ent.example.com.", "ent.example.com."}) {
            auto result = lookup(name, rr_type::a);
            CHECK(result.status == LookupStatus::nodata);
            CHECK(result.node.empty());
            CHECK(result.authority.type() == rr_type::soa);
        }
    }

    TEST_CASE("NXDOMAIN names the closest encloser") {
        auto result = lookup("no.such.ent.example.com.", rr_type::a);
        CHECK(result.status == LookupStatus::nxdomain);
        CHECK_FALSE(result.node);
        CHECK(result.closest_encloser.name() == wire("ent.example.com."));
        CHECK(encloser_name("no.such.ent.example.com.", result) == "ent.example.com.");
        CHECK(result.authority.type() == rr_type::soa);
    }

    TEST_CASE("wildcard synthesis") {
        auto result = lookup("anything.wild.example.com.", txt);
        CHECK(result.status == LookupStatus::answer);
        CHECK(result.wildcard);
        CHECK(result.node.name() == wire("*.wild.example.com."));
        CHECK(encloser_name("anything.wild.example.com.", result) == "wild.example.com.");

        auto deeper = lookup("a.b.wild.example.com.", rr_type::a);
        CHECK(deeper.status == LookupStatus::answer);
        CHECK(deeper.wildcard);
        CHECK(rdata_of(deeper.answer) == std::vector<std::uint8_t>{192, 0, 2, 20});

        auto nodata = lookup("anything.wild.example.com.", mx);
        CHECK(nodata.status == LookupStatus::nodata);
        CHECK(nodata.wildcard);
    }

    TEST_CASE("a wildcard CNAME") {
        auto result = lookup("x.wc.example.com.", rr_type::a);
        CHECK(result.status == LookupStatus::cname);
        CHECK(result.wildcard);
        CHECK(rdata_of(result.answer) == std::vector<std::uint8_t>{3, 'w', 'w', 'w', 7, 'e', 'x', 'a', 'm', 'p', 'l',
                                                                    'e', 3, 'c', 'o', 'm', 0});
    }

    TEST_CASE("the wildcard's own name matches literally") {
        auto result = lookup("*.wild.example.com.", txt);
        CHECK(result.status == LookupStatus::answer);
        CHECK_FALSE(result.wildcard);
    }

    TEST_CASE("existing names, even empty ones, block the wildcard") {
        auto exists = lookup("exists.wild.example.com.", txt);
        CHECK(exists.status == LookupStatus::nodata);
        CHECK_FALSE(exists.wildcard);

        auto empty = lookup("empty.wild.example.com.", txt);
        CHECK(empty.status == LookupStatus::nodata);
        CHECK_FALSE(empty.wildcard);

        // Its closest encloser is empty.wild, which has no `*` child.
        auto below_empty = lookup("y.empty.wild.example.com.", txt);
        CHECK(below_empty.status == LookupStatus::nxdomain);
        CHECK(below_empty.closest_encloser.name() == wire("empty.wild.example.com."));
    }

    TEST_CASE("at and below a delegation: the cut's NS RRset, glue findable") {
        for (const char* name : {"sub.example.com.", "www.sub.example.com.", "ns.sub.example.com."}) {
            for (std::uint16_t qtype : {rr_type::a, rr_type::ns}) {
                CAPTURE(name);
                auto result = lookup(name, qtype);
                CHECK(result.status == LookupStatus::delegation);
                CHECK(result.node.name() == wire("sub.example.com."));
                CHECK(result.closest_encloser == result.node);
                CHECK(encloser_name(name, result) == "sub.example.com.");
                CHECK(result.authority.type() == rr_type::ns);
                CHECK(result.authority.size() == 2);
                CHECK(result.answer.empty());
            }
        }
        NodeView glue = lookup_zone().find(wire("ns.sub.example.com."));
        REQUIRE(glue);
        CHECK(glue.is_below_delegation());
        CHECK(rdata_of(glue.rrset(rr_type::a)) == std::vector<std::uint8_t>{192, 0, 2, 40});
        CHECK(lookup_zone().find(wire("sub.example.com.")).is_delegation());
    }

    TEST_CASE("DS at a cut is answered from the parent side") {
        auto ds = lookup("sub.example.com.", rr_type::ds);
        CHECK(ds.status == LookupStatus::answer);
        CHECK(ds.answer.type() == rr_type::ds);

        auto none = lookup("nods.example.com.", rr_type::ds);
        CHECK(none.status == LookupStatus::nodata);
        CHECK(none.authority.type() == rr_type::soa);

        CHECK(lookup("x.sub.example.com.", rr_type::ds).status == LookupStatus::delegation);
    }

    TEST_CASE("the apex answers for itself") {
        CHECK(lookup("example.com.", rr_type::soa).status == LookupStatus::answer);
        auto ns = lookup("example.com.", rr_type::ns);
        CHECK(ns.status == LookupStatus::answer);
        CHECK(ns.answer.size() == 2);
    }

    TEST_CASE("names outside the zone or malformed") {
        CHECK(lookup("example.org.", rr_type::a).status == LookupStatus::not_in_zone);
        CHECK(lookup("com.", rr_type::a).status == LookupStatus::not_in_zone);
        CHECK(lookup("notexample.com.", rr_type::a).status == LookupStatus::not_in_zone);
        CHECK(lookup_zone().lookup(std::string("\3www\7example\3com", 16), rr_type::a).status ==
              LookupStatus::not_in_zone);
        CHECK(lookup_zone().lookup("", rr_type::a).status == LookupStatus::not_in_zone);
        CHECK_FALSE(lookup_zone().find(wire("example.org.")));
    }
}

TEST_SUITE("zone set") {
    TEST_CASE("the longest origin wins; names outside every zone find nothing") {
        Diagnostics diags;
        auto parent = build_zone(wire("example.com."), records_from_text("parent.db", good), declared_at, diags);
        auto child = build_zone(wire("sub.example.com."), records_from_text("child.db", good, "sub.example.com."),
                                declared_at, diags);
        REQUIRE(diags.all().empty());
        ZoneSet zones;
        CHECK(zones.add(parent));
        CHECK(zones.add(child));
        CHECK_FALSE(zones.add(parent));
        CHECK(zones.size() == 2);

        CHECK(zones.find(wire("www.sub.example.com.")) == child.get());
        CHECK(zones.find(wire("sub.example.com.")) == child.get());
        CHECK(zones.find(wire("www.example.com.")) == parent.get());
        CHECK(zones.find(wire("example.com.")) == parent.get());
        CHECK(zones.find(wire("com.")) == nullptr);
        CHECK(zones.find(wire("example.org.")) == nullptr);
        CHECK(zones.find(wire(".")) == nullptr);
    }
}

namespace {

double seconds_since(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

long peak_rss_mib() {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return usage.ru_maxrss / 1024;
}

// host<i>.g<i / 1000>.example.com.: A for every host, AAAA for every other
// one, so there are RRsets of one and of two records and 1000 empty non-terminals.
std::vector<ZoneRecord> generated_zone(std::size_t count) {
    std::vector<ZoneRecord> records = records_from_text("big.db", good);
    records.reserve(count);
    for (std::uint32_t i = 0; records.size() < count; ++i) {
        std::string host = "host" + std::to_string(i);
        std::string group = "g" + std::to_string(i / 1000);
        std::string owner = char(host.size()) + host + char(group.size()) + group + wire("example.com.");
        std::uint32_t line = static_cast<std::uint32_t>(records.size() + 1);
        std::string a{char(10), char(i >> 16), char(i >> 8), char(i)};
        records.push_back({owner, rr_type::a, 1, 3600, a, {"big.db", line, 1}});
        if (i % 2 == 0 && records.size() < count) {
            std::string aaaa(16, '\0');
            aaaa[0] = char(0x20);
            aaaa[15] = char(i);
            records.push_back({owner, rr_type::aaaa, 1, 3600, aaaa, {"big.db", line + 1, 1}});
        }
    }
    return records;
}

}  // namespace

// Run with: test_zone_store --no-skip --test-suite=scale
TEST_SUITE("scale" * doctest::skip()) {
    TEST_CASE("a million records") {
        constexpr std::size_t count = 1'000'000;
        auto start = std::chrono::steady_clock::now();
        auto records = generated_zone(count);
        double generate = seconds_since(start);
        long rss_input = peak_rss_mib();

        start = std::chrono::steady_clock::now();
        Diagnostics diags;
        auto zone = build_zone(wire("example.com."), std::move(records), declared_at, diags);
        double build = seconds_since(start);
        REQUIRE(zone);
        CHECK(diags.all().empty());
        CHECK(zone->record_count() == count);

        std::vector<std::string> names;
        for (std::uint32_t i = 0; i < 1000; ++i) {
            names.push_back(wire(("host" + std::to_string(i * 599) + ".g" + std::to_string(i * 599 / 1000) +
                                  ".example.com.").c_str()));
        }
        start = std::chrono::steady_clock::now();
        std::size_t answers = 0;
        for (int round = 0; round < 1000; ++round) {
            for (const std::string& name : names) {
                answers += zone->lookup(name, rr_type::a).status == LookupStatus::answer;
            }
        }
        double per_lookup_ns = seconds_since(start) * 1e9 / 1e6;
        CHECK(answers == 1'000'000);

        MESSAGE("generate " << generate << " s, build_zone " << build << " s, nodes " << zone->node_count()
                            << ", zone tables " << zone->memory_usage() / (1024 * 1024) << " MiB, peak RSS "
                            << peak_rss_mib() << " MiB (" << rss_input << " MiB before build_zone), lookup "
                            << per_lookup_ns << " ns");
    }
}
