// What changed between two views of a zone (zone_diff.hpp): after a health
// change (the same zone) and after a reload (a new zone). Every delta is
// also checked by applying it: the old view minus `removed` plus `added` is
// the new view.
#include "zone_diff.hpp"

#include "health_index.hpp"
#include "transfer_test_support.hpp"
#include "zone_set.hpp"
#include "zone_test_support.hpp"

using namespace azdns;
using namespace azdns::transfer_test;
using namespace azdns::health_test;

namespace {

const Zone& health_zone() { return *health_zones().find(wire_name("example.com.")); }

// A view's records without its SOA, sorted: what a delta changes.
Lines contents(const Zone& zone, const HealthView* view) {
    Lines lines = view_lines(zone, view, 1);
    lines.erase(lines.begin());
    return sorted(lines);
}

// Applies `delta` to the old view as an IXFR client would: removals first.
void check_applies(const Zone& old_zone, const HealthView* old_view, const Zone& new_zone, const HealthView* new_view,
                   const ZoneDelta& delta) {
    Lines lines = contents(old_zone, old_view);
    for (const std::string& gone : list_lines(delta.removed)) {
        auto at = std::find(lines.begin(), lines.end(), gone);
        REQUIRE_MESSAGE(at != lines.end(), "removed but not there: " << gone);
        lines.erase(at);
    }
    for (const std::string& added : list_lines(delta.added)) lines.push_back(added);
    CHECK(sorted(lines) == contents(new_zone, new_view));
}

ZoneDelta diff_checked(const Zone& old_zone, const HealthView* old_view, const Zone& new_zone,
                       const HealthView* new_view) {
    ZoneDelta delta = diff_views(old_zone, old_view, new_zone, new_view);
    check_applies(old_zone, old_view, new_zone, new_view, delta);
    return delta;
}

const char* const before_reload = R"(
@      SOA   ns1 hostmaster 1 7200 3600 1209600 300
@      NS    ns1
ns1    A     192.0.2.1
www    A     10.1.0.10
www    A     10.2.0.10
www    TXT   "old"
gone   A     192.0.2.7
gone   TXT   "gone too"
same   MX    10 mail
ttl    A     192.0.2.8
)";

const char* const after_reload = R"(
@      SOA   ns1 hostmaster 2 7200 3600 1209600 300
@      NS    ns1
ns1    A     192.0.2.1
www    A     10.1.0.10
www    A     10.2.0.10
www    A     10.2.0.11
www    TXT   "new"
same   MX    10 mail
ttl 60 A     192.0.2.8
new    AAAA  2001:db8::1
)";

}  // namespace

