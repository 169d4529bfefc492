// What the zones ask to be probed (spec: "Health": "the zone's A/AAAA RRsets
// at this name are probed"): one endpoint per (address, check) of every
// service's A/AAAA RRsets, with the AZ that owns the address, and for each
// service the AZs its addresses belong to (for the fence safety check).
// Recomputed from every new ZoneSet, so the probed set follows the zones.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "config.hpp"
#include "health_state.hpp"

namespace azdns {

class ZoneSet;

struct HealthTarget {
    EndpointId id;
    std::string az;  // empty when the address is in no AZ
    const CheckConfig* check;  // points into the Config
};

struct HealthTargets {
    std::vector<HealthTarget> endpoints;  // unique ids, in EndpointIdLess order
    std::map<std::string, std::set<std::string>> service_azs;
};

[[nodiscard]] HealthTargets find_health_targets(const ZoneSet& zones, const Config& config);

// The AZ whose prefixes hold `address`, or nullptr (AZ prefixes never overlap).
[[nodiscard]] const AzConfig* az_containing(const std::vector<AzConfig>& azs, const IpAddress& address);

// The address in an A or AAAA RDATA; nullopt for other types or a bad length.
[[nodiscard]] std::optional<IpAddress> address_in_rdata(std::uint16_t type, std::span<const std::uint8_t> rdata);

}  // namespace azdns
