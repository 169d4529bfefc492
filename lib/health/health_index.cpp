#include "health_index.hpp"

#include <algorithm>
#include <bit>
#include <tuple>
#include <unordered_map>

#include "health_targets.hpp"
#include "healthy_ttl.hpp"
#include "zone_set.hpp"

namespace azdns {

namespace {

bool address_less(const IpAddress& a, const IpAddress& b) {
    return std::tie(a.family, a.bytes) < std::tie(b.family, b.bytes);
}

}  // namespace

std::shared_ptr<const HealthIndex> HealthIndex::build(const ZoneSet& zone_set, const Config& config,
                                                      std::vector<EndpointId> probed) {
    std::shared_ptr<HealthIndex> index(new HealthIndex());
    index->zones_ = zone_set.all();
    index->ttl_ = config.ttl;
    index->all_down_ = config.all_down;
    for (const AzConfig& az : config.azs) index->az_names_.push_back(az.name);
    index->clients_ = ClientNetworks::build(config.azs);
    const std::size_t places = index->clients_.azs().size();
    auto az_number = [&](const AzConfig* az) {
        return az == nullptr ? no_az : static_cast<std::uint16_t>(az - config.azs.data());
    };
    std::sort(probed.begin(), probed.end(), EndpointIdLess{});
    probed.erase(std::unique(probed.begin(), probed.end()), probed.end());
    index->endpoints_ = std::move(probed);
    const std::vector<EndpointId>& endpoints = index->endpoints_;

    // The A/AAAA RRsets at service names, by wire pointer; a later service
    // of the same name wins, as it always has.
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
    // One prefer list per failover or nearest service, shared by its A and AAAA.
    std::unordered_map<const ServiceConfig*, std::uint32_t> prefer_of;
    auto prefer_for = [&](const ServiceConfig* service) {
        if (service == nullptr || service->policy == ServicePolicy::all) return no_prefer;
        auto [it, added] = prefer_of.try_emplace(service, static_cast<std::uint32_t>(index->prefer_.size()));
        if (added) {
            for (const std::string& name : service->prefer) {
                auto az = std::find(index->az_names_.begin(), index->az_names_.end(), name);
                if (az != index->az_names_.end())
                    index->prefer_.push_back(static_cast<std::uint16_t>(az - index->az_names_.begin()));
            }
            index->prefer_.push_back(no_az);
        }
        return it->second;
    };

    std::vector<std::string_view> deciding;  // per slot: the checks that judge it (one buffer for all)
    std::size_t place_views = 0;             // views past the slots' own, numbered from 0 until the end
    for (const auto& zone : index->zones_) {
        for (std::size_t n = 0; n < zone->node_count(); ++n) {
            NodeView node = zone->node(n);
            if (node.is_below_delegation()) continue;  // glue only: never filtered
            for (std::uint16_t type : {rr_type::a, rr_type::aaaa}) {
                RRsetView rrset = node.rrset(type);
                if (rrset.empty()) continue;
                auto found = service_rrsets.find(rrset.wire().data());
                const ServiceConfig* service = found == service_rrsets.end() ? nullptr : found->second;
                bool relevant = service != nullptr;
                const std::size_t first_address = index->addresses_.size();
                const std::size_t first_probe = index->probes_.size();
                for (RdataView rr : rrset) {
                    Address entry{static_cast<std::uint32_t>(index->probes_.size()), 0, no_az};
                    if (auto address = address_in_rdata(type, rr.rdata())) {
                        entry.az = az_number(az_containing(config.azs, *address));
                        // At a service, its check judges; elsewhere, any check of that address.
                        auto e = std::lower_bound(endpoints.begin(), endpoints.end(), *address,
                                                  [](const EndpointId& id, const IpAddress& a) {
                                                      return address_less(id.address, a);
                                                  });
                        for (; e != endpoints.end() && e->address == *address; ++e) {
                            if (service != nullptr && e->check != service->check) continue;
                            index->probes_.push_back(static_cast<std::uint32_t>(e - endpoints.begin()));
                            ++entry.probe_count;
                        }
                        relevant = relevant || entry.probe_count != 0 || entry.az != no_az;
                    }
                    index->addresses_.push_back(entry);
                }
                if (!relevant) {
                    index->addresses_.resize(first_address);
                    index->probes_.resize(first_probe);
                    continue;
                }
                deciding.clear();
                for (std::size_t p = first_probe; p < index->probes_.size(); ++p)
                    deciding.push_back(endpoints[index->probes_[p]].check);
                const CheckConfig* slowest = slowest_check(config.checks, deciding);
                const bool by_place = service != nullptr && service->policy == ServicePolicy::nearest && places != 0;
                index->slots_.push_back({rrset, static_cast<std::uint32_t>(first_address), prefer_for(service), zone.get(),
                                         static_cast<std::uint32_t>(n), healthy_ttl(config.ttl, rrset.ttl(), slowest),
                                         by_place ? static_cast<std::uint32_t>(place_views) : no_slot});
                index->wire_bytes_ += rrset.wire().size() * (by_place ? 1 + places : 1);
                if (by_place) place_views += places;
            }
        }
    }
    // The views per place follow the slots' own.
    index->view_count_ = index->slots_.size() + place_views;
    for (Slot& slot : index->slots_)
        if (slot.first_place_view != no_slot) slot.first_place_view += static_cast<std::uint32_t>(index->slots_.size());
    index->make_table();
    return index;
}

void HealthIndex::make_table() {
    const std::size_t capacity = std::bit_ceil(std::max<std::size_t>(2 * slots_.size(), 2));
    table_.assign(capacity, Entry{});
    mask_ = capacity - 1;
    for (std::uint32_t slot = 0; slot < slots_.size(); ++slot) {
        const std::uint8_t* wire = slots_[slot].original.wire().data();
        std::size_t i = hash(wire) & mask_;
        while (table_[i].wire != nullptr) i = (i + 1) & mask_;
        table_[i] = {wire, slot, slots_[slot].first_place_view};
    }
}

}  // namespace azdns