TEST_SUITE("zone diff") {
    TEST_CASE("a health change: the RRsets it filters, each removed whole and added whole") {
        // fo (failover, prefers a) serves a's address alone either way, at
        // the degraded TTL once health removed b's.
        auto healthy = view_of(Health{});
        auto fenced = view_of(Health{}.fence("b"));
        ZoneDelta delta = diff_checked(health_zone(), healthy.get(), health_zone(), fenced.get());
        CHECK(list_lines(delta.removed) == Lines{
                                               "www.example.com. 60 IN A 10.1.0.10",
                                               "www.example.com. 60 IN A 10.2.0.10",
                                               "www.example.com. 60 IN AAAA 2001:db8:b::10",
                                               "fo.example.com. 60 IN A 10.1.0.20",
                                               "mail.example.com. 60 IN A 10.1.0.25",
                                               "mail.example.com. 60 IN A 10.2.0.25",
                                           });
        CHECK(list_lines(delta.added) == Lines{
                                             "www.example.com. 20 IN A 10.1.0.10",
                                             "www.example.com. 10 IN AAAA 2001:db8:b::10",
                                             "fo.example.com. 20 IN A 10.1.0.20",
                                             "mail.example.com. 20 IN A 10.1.0.25",
                                         });
        // And back.
        ZoneDelta back = diff_checked(health_zone(), fenced.get(), health_zone(), healthy.get());
        CHECK(list_lines(back.removed) == list_lines(delta.added));
        CHECK(list_lines(back.added) == list_lines(delta.removed));
    }

    TEST_CASE("views of one index (the usual health change) give the same delta as views of two") {
        const Config config = make_config();
        Health fenced = Health{}.fence("b").endpoint("10.1.0.20", EndpointStatus::down, "a");
        std::vector<EndpointId> probed;
        for (const EndpointView& e : fenced.snapshot.endpoints) probed.push_back(e.id);
        auto index = HealthIndex::build(health_zones(), config, probed);
        auto one = HealthView::build(index, Health{}.snapshot);
        auto two = HealthView::build(index, fenced.snapshot);
        REQUIRE(&one->index() == &two->index());
        ZoneDelta shared = diff_checked(health_zone(), one.get(), health_zone(), two.get());
        ZoneDelta apart = diff_checked(health_zone(), view_of(Health{}).get(), health_zone(),
                                       HealthView::build(health_zones(), config, fenced.snapshot).get());
        CHECK_FALSE(shared.empty());
        CHECK(list_lines(shared.removed) == list_lines(apart.removed));
        CHECK(list_lines(shared.added) == list_lines(apart.added));
    }

    TEST_CASE("no change, no delta; the raw view against a filtered one differs only where it filters") {
        auto fenced = view_of(Health{}.fence("a"));
        CHECK(diff_checked(health_zone(), fenced.get(), health_zone(), fenced.get()).empty());
        CHECK(diff_checked(health_zone(), nullptr, health_zone(), nullptr).empty());
        ZoneDelta to_raw = diff_checked(health_zone(), fenced.get(), health_zone(), nullptr);
        CHECK(list_lines(to_raw.added) == Lines{
                                              "www.example.com. 3600 IN A 10.1.0.10",
                                              "www.example.com. 3600 IN A 10.2.0.10",
                                              "www.example.com. 3600 IN AAAA 2001:db8:b::10",
                                              "fo.example.com. 3600 IN A 10.1.0.20",
                                              "fo.example.com. 3600 IN A 10.2.0.20",
                                              "mail.example.com. 3600 IN A 10.1.0.25",
                                              "mail.example.com. 3600 IN A 10.2.0.25",
                                              "short.example.com. 30 IN A 10.1.0.30",
                                              "mixed.example.com. 3600 IN A 10.1.0.40",
                                              "mixed.example.com. 3600 IN A 192.0.2.40",
                                          });
        diff_checked(health_zone(), nullptr, health_zone(), fenced.get());
    }

    TEST_CASE("a reload: changed, added and removed RRsets and names, a TTL change; the SOA left out") {
        BuiltZone old_zone(before_reload), new_zone(after_reload);
        ZoneDelta delta = diff_checked(*old_zone.zone, nullptr, *new_zone.zone, nullptr);
        CHECK(list_lines(delta.removed) == Lines{
                                               "www.example.com. 3600 IN A 10.1.0.10",
                                               "www.example.com. 3600 IN A 10.2.0.10",
                                               "www.example.com. 3600 IN TXT \"old\"",
                                               "ttl.example.com. 3600 IN A 192.0.2.8",
                                               "gone.example.com. 3600 IN A 192.0.2.7",
                                               "gone.example.com. 3600 IN TXT \"gone too\"",
                                           });
        CHECK(list_lines(delta.added) == Lines{
                                             "www.example.com. 3600 IN A 10.1.0.10",
                                             "www.example.com. 3600 IN A 10.2.0.10",
                                             "www.example.com. 3600 IN A 10.2.0.11",
                                             "www.example.com. 3600 IN TXT \"new\"",
                                             "ttl.example.com. 60 IN A 192.0.2.8",
                                             "new.example.com. 3600 IN AAAA 2001:db8::1",
                                         });
    }

    TEST_CASE("a reload seen through filtered views: each side filtered by its own view") {
        BuiltZone old_zone(before_reload), new_zone(after_reload);
        auto old_view = old_zone.view(Health{}.fence("b"));
        auto new_view = new_zone.view(Health{}.fence("a"));
        ZoneDelta delta = diff_checked(*old_zone.zone, old_view.get(), *new_zone.zone, new_view.get());
        CHECK(list_lines(delta.removed)[0] == "www.example.com. 20 IN A 10.1.0.10");
        CHECK(list_lines(delta.added)[0] == "www.example.com. 20 IN A 10.2.0.10");
        // The same zones with no health change between them: only the reload.
        auto same_health = new_zone.view(Health{}.fence("b"));
        diff_checked(*old_zone.zone, old_view.get(), *new_zone.zone, same_health.get());
    }
}
