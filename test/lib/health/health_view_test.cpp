// Health-filtered answers, packet in and packet out: which A/AAAA records
// stay, their TTL, and the all-down policies (spec: "Answer semantics").
#include "health_view.hpp"

#include "health_explain.hpp"
#include "health_index.hpp"
#include "health_targets.hpp"

#include "health_test_support.hpp"

using namespace azdns;
using namespace azdns::answer_test;
using namespace azdns::health_test;

TEST_SUITE("health_view") {
    TEST_CASE("no HealthView: answers unchanged") {
        auto r = ask_health("www.example.com.", A, nullptr);
        CHECK(r.answer == Lines{"www.example.com. 3600 IN A 10.1.0.10", "www.example.com. 3600 IN A 10.2.0.10"});
    }

    TEST_CASE("all healthy: every address, TTL capped by ttl.max") {
        auto view = view_of(Health{});
        auto r = ask_health("www.example.com.", A, view.get());
        CHECK(r.rcode() == LDNS_RCODE_NOERROR);
        CHECK(r.answer == Lines{"www.example.com. 60 IN A 10.1.0.10", "www.example.com. 60 IN A 10.2.0.10"});
        // A zone TTL below ttl.max stays.
        CHECK(ask_health("short.example.com.", A, view.get()).answer == Lines{"short.example.com. 30 IN A 10.1.0.30"});
        // Addresses in no AZ and not probed: untouched, TTL too.
        CHECK(ask_health("plain.example.com.", A, view.get()).answer ==
              Lines{"plain.example.com. 3600 IN A 192.0.2.99"});
    }

    TEST_CASE("fenced AZ: its addresses go, TTL degraded") {
        auto view = view_of(Health{}.fence("b"));
        auto r = ask_health("www.example.com.", A, view.get());
        CHECK(r.rcode() == LDNS_RCODE_NOERROR);
        CHECK(r.aa());
        CHECK(r.answer == Lines{"www.example.com. 20 IN A 10.1.0.10"});
        // Through a CNAME too.
        auto c = ask_health("alias.example.com.", A, view.get());
        CHECK(c.answer == Lines{"alias.example.com. 3600 IN CNAME www.example.com.", "www.example.com. 20 IN A 10.1.0.10"});
        // Addresses in no AZ stay beside a fenced one.
        auto m = ask_health("mixed.example.com.", A, view_of(Health{}.fence("a")).get());
        CHECK(m.answer == Lines{"mixed.example.com. 20 IN A 192.0.2.40"});
    }

    TEST_CASE("a probed endpoint that is down is removed; unknown counts as up") {
        auto view = view_of(Health{}
                                .endpoint("10.1.0.10", EndpointStatus::down, "a")
                                .endpoint("10.2.0.10", EndpointStatus::unknown, "b"));
        auto r = ask_health("www.example.com.", A, view.get());
        CHECK(r.answer == Lines{"www.example.com. 20 IN A 10.2.0.10"});
        // Another check's verdict does not apply to this service.
        auto other = view_of(Health{}.endpoint("10.1.0.10", EndpointStatus::down, "a", "other"));
        CHECK(ask_health("www.example.com.", A, other.get()).answer ==
              Lines{"www.example.com. 60 IN A 10.1.0.10", "www.example.com. 60 IN A 10.2.0.10"});
    }

    TEST_CASE("all down, serve-all: every address with ttl.all_down") {
        auto view = view_of(Health{}.fence("a").fence("b", FenceReason::health));
        auto r = ask_health("www.example.com.", A, view.get());
        CHECK(r.rcode() == LDNS_RCODE_NOERROR);
        CHECK(r.answer == Lines{"www.example.com. 10 IN A 10.1.0.10", "www.example.com. 10 IN A 10.2.0.10"});
    }

    TEST_CASE("all down, servfail: SERVFAIL with no records") {
        auto view = view_of(Health{}.fence("a").fence("b"), AllDownPolicy::servfail);
        auto r = ask_health("www.example.com.", A, view.get());
        CHECK(r.rcode() == LDNS_RCODE_SERVFAIL);
        CHECK_FALSE(r.aa());
        CHECK(r.answer.empty());
        CHECK(r.authority.empty());
        CHECK(r.additional.empty());
        CHECK_FALSE(r.has_opt());
        // An EDNS client learns why (RFC 8914): INFO-CODE 0 (Other) and a reason.
        auto edns = ask_zones(make_query("www.example.com.", A, {.edns = true}), health_zones(), Transport::udp, {},
                              view.get());
        CHECK(edns.rcode() == LDNS_RCODE_SERVFAIL);
        CHECK(extended_error(edns) == "0 all addresses of this name are down");
        // Via a CNAME as well.
        CHECK(ask_health("alias.example.com.", A, view.get()).rcode() == LDNS_RCODE_SERVFAIL);
        // Other types at the name are unaffected.
        CHECK(ask_health("www.example.com.", TXT, view.get()).rcode() == LDNS_RCODE_NOERROR);
    }

    TEST_CASE("all down, nodata: NOERROR, empty answer, SOA") {
        auto view = view_of(Health{}.fence("a").fence("b"), AllDownPolicy::nodata);
        auto r = ask_health("www.example.com.", A, view.get());
        CHECK(r.rcode() == LDNS_RCODE_NOERROR);
        CHECK(r.aa());
        CHECK(r.answer.empty());
        CHECK(r.authority == Lines{"example.com. 300 IN SOA ns1.example.com. hostmaster.example.com. 2024010101 7200 3600 1209600 300"});
        auto c = ask_health("alias.example.com.", A, view.get());
        CHECK(c.answer == Lines{"alias.example.com. 3600 IN CNAME www.example.com."});
        CHECK(c.authority.size() == 1);
    }

    TEST_CASE("AAAA filtered the same way") {
        auto view = view_of(Health{}.fence("b"));
        auto r = ask_health("www.example.com.", AAAA, view.get());
        CHECK(r.answer == Lines{"www.example.com. 10 IN AAAA 2001:db8:b::10"});  // all down: serve-all
    }

    TEST_CASE("failover: the first preferred AZ with an address up") {
        auto up = view_of(Health{});
        // Choosing an AZ removes nothing from service: the healthy TTL (3600, capped at ttl.max).
        CHECK(ask_health("fo.example.com.", A, up.get()).answer == Lines{"fo.example.com. 60 IN A 10.1.0.20"});
        auto a_fenced = view_of(Health{}.fence("a"));
        CHECK(ask_health("fo.example.com.", A, a_fenced.get()).answer == Lines{"fo.example.com. 20 IN A 10.2.0.20"});
        auto a_down = view_of(Health{}.endpoint("10.1.0.20", EndpointStatus::down, "a"));
        CHECK(ask_health("fo.example.com.", A, a_down.get()).answer == Lines{"fo.example.com. 20 IN A 10.2.0.20"});
        auto none = view_of(Health{}.fence("a").fence("b"), AllDownPolicy::servfail);
        CHECK(ask_health("fo.example.com.", A, none.get()).rcode() == LDNS_RCODE_SERVFAIL);
    }

    TEST_CASE("A and AAAA reached through a DNAME are filtered, as through a CNAME") {
        auto view = view_of(Health{}.fence("b"));
        auto r = ask_health("www.dn.example.com.", A, view.get());
        CHECK(r.answer == Lines{"dn.example.com. 3600 IN DNAME example.com.",
                                "www.dn.example.com. 3600 IN CNAME www.example.com.", "www.example.com. 20 IN A 10.1.0.10"});
        auto none = view_of(Health{}.fence("a").fence("b"), AllDownPolicy::servfail);
        CHECK(ask_health("www.dn.example.com.", AAAA, none.get()).rcode() == LDNS_RCODE_SERVFAIL);
    }

    TEST_CASE("glue is never filtered") {
        auto view = view_of(Health{}.fence("b").endpoint("10.2.0.53", EndpointStatus::down, "b"),
                            AllDownPolicy::servfail);
        auto r = ask_health("host.sub.example.com.", A, view.get());
        CHECK_FALSE(r.aa());
        CHECK(r.authority == Lines{"sub.example.com. 3600 IN NS ns.sub.example.com."});
        CHECK(r.additional == Lines{"ns.sub.example.com. 3600 IN A 10.2.0.53"});
    }

    TEST_CASE("additional A/AAAA for an MX target is filtered") {
        auto view = view_of(Health{}.fence("b"));
        auto r = ask_health("example.com.", MX, view.get());
        CHECK(r.answer == Lines{"example.com. 3600 IN MX 10 mail.example.com."});
        CHECK(r.additional == Lines{"mail.example.com. 20 IN A 10.1.0.25"});
        // All down under servfail/nodata: the additional RRset is left out, the answer stands.
        auto none = view_of(Health{}.fence("a").fence("b"), AllDownPolicy::nodata);
        auto n = ask_health("example.com.", MX, none.get());
        CHECK(n.rcode() == LDNS_RCODE_NOERROR);
        CHECK(n.answer.size() == 1);
        CHECK(n.additional.empty());
    }

    TEST_CASE("the view holds only RRsets with AZ or probed addresses") {
        auto view = view_of(Health{});
        // www A, www AAAA, fo, mail, short, mixed (ns.sub is glue, plain/ns1 in no AZ).
        CHECK(view->size() == 6);
    }

    TEST_CASE("one index, many views: each answers byte for byte as a view built alone, and alike when rebuilt") {
        // What the monitor does: the probed set is fixed per zones and every
        // snapshot reports on all of it; 192.0.2.99 is probed off any service.
        const char* probed[] = {"10.1.0.10", "10.1.0.20", "10.2.0.10", "10.2.0.20", "2001:db8:b::10", "192.0.2.99"};
        auto with = [&](std::initializer_list<const char*> down, EndpointStatus others = EndpointStatus::up) {
            Health h;
            for (const char* address : probed) {
                bool is_down = std::find_if(down.begin(), down.end(), [&](const char* d) {
                                   return std::string(d) == address;
                               }) != down.end();
                h.endpoint(address, is_down ? EndpointStatus::down : others, "");
            }
            return h;
        };
        std::vector<Health> states = {with({}), with({}, EndpointStatus::unknown), with({"10.1.0.10"}).fence("b"),
                                      with({"10.2.0.20", "192.0.2.99"}).fence("a"),
                                      with({"10.1.0.10", "10.2.0.10", "10.1.0.20"}),
                                      Health(with({})).fence("a").fence("b", FenceReason::health)};
        const std::pair<const char*, std::uint16_t> questions[] = {
            {"www.example.com.", A},   {"www.example.com.", AAAA},  {"fo.example.com.", A},
            {"mail.example.com.", A},  {"short.example.com.", A},   {"mixed.example.com.", A},
            {"plain.example.com.", A}, {"alias.example.com.", A},   {"example.com.", MX},
            {"host.sub.example.com.", A}, {"ns1.example.com.", A}};
        for (AllDownPolicy policy : {AllDownPolicy::serve_all, AllDownPolicy::servfail, AllDownPolicy::nodata}) {
            std::vector<EndpointId> ids;
            for (const char* address : probed) ids.push_back({ip(address), "web"});
            auto index = HealthIndex::build(health_zones(), make_config(policy), ids);
            for (const Health& h : states) {
                auto alone = view_of(h, policy);
                auto first = HealthView::build(index, h.snapshot);
                auto again = HealthView::build(index, h.snapshot);
                CHECK(first->size() == alone->size());
                for (auto [name, type] : questions) {
                    CAPTURE(name);
                    std::vector<std::uint8_t> expected = ask_health(name, type, alone.get()).wire;
                    CHECK(ask_health(name, type, first.get()).wire == expected);
                    CHECK(ask_health(name, type, again.get()).wire == expected);
                }
            }
        }
    }

    TEST_CASE("targets: one endpoint per address of each service's A/AAAA, with its AZ; glue and others not probed") {
        Config config = make_config();
        CheckConfig web;
        web.name = "web";
        config.checks = {web};
        HealthTargets targets = find_health_targets(health_zones(), config);
        std::vector<std::string> seen;
        for (const HealthTarget& t : targets.endpoints) seen.push_back(t.id.to_string() + " " + t.az);
        CHECK(seen == std::vector<std::string>{"10.1.0.10 web a", "10.1.0.20 web a", "10.2.0.10 web b",
                                               "10.2.0.20 web b", "2001:db8:b::10 web b"});
        CHECK(targets.service_azs.at(wire_name("www.example.com.")) == std::set<std::string>{"a", "b"});
        CHECK(targets.service_azs.at(wire_name("fo.example.com.")) == std::set<std::string>{"a", "b"});
    }

    TEST_CASE("targets: at most max_endpoints, whole services in config order; the rest left unprobed and said so") {
        Config config = make_config();  // www (3 addresses), then fo (2)
        CheckConfig web;
        web.name = "web";
        config.checks = {web};
        const HealthTargets all = find_health_targets(health_zones(), config, 5);
        CHECK(all.endpoints.size() == 5);
        CHECK(all.unprobed.empty());
        CHECK(unprobed_services_text(all, 5).empty());

        // fo would pass 4: none of its addresses is probed, not one of them.
        const HealthTargets capped = find_health_targets(health_zones(), config, 4);
        std::vector<std::string> seen;
        for (const HealthTarget& t : capped.endpoints) seen.push_back(t.id.to_string());
        CHECK(seen == std::vector<std::string>{"10.1.0.10 web", "10.2.0.10 web", "2001:db8:b::10 web"});
        REQUIRE(capped.unprobed.size() == 1);
        CHECK(capped.unprobed[0]->name == wire_name("fo.example.com."));
        CHECK(capped.endpoints_asked == 5);
        CHECK(capped.service_azs.at(wire_name("fo.example.com.")) == std::set<std::string>{"a", "b"});
        CHECK(unprobed_services_text(capped, 4) ==
              "the services ask for 5 endpoints to probe, more than 4: service \"fo.example.com.\" would pass the "
              "limit, so none of their addresses is probed (they are served as they are)");

        // Once one service is left out, so is every one after it, even one that would fit.
        const HealthTargets first_too_big = find_health_targets(health_zones(), config, 2);
        CHECK(first_too_big.endpoints.empty());
        CHECK(first_too_big.unprobed.size() == 2);
        CHECK(unprobed_services_text(first_too_big, 2).find("service \"www.example.com.\" and the 1 after it") !=
              std::string::npos);
    }

    TEST_CASE("explain: each address in or out with the reason, and the TTL rule, as the answer has it") {
        Health h;
        h.fence("a").endpoint("10.2.0.10", EndpointStatus::up, "b");
        h.snapshot.azs[0].manual = ManualFence{"maintenance", std::nullopt};
        auto view = view_of(h);
        HealthExplanation why =
            explain_health(health_zones(), view.get(), make_config(), h.snapshot, wire_name("www.example.com."), A);
        REQUIRE(why.service != nullptr);
        REQUIRE(why.addresses.size() == 2);
        CHECK(why.addresses[0].address.to_string() == "10.1.0.10");
        CHECK_FALSE(why.addresses[0].in);
        CHECK(why.addresses[0].why == "AZ a fenced by hand: maintenance");
        CHECK(why.addresses[1].in);
        CHECK(why.addresses[1].why == "AZ b up, endpoint up");
        CHECK(why.ttl == 20);
        CHECK(why.ttl_rule.starts_with("ttl.degraded"));

        HealthExplanation all_well =
            explain_health(health_zones(), view_of(Health{}).get(), make_config(), Health{}.snapshot,
                           wire_name("short.example.com."), A);
        CHECK(all_well.ttl == 30);
        CHECK(all_well.ttl_rule.starts_with("the zone's TTL: below ttl.max"));

        HealthExplanation plain = explain_health(health_zones(), view.get(), make_config(), h.snapshot,
                                                 wire_name("plain.example.com."), A);
        REQUIRE(plain.addresses.size() == 1);
        CHECK(plain.addresses[0].in);
        CHECK(plain.addresses[0].why == "in no AZ and not probed: never filtered");
        CHECK(plain.ttl == 3600);

        HealthExplanation mx = explain_health(health_zones(), view.get(), make_config(), h.snapshot,
                                              wire_name("example.com."), 15);
        CHECK_FALSE(mx.has_rrset);
        CHECK(mx.addresses.empty());
    }

    // make_config() with ttl.healthy = "auto", the service's check `web`
    // and a slower `other` that probes nothing here.
    Config detection_ttl_config(Duration web_interval, unsigned web_fall, std::uint32_t healthy_min = 1) {
        Config config = make_config();
        config.ttl.healthy_rule = HealthyTtlRule::detection;
        config.ttl.healthy_min = healthy_min;
        CheckConfig web;
        web.name = "web";
        web.interval = web_interval;
        web.fall = web_fall;
        CheckConfig other;
        other.name = "other";
        other.interval = Duration{10'000};
        other.fall = 2;
        config.checks = {web, other};
        return config;
    }

    Lines answer_with(const Config& config, const Health& h, const char* name) {
        auto view = HealthView::build(health_zones(), config, h.snapshot);
        return ask_health(name, A, view.get()).answer;
    }

    TEST_CASE("ttl.healthy auto: a healthy answer lives as long as its checks take to see a failure") {
        Health probed;
        probed.endpoint("10.1.0.10", EndpointStatus::up, "a").endpoint("10.2.0.10", EndpointStatus::up, "b");
        // interval 1 s x fall 2: a failure shows within 2 s, so clients hold the answer 2 s.
        CHECK(answer_with(detection_ttl_config(Duration{1'000}, 2), probed, "www.example.com.") ==
              Lines{"www.example.com. 2 IN A 10.1.0.10", "www.example.com. 2 IN A 10.2.0.10"});
        // 1.5 s x 3 = 4.5 s, rounded up.
        CHECK(answer_with(detection_ttl_config(Duration{1'500}, 3), probed, "www.example.com.") ==
              Lines{"www.example.com. 5 IN A 10.1.0.10", "www.example.com. 5 IN A 10.2.0.10"});
        // Never above ttl.max (60), never below ttl.healthy_min.
        CHECK(answer_with(detection_ttl_config(Duration{40'000}, 3), probed, "www.example.com.") ==
              Lines{"www.example.com. 60 IN A 10.1.0.10", "www.example.com. 60 IN A 10.2.0.10"});
        CHECK(answer_with(detection_ttl_config(Duration{1'000}, 2, 7), probed, "www.example.com.") ==
              Lines{"www.example.com. 7 IN A 10.1.0.10", "www.example.com. 7 IN A 10.2.0.10"});
        // An RRset no check probes goes with its AZ, which every check
        // decides: the slowest of them (other, 20 s) sets it.
        CHECK(answer_with(detection_ttl_config(Duration{1'000}, 2), probed, "short.example.com.") ==
              Lines{"short.example.com. 20 IN A 10.1.0.30"});
        // A removed address still makes it ttl.degraded; untouched names keep the zone's TTL.
        Health fenced = probed;
        fenced.fence("b");
        CHECK(answer_with(detection_ttl_config(Duration{1'000}, 2), fenced, "www.example.com.") ==
              Lines{"www.example.com. 20 IN A 10.1.0.10"});
        CHECK(answer_with(detection_ttl_config(Duration{1'000}, 2), probed, "plain.example.com.") ==
              Lines{"plain.example.com. 3600 IN A 192.0.2.99"});
    }

    TEST_CASE("ttl.healthy fixed: that TTL while all is well, the zone's when lower") {
        Config config = make_config();
        config.ttl.healthy_rule = HealthyTtlRule::fixed;
        config.ttl.healthy = 45;
        CHECK(answer_with(config, Health{}, "www.example.com.") ==
              Lines{"www.example.com. 45 IN A 10.1.0.10", "www.example.com. 45 IN A 10.2.0.10"});
        CHECK(answer_with(config, Health{}, "short.example.com.") == Lines{"short.example.com. 30 IN A 10.1.0.30"});
        HealthExplanation why = explain_health(health_zones(), HealthView::build(health_zones(), config, {}).get(),
                                               config, Health{}.snapshot, wire_name("short.example.com."), A);
        CHECK(why.ttl == 30);
        CHECK(why.ttl_rule == "the zone's TTL: below the 45 s ttl.healthy allows");
    }

    TEST_CASE("explain names the rule that set a healthy TTL: the check, its interval and fall, and any clamp") {
        Health probed;
        probed.endpoint("10.1.0.10", EndpointStatus::up, "a").endpoint("10.2.0.10", EndpointStatus::up, "b");
        auto explain = [&](const Config& config, const char* name) {
            auto view = HealthView::build(health_zones(), config, probed.snapshot);
            return explain_health(health_zones(), view.get(), config, probed.snapshot, wire_name(name), A);
        };
        HealthExplanation www = explain(detection_ttl_config(Duration{1'000}, 2), "www.example.com.");
        CHECK(www.ttl == 2);
        CHECK(www.ttl_rule == "ttl.healthy auto: check web sees a failure in 2 s (interval 1000 ms x fall 2)");
        HealthExplanation capped = explain(detection_ttl_config(Duration{40'000}, 3), "www.example.com.");
        CHECK(capped.ttl == 60);
        CHECK(capped.ttl_rule ==
              "ttl.healthy auto: check web sees a failure in 120 s (interval 40000 ms x fall 3), capped at ttl.max");
        HealthExplanation floor = explain(detection_ttl_config(Duration{1'000}, 2, 7), "www.example.com.");
        CHECK(floor.ttl == 7);
        CHECK(floor.ttl_rule.ends_with(", raised to ttl.healthy_min"));
        HealthExplanation unprobed = explain(detection_ttl_config(Duration{1'000}, 2), "short.example.com.");
        CHECK(unprobed.ttl == 20);
        CHECK(unprobed.ttl_rule == "ttl.healthy auto: check other sees a failure in 20 s (interval 10000 ms x fall 2)");
    }

    TEST_CASE("explain: failover says which AZ was chosen, all down says which policy") {
        Health h;
        auto view = view_of(h);
        HealthExplanation fo =
            explain_health(health_zones(), view.get(), make_config(), h.snapshot, wire_name("fo.example.com."), A);
        REQUIRE(fo.addresses.size() == 2);
        CHECK(fo.addresses[0].in);
        CHECK(fo.addresses[0].why == "AZ a up, first AZ in prefer with an address up");
        CHECK_FALSE(fo.addresses[1].in);
        CHECK(fo.addresses[1].why == "failover: an AZ earlier in prefer has an address up");

        Health down;
        down.fence("a", FenceReason::health).fence("b", FenceReason::health);
        auto servfail = view_of(down, AllDownPolicy::servfail);
        HealthExplanation none = explain_health(health_zones(), servfail.get(), make_config(AllDownPolicy::servfail),
                                                down.snapshot, wire_name("mail.example.com."), A);
        CHECK(none.ttl_rule == "ttl.all_down: every address is down or fenced (policy servfail)");
        for (const auto& a : none.addresses) CHECK_FALSE(a.in);
    }
}
