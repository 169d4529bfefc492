// Lookups per RFC 1034 section 4.3.2 and RFC 4592 (wildcards), and the ZoneSet.
#include <doctest/doctest.h>

#include <fstream>
#include <sstream>

#include "zone_set.hpp"
#include "zone_test_support.hpp"

using namespace azdns;
using namespace azdns::test;

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

// example.com. and its child zone sub.example.com., both built from `good`.
std::pair<std::shared_ptr<const Zone>, std::shared_ptr<const Zone>> parent_and_child() {
    Diagnostics diags;
    auto parent = build_zone(wire("example.com."), records_from_text("parent.db", good), declared_at, diags);
    auto child = build_zone(wire("sub.example.com."), records_from_text("child.db", good, "sub.example.com."),
                            declared_at, diags);
    REQUIRE(diags.all().empty());
    return {parent, child};
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

    TEST_CASE("every node's full name, written into a caller's buffer: the apex, empty non-terminals, 255 bytes") {
        const Zone& zone = lookup_zone();
        std::array<char, max_name_length> buffer;
        auto written = [&](const NodeView& node) { return std::string(buffer.data(), node.write_name(buffer)); };
        CHECK(written(zone.apex()) == wire("example.com."));
        CHECK(written(zone.find(wire("ent.example.com."))) == wire("ent.example.com."));
        CHECK(written(zone.find(wire("*.wild.example.com."))) == wire("*.wild.example.com."));
        for (std::size_t n = 0; n < zone.node_count(); ++n) CHECK(written(zone.node(n)) == zone.node(n).name());

        // The longest name there is: four labels of 63 below a one-byte origin.
        std::string label(63, 'x');
        std::string longest = label + "." + label + "." + label + "." + std::string(61, 'y') + ".";
        REQUIRE(wire(longest.c_str()).size() == max_name_length);
        Diagnostics diags;
        auto root = build_zone(wire("."), records_from_text("root.db", good + longest + " TXT \"long\"\n", "."),
                               declared_at, diags);
        REQUIRE(root);
        CHECK(written(root->find(wire(longest.c_str()))) == wire(longest.c_str()));
        CHECK(written(root->apex()) == wire("."));
    }

    TEST_CASE("prefetching: a token for any name below the apex, none for the apex or a name outside") {
        const Zone& zone = lookup_zone();
        for (const char* name : {"www.example.com.", "deep.below.sub.example.com.", "no-such-name.example.com."}) {
            CAPTURE(name);
            std::optional<std::uint64_t> token = zone.prefetch_slot(wire(name));
            REQUIRE(token.has_value());
            zone.prefetch_block(*token);
        }
        // The last bytes of "x\007example.com." spell example.com.'s wire
        // form, but inside a label: it is a name in com., not in example.com.
        for (const char* name : {"example.com.", "example.net.", "x\\007example.com.", "com."}) {
            CAPTURE(name);
            CHECK_FALSE(zone.prefetch_slot(wire(name)).has_value());
        }
        // The first step of "www" is one the lookup takes: its token is the same
        // for every name below it.
        CHECK(zone.prefetch_slot(wire("a.www.example.com.")) == zone.prefetch_slot(wire("www.example.com.")));
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

    TEST_CASE("below a DNAME: the owner's DNAME RRset, and where the owner starts in the query name") {
        std::string report;
        auto zone = build(good + "d 600 DNAME example.net.\nd A 192.0.2.9\n", report);
        REQUIRE(zone);
        auto result = zone->lookup(wire("x.y.d.example.com."), rr_type::a);
        CHECK(result.status == LookupStatus::dname);
        CHECK(result.node.name() == wire("d.example.com."));
        CHECK(result.closest_encloser == result.node);
        CHECK(result.encloser_offset == 4);
        CHECK(result.answer.type() == rr_type::dname);
        CHECK(result.answer.ttl() == 600);
        CHECK(rdata_of(result.answer) ==
              std::vector<std::uint8_t>{7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'n', 'e', 't', 0});
        CHECK(zone->lookup(wire("x.d.example.com."), rr_type::dname).status == LookupStatus::dname);
        // The owner itself holds ordinary data.
        CHECK(zone->lookup(wire("d.example.com."), rr_type::a).status == LookupStatus::answer);
        CHECK(zone->lookup(wire("d.example.com."), rr_type::dname).status == LookupStatus::answer);
        CHECK(zone->lookup(wire("d.example.com."), txt).status == LookupStatus::nodata);
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
        auto [parent, child] = parent_and_child();
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

    TEST_CASE("DS is answered by the zone of the parent name when one is served (RFC 4035 section 3.1.4.1)") {
        auto [parent, child] = parent_and_child();
        ZoneSet both;
        REQUIRE(both.add(parent, 4));
        REQUIRE(both.add(child, 7));
        std::uint32_t slot = 99;
        CHECK(both.find_for_ds(wire("sub.example.com."), slot) == parent.get());
        CHECK(slot == 4);
        CHECK(both.find_for_ds(wire("www.sub.example.com."), slot) == child.get());
        CHECK(slot == 7);
        CHECK(both.find_for_ds(wire("example.com."), slot) == parent.get());
        CHECK(both.find_for_ds(wire("example.org."), slot) == nullptr);
        CHECK(both.find_for_ds(wire("."), slot) == nullptr);

        ZoneSet child_only;
        REQUIRE(child_only.add(child));
        CHECK(child_only.find_for_ds(wire("sub.example.com."), slot) == child.get());
        CHECK(slot == 0);
    }

    TEST_CASE("an unavailable origin (a secondary with no zone yet) is found as such, with its slot") {
        auto [parent, child] = parent_and_child();
        ZoneSet zones;
        REQUIRE(zones.add(parent, 0));
        REQUIRE(zones.add_unavailable(wire("sub.example.com."), 3));
        CHECK_FALSE(zones.add(child));  // the origin is taken
        std::uint32_t slot = 99;
        CHECK(zones.find(wire("www.sub.example.com."), slot) == nullptr);
        CHECK(slot == 3);  // covered, but with nothing to serve
        slot = 99;
        CHECK(zones.find(wire("www.example.com."), slot) == parent.get());
        CHECK(slot == 0);
        slot = 99;
        CHECK(zones.find(wire("example.org."), slot) == nullptr);
        CHECK(slot == 99);  // not covered at all
        CHECK(zones.all().size() == 1);
        CHECK(zones.origins().at(3) == wire("sub.example.com."));
        CHECK(zones.shared(wire("sub.example.com."), slot) == nullptr);
    }

    TEST_CASE("hundreds of zones, nested and side by side: each name finds its own, with its slot") {
        // Enough zones that the set's table grows several times after the first ones.
        Diagnostics diags;
        auto zone_at = [&](const std::string& origin) {
            auto zone = build_zone(wire(origin.c_str()), records_from_text(origin, good, origin.c_str()), declared_at,
                                   diags);
            REQUIRE(zone);
            return zone;
        };
        ZoneSet zones;
        std::vector<std::shared_ptr<const Zone>> tenants;
        auto parent = zone_at("example.com.");
        CHECK(zones.add(parent, 7));
        for (int i = 0; i < 300; ++i) {
            tenants.push_back(zone_at("t" + std::to_string(i) + ".example.com."));
            CHECK(zones.add(tenants.back(), static_cast<std::uint32_t>(100 + i)));
        }
        auto nested = zone_at("deep.t5.example.com.");
        CHECK(zones.add(nested, 2));
        CHECK_FALSE(zones.add(zone_at("t9.example.com.")));
        CHECK(zones.size() == 302);

        for (int i = 0; i < 300; ++i) {
            std::uint32_t slot = 0;
            std::string name = "www.t" + std::to_string(i) + ".example.com.";
            CHECK(zones.find(wire(name.c_str()), slot) == tenants[static_cast<std::size_t>(i)].get());
            CHECK(slot == static_cast<std::uint32_t>(100 + i));
        }
        std::uint32_t slot = 0;
        CHECK(zones.find(wire("a.deep.t5.example.com."), slot) == nested.get());
        CHECK(slot == 2);
        CHECK(zones.find(wire("t300.example.com."), slot) == parent.get());
        CHECK(slot == 7);
        slot = 99;
        CHECK(zones.find(wire("t1.example.org."), slot) == nullptr);
        CHECK(slot == 99);  // unchanged when no zone covers the name

        auto origins = zones.origins();
        REQUIRE(origins.size() == 400);
        CHECK(origins[7] == wire("example.com."));
        CHECK(origins[2] == wire("deep.t5.example.com."));
        CHECK(origins[399] == wire("t299.example.com."));
        CHECK(origins[50].empty());
        CHECK(zones.all().size() == 302);
    }

    TEST_CASE("a root zone covers every name that no other zone does") {
        Diagnostics diags;
        auto root = build_zone(wire("."), records_from_text("root.db", good, "."), declared_at, diags);
        auto child = build_zone(wire("example.com."), records_from_text("child.db", good), declared_at, diags);
        REQUIRE(root);
        REQUIRE(child);
        ZoneSet zones;
        CHECK(zones.add(root));
        CHECK(zones.add(child));
        CHECK(zones.find(wire("www.example.com.")) == child.get());
        CHECK(zones.find(wire("example.org.")) == root.get());
        CHECK(zones.find(wire(".")) == root.get());
    }
}
