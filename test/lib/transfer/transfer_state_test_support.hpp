// Shared by the suites that need a published TransferState: the health test
// zone (example.com.) offered by [[zone.allow_transfer]] rules, with the
// TSIG key tsig_test::sha256_key, and states made by TransferTracker as the
// publisher makes them.
#pragma once

#include <memory>
#include <vector>

#include "health_test_support.hpp"
#include "transfer_tracker.hpp"
#include "tsig_test_support.hpp"

namespace azdns::transfer_test {

using namespace azdns::health_test;

// A rule for the addresses of `prefix`, signed with sha256_key when `keyed`.
inline TransferRule transfer_rule(const char* prefix, TransferView view, bool keyed = false) {
    TransferRule rule;
    auto parsed = IpPrefix::parse(prefix);
    REQUIRE(parsed);
    rule.prefixes = {*parsed};
    rule.view = view;
    if (keyed) rule.key = tsig_test::sha256_key.ours().name;
    return rule;
}

// health_test::make_config() with the key and example.com. under `rules`.
inline Config transfer_config(std::vector<TransferRule> rules) {
    Config config = make_config();
    const TsigKey key = tsig_test::sha256_key.ours();
    config.keys.push_back(KeyConfig{key.name, "hmac-sha256", key.secret, "", {}});
    ZoneConfig zone;
    zone.origin = wire_name("example.com.");
    zone.allow_transfer = std::move(rules);
    config.zones.push_back(zone);
    return config;
}

// Health as the views of `zones` (health.zone by default) show it: both of
// www's addresses up, or its address in AZ a down (the filtered view loses it).
inline std::shared_ptr<const HealthView> all_up(const ZoneSet& zones = health_zones()) {
    return HealthView::build(
        zones, make_config(),
        Health().endpoint("10.1.0.10", EndpointStatus::up, "a").endpoint("10.2.0.10", EndpointStatus::up, "b").snapshot);
}

inline std::shared_ptr<const HealthView> www_a_down(const ZoneSet& zones = health_zones()) {
    return HealthView::build(
        zones, make_config(),
        Health().endpoint("10.1.0.10", EndpointStatus::down, "a").endpoint("10.2.0.10", EndpointStatus::up, "b").snapshot);
}

}  // namespace azdns::transfer_test
