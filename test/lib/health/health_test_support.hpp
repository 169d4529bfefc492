// Shared by the health suites: the health test zone (test/data/health),
// a config with AZs a and b, health snapshots built fluently, and views.
#pragma once

#include <memory>

#include "answer_test_support.hpp"
#include "config.hpp"
#include "health_state.hpp"
#include "health_view.hpp"

namespace azdns::health_test {

using namespace azdns::answer_test;

inline const ZoneSet& health_zones() {
    static const ZoneSet set = load_example_zone("health/health.zone");
    return set;
}

inline IpAddress ip(const char* text) {
    auto address = IpAddress::parse(text);
    REQUIRE(address);
    return *address;
}

inline Config make_config(AllDownPolicy policy = AllDownPolicy::serve_all) {
    Config config;
    config.ttl = {60, 20, 10};
    config.all_down = policy;
    AzConfig a;
    a.name = "a";
    a.prefixes = {*IpPrefix::parse("10.1.0.0/16")};
    AzConfig b;
    b.name = "b";
    b.prefixes = {*IpPrefix::parse("10.2.0.0/16"), *IpPrefix::parse("2001:db8:b::/48")};
    config.azs = {a, b};
    ServiceConfig www;
    www.name = wire_name("www.example.com.");
    www.check = "web";
    ServiceConfig fo;
    fo.name = wire_name("fo.example.com.");
    fo.check = "web";
    fo.policy = ServicePolicy::failover;
    fo.prefer = {"a", "b"};
    config.services = {www, fo};
    return config;
}

struct Health {
    HealthSnapshot snapshot;
    Health() {
        snapshot.azs = {AzView{"a", FenceReason::none, std::nullopt, 1.0, {}},
                        AzView{"b", FenceReason::none, std::nullopt, 1.0, {}}};
    }
    Health& fence(const char* az, FenceReason reason = FenceReason::manual) {
        for (auto& v : snapshot.azs) {
            if (v.name == az) v.fenced = reason;
        }
        return *this;
    }
    // `az` ramping back after a restore, in `permille` of answers.
    Health& ramp(const char* az, std::uint16_t permille) {
        for (auto& v : snapshot.azs) {
            if (v.name == az) v.answer_permille = permille;
        }
        return *this;
    }
    Health& endpoint(const char* address, EndpointStatus status, const char* az, const char* check = "web") {
        snapshot.endpoints.push_back(EndpointView{{ip(address), check}, az, status, {}, "", {}});
        return *this;
    }
};

inline Reply ask_health(const char* name, std::uint16_t qtype, const HealthView* view, Transport t = Transport::udp) {
    Reply reply = ask_zones(make_query(name, qtype), health_zones(), t, {}, view);
    REQUIRE_FALSE(reply.wire.empty());
    return reply;
}

inline std::shared_ptr<const HealthView> view_of(const Health& h, AllDownPolicy policy = AllDownPolicy::serve_all) {
    return HealthView::build(health_zones(), make_config(policy), h.snapshot);
}


}  // namespace azdns::health_test
