#include "health_view.hpp"

#include <algorithm>
#include <array>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <utility>

#include "config.hpp"
#include "health_state.hpp"
#include "health_targets.hpp"
#include "zone_set.hpp"

namespace azdns {

namespace {

using AddressKey = std::pair<IpFamily, std::array<std::uint8_t, 16>>;

struct Address {
    std::span<const std::uint8_t> wire;  // [RDLENGTH][RDATA]
    const AzConfig* az = nullptr;
    bool keep = true;
};

struct Planned {
    const std::uint8_t* key;
    RRsetView original;
    FilteredRRset result;
    std::vector<std::span<const std::uint8_t>> kept;
};

}  // namespace

std::shared_ptr<const HealthView> HealthView::build(const ZoneSet& zone_set, const Config& config,
                                                    const HealthSnapshot& health) {
    std::shared_ptr<HealthView> view(new HealthView());
    view->zones_ = zone_set.all();

    std::map<AddressKey, std::vector<const EndpointView*>> endpoints;
    for (const EndpointView& e : health.endpoints) {
        endpoints[{e.id.address.family, e.id.address.bytes}].push_back(&e);
    }
    // The A/AAAA RRsets at service names, by wire pointer.
    std::unordered_map<const std::uint8_t*, const ServiceConfig*> service_rrsets;
    for (const ServiceConfig& service : config.services) {
        const Zone* zone = zone_set.find(service.name);
        if (zone == nullptr) continue;
        NodeView node = zone->find(service.name);
        if (!node) continue;
        for (std::uint16_t type : {rr_type::a, rr_type::aaaa}) {
            RRsetView rrset = node.rrset(type);
            if (!rrset.empty()) service_rrsets[rrset.wire().data()] = &service;
        }
    }
    auto fenced = [&](const AzConfig* az) {
        if (az == nullptr) return false;
        const AzView* state = health.az(az->name);
        return state != nullptr && state->fenced != FenceReason::none;
    };

    std::vector<Planned> planned;
    std::size_t arena_size = 0;
    std::vector<Address> addresses;
    for (const auto& zone : view->zones_) {
        for (std::size_t i = 0; i < zone->node_count(); ++i) {
            NodeView node(zone.get(), static_cast<std::uint32_t>(i));
            if (node.is_below_delegation()) continue;  // glue only: never filtered
            for (std::uint16_t type : {rr_type::a, rr_type::aaaa}) {
                RRsetView rrset = node.rrset(type);
                if (rrset.empty()) continue;
                auto found = service_rrsets.find(rrset.wire().data());
                const ServiceConfig* service = found == service_rrsets.end() ? nullptr : found->second;
                bool relevant = service != nullptr;
                addresses.clear();
                for (RdataView rr : rrset) {
                    Address entry{rr.wire()};
                    auto address = address_in_rdata(type, rr.rdata());
                    if (address) {
                        entry.az = az_containing(config.azs, *address);
                        // Probed: at a service, by its check; elsewhere, by any
                        // check of that address (down when all say down).
                        bool probed = false;
                        bool down = false;
                        auto probes = endpoints.find({address->family, address->bytes});
                        if (probes != endpoints.end()) {
                            bool all_down = true;
                            for (const EndpointView* e : probes->second) {
                                if (service != nullptr && e->id.check != service->check) continue;
                                probed = true;
                                if (e->status != EndpointStatus::down) all_down = false;
                            }
                            down = probed && all_down;
                        }
                        relevant = relevant || probed || entry.az != nullptr;
                        entry.keep = !fenced(entry.az) && !down;
                    }
                    addresses.push_back(entry);
                }
                if (!relevant) continue;
                if (service != nullptr && service->policy == ServicePolicy::failover) {
                    // The first preferred AZ with an address up; when none
                    // has one, what survived filtering stands.
                    for (const std::string& name : service->prefer) {
                        bool up = std::any_of(addresses.begin(), addresses.end(), [&](const Address& a) {
                            return a.keep && a.az != nullptr && a.az->name == name;
                        });
                        if (!up) continue;
                        for (Address& a : addresses) a.keep = a.keep && a.az != nullptr && a.az->name == name;
                        break;
                    }
                }
                Planned plan{rrset.wire().data(), rrset, {}, {}};
                for (const Address& a : addresses) {
                    if (a.keep) plan.kept.push_back(a.wire);
                }
                plan.result.removed = plan.kept.size() != addresses.size();
                std::uint32_t ttl = plan.result.removed ? config.ttl.degraded : std::min(rrset.ttl(), config.ttl.max);
                if (plan.kept.empty()) {
                    plan.result.all_down = true;
                    ttl = config.ttl.all_down;
                    switch (config.all_down) {
                        case AllDownPolicy::serve_all:
                            for (const Address& a : addresses) plan.kept.push_back(a.wire);
                            break;
                        case AllDownPolicy::servfail: plan.result.outcome = HealthOutcome::servfail; break;
                        case AllDownPolicy::nodata: plan.result.outcome = HealthOutcome::nodata; break;
                    }
                }
                plan.result.rrset = RRsetView(type, 0, ttl, {});
                for (auto wire : plan.kept) arena_size += wire.size();
                planned.push_back(std::move(plan));
            }
        }
    }

    view->arena_.reserve(arena_size);
    view->table_.reserve(planned.size());
    for (Planned& plan : planned) {
        std::size_t start = view->arena_.size();
        for (auto wire : plan.kept) view->arena_.insert(view->arena_.end(), wire.begin(), wire.end());
        std::span<const std::uint8_t> bytes(view->arena_.data() + start, view->arena_.size() - start);
        plan.result.rrset = RRsetView(plan.original.type(), static_cast<std::uint16_t>(plan.kept.size()),
                                      plan.result.rrset.ttl(), bytes);
        view->table_.emplace(plan.key, plan.result);
    }
    return view;
}

}  // namespace azdns
