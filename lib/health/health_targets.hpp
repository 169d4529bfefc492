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

// Endpoints probed at most: 2.5 times the most measured (benchmarks.md), and
// a status that `azdns ctl` (16 MiB) still reads whole.
inline constexpr std::size_t max_probed_endpoints = 50'000;

struct HealthTargets {
    std::vector<HealthTarget> endpoints;  // unique ids, in EndpointIdLess order
    std::map<std::string, std::set<std::string>> service_azs;
    // Services (in config order) whose endpoints would pass the limit: none
    // of theirs is probed, and their addresses are served as they are.
    std::vector<const ServiceConfig*> unprobed;  // point into the Config
    std::size_t endpoints_asked = 0;  // by all services, the unprobed ones included
};

// The services' endpoints, service by service in config order, up to
// `max_endpoints`; a service whose endpoints would pass it, and every one
// after it, is left unprobed whole, so that no service is half probed.
[[nodiscard]] HealthTargets find_health_targets(const ZoneSet& zones, const Config& config,
                                                std::size_t max_endpoints = max_probed_endpoints);

// Says which services are left unprobed and why, or "" when none is.
[[nodiscard]] std::string unprobed_services_text(const HealthTargets& targets, std::size_t max_endpoints = max_probed_endpoints);

// The AZ whose prefixes hold `address`, or nullptr (AZ prefixes never overlap).
[[nodiscard]] const AzConfig* az_containing(const std::vector<AzConfig>& azs, const IpAddress& address);

// The address in an A or AAAA RDATA; nullopt for other types or a bad length.
[[nodiscard]] std::optional<IpAddress> address_in_rdata(std::uint16_t type, std::span<const std::uint8_t> rdata);

}  // namespace azdns
