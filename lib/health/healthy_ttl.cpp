#include "healthy_ttl.hpp"

#include <algorithm>

namespace azdns {

namespace {

// interval x fall, in whole seconds rounded up.
std::uint32_t detection_seconds(const CheckConfig& check) {
    const auto ms = static_cast<std::uint64_t>(check.interval.count()) * check.fall;
    return static_cast<std::uint32_t>(std::min<std::uint64_t>((ms + 999) / 1000, UINT32_MAX));
}

// The TTL the rule asks for, before the zone's own TTL lowers it.
std::uint32_t rule_ttl(const TtlPolicy& policy, const CheckConfig* slowest) {
    switch (policy.healthy_rule) {
    case HealthyTtlRule::cap: return policy.max;
    case HealthyTtlRule::fixed: return policy.healthy;
    case HealthyTtlRule::detection:
        if (slowest == nullptr) return policy.max;
        return std::min(std::max(detection_seconds(*slowest), policy.healthy_min), policy.max);
    }
    return policy.max;
}

std::string seconds(std::uint32_t value) { return std::to_string(value) + " s"; }

}  // namespace

const CheckConfig* slowest_check(const std::vector<CheckConfig>& checks, const std::vector<std::string_view>& names) {
    const CheckConfig* slowest = nullptr;
    for (const CheckConfig& check : checks) {
        if (!names.empty() && std::find(names.begin(), names.end(), check.name) == names.end()) continue;
        if (slowest == nullptr || detection_seconds(check) > detection_seconds(*slowest)) slowest = &check;
    }
    return slowest;
}

std::uint32_t healthy_ttl(const TtlPolicy& policy, std::uint32_t zone_ttl, const CheckConfig* slowest) {
    return std::min(zone_ttl, rule_ttl(policy, slowest));
}

std::string healthy_ttl_rule(const TtlPolicy& policy, std::uint32_t zone_ttl, const CheckConfig* slowest) {
    if (policy.healthy_rule == HealthyTtlRule::cap)
        return zone_ttl > policy.max ? "ttl.max: the zone's TTL is capped while all is well"
                                     : "the zone's TTL: below ttl.max";
    const std::uint32_t wanted = rule_ttl(policy, slowest);
    if (zone_ttl < wanted) return "the zone's TTL: below the " + seconds(wanted) + " ttl.healthy allows";
    if (policy.healthy_rule == HealthyTtlRule::fixed)
        return "ttl.healthy: " + seconds(policy.healthy) + " while all is well";
    if (slowest == nullptr) return "ttl.healthy auto: no check decides this name, so ttl.max";
    const std::uint32_t detection = detection_seconds(*slowest);
    std::string text = "ttl.healthy auto: check " + slowest->name + " sees a failure in " + seconds(detection) +
                       " (interval " + std::to_string(slowest->interval.count()) + " ms x fall " +
                       std::to_string(slowest->fall) + ")";
    if (wanted != detection) text += wanted == policy.max ? ", capped at ttl.max" : ", raised to ttl.healthy_min";
    return text;
}

}  // namespace azdns
