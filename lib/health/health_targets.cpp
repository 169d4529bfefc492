#include "health_targets.hpp"

#include <algorithm>

#include "dns_name.hpp"
#include "rr_type.hpp"
#include "zone_set.hpp"

namespace azdns {

const AzConfig* az_containing(const std::vector<AzConfig>& azs, const IpAddress& address) {
    for (const AzConfig& az : azs) {
        if (std::any_of(az.prefixes.begin(), az.prefixes.end(),
                        [&](const IpPrefix& prefix) { return prefix.contains(address); }))
            return &az;
    }
    return nullptr;
}

std::optional<IpAddress> address_in_rdata(std::uint16_t type, std::span<const std::uint8_t> rdata) {
    IpAddress address;
    if (type == rr_type::a && rdata.size() == 4) {
        address.family = IpFamily::v4;
    } else if (type == rr_type::aaaa && rdata.size() == 16) {
        address.family = IpFamily::v6;
    } else {
        return std::nullopt;
    }
    std::copy(rdata.begin(), rdata.end(), address.bytes.begin());
    return address;
}

HealthTargets find_health_targets(const ZoneSet& zones, const Config& config, std::size_t max_endpoints) {
    std::map<EndpointId, HealthTarget, EndpointIdLess> found;
    HealthTargets targets;
    std::set<EndpointId, EndpointIdLess> asked;  // by the unprobed services, none of them in `found`
    for (const ServiceConfig& service : config.services) {
        auto check = std::find_if(config.checks.begin(), config.checks.end(),
                                  [&](const CheckConfig& c) { return c.name == service.check; });
        if (check == config.checks.end()) continue;  // load_config refuses this
        std::set<std::string>& service_azs = targets.service_azs[service.name];
        const Zone* zone = zones.find(service.name);
        NodeView node = zone != nullptr ? zone->find(service.name) : NodeView{};
        if (!node || node.is_below_delegation()) continue;
        std::vector<HealthTarget> own;
        for (std::uint16_t type : {rr_type::a, rr_type::aaaa}) {
            for (RdataView rr : node.rrset(type)) {
                auto address = address_in_rdata(type, rr.rdata());
                if (!address) continue;
                const AzConfig* az = az_containing(config.azs, *address);
                if (az != nullptr) service_azs.insert(az->name);
                EndpointId id{*address, check->name};
                if (!found.contains(id)) own.push_back(HealthTarget{id, az != nullptr ? az->name : "", &*check});
            }
        }
        if (targets.unprobed.empty() && found.size() + own.size() <= max_endpoints) {
            for (HealthTarget& target : own) found.try_emplace(target.id, std::move(target));
            continue;
        }
        if (own.empty()) continue;
        targets.unprobed.push_back(&service);
        for (const HealthTarget& target : own) asked.insert(target.id);
    }
    targets.endpoints_asked = found.size() + asked.size();
    for (auto& [id, target] : found) targets.endpoints.push_back(std::move(target));
    return targets;
}

std::string unprobed_services_text(const HealthTargets& targets, std::size_t max_endpoints) {
    if (targets.unprobed.empty()) return "";
    const std::size_t others = targets.unprobed.size() - 1;
    return "the services ask for " + std::to_string(targets.endpoints_asked) + " endpoints to probe, more than " +
           std::to_string(max_endpoints) + ": service \"" + name_to_text(targets.unprobed.front()->name) + "\"" +
           (others == 0 ? "" : " and the " + std::to_string(others) + " after it") +
           " would pass the limit, so none of their addresses is probed (they are served as they are)";
}

}  // namespace azdns
