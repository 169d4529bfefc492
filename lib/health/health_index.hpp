// What health filtering needs from the zones and the config, computed once
// per ZoneSet (start and each reload) so that a health change only has to
// re-judge addresses (spec: "Answer semantics"; docs/health.md, "When answers
// change"). It lists every health-managed A/AAAA RRset as a numbered slot,
// with each address's AZ and the endpoints that judge it, and maps an
// RRset's wire pointer to its slot. Every HealthView built from it shares
// that one table. Immutable; keeps the zones alive.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "client_networks.hpp"
#include "config.hpp"
#include "health_state.hpp"
#include "zone.hpp"

namespace azdns {

class ZoneSet;

class HealthIndex {
public:
    static constexpr std::uint32_t no_slot = UINT32_MAX;
    static constexpr std::uint16_t no_az = UINT16_MAX;
    static constexpr std::uint32_t no_prefer = UINT32_MAX;

    struct Slot {
        RRsetView original;
        std::uint32_t first_address;  // into addresses(); original.size() of them
        std::uint32_t prefer;         // into prefer(), or no_prefer unless a failover service
        // Where the RRset lives, so that what changed with health can be
        // found (and named) from the slots alone, without a walk of the zone.
        const Zone* zone;
        std::uint32_t node;  // Zone::node(node) owns it
        std::uint32_t healthy_ttl;  // with nothing removed (healthy_ttl.hpp)
        // A `nearest` service's RRset has one more view per place with
        // clients (ClientNetworks): the view of place p is number
        // first_place_view + p - 1, after the one view per slot.
        std::uint32_t first_place_view;  // or no_slot
    };
    struct Address {
        std::uint32_t first_probe;  // into probes()
        std::uint16_t probe_count;  // down only when every probe present in the snapshot says down
        std::uint16_t az;           // into az_names(), or no_az
    };

    // `probed`: the endpoints whose verdicts count, normally the ids of
    // find_health_targets(zones, config). An RRset counts as probed only
    // through them; a view ignores verdicts on any other endpoint.
    // Uses config.azs, services, ttl and all_down, and copies what it needs.
    [[nodiscard]] static std::shared_ptr<const HealthIndex> build(const ZoneSet& zones, const Config& config,
                                                                  std::vector<EndpointId> probed);

    // The slot of an A/AAAA RRset by its wire pointer, or no_slot when it is
    // served as it is. Inline and allocation-free: the answer path calls it.
    [[nodiscard]] std::uint32_t slot_of(const std::uint8_t* wire) const { return entry_of(wire).slot; }
    // The number of the view that serves `client` the RRset at `wire`: its
    // slot's, or the one for the client's place when the answer depends on
    // it (only then is the client looked up). no_slot when not filtered.
    [[nodiscard]] std::uint32_t view_of(const std::uint8_t* wire, ClientPlace& client) const {
        const Entry& entry = entry_of(wire);
        if (entry.first_place_view == no_slot) return entry.slot;
        const std::uint16_t place = clients_.place(client);
        return place == ClientPlace::outside ? entry.slot : entry.first_place_view + place - 1;
    }

    [[nodiscard]] const std::vector<Slot>& slots() const { return slots_; }
    // Views a HealthView holds: one per slot, then those per place.
    [[nodiscard]] std::size_t view_count() const { return view_count_; }
    [[nodiscard]] const ClientNetworks& clients() const { return clients_; }
    [[nodiscard]] const std::vector<Address>& addresses() const { return addresses_; }
    [[nodiscard]] const std::vector<std::uint32_t>& probes() const { return probes_; }  // into endpoints()
    [[nodiscard]] const std::vector<EndpointId>& endpoints() const { return endpoints_; }  // EndpointIdLess order
    [[nodiscard]] const std::vector<std::string>& az_names() const { return az_names_; }
    // Per failover service: its preferred AZs, then no_az as terminator.
    [[nodiscard]] const std::vector<std::uint16_t>& prefer() const { return prefer_; }
    [[nodiscard]] std::size_t wire_bytes() const { return wire_bytes_; }  // bounds the filtered copies of all views
    [[nodiscard]] const TtlPolicy& ttl() const { return ttl_; }
    [[nodiscard]] AllDownPolicy all_down() const { return all_down_; }

private:
    struct Entry {
        const std::uint8_t* wire = nullptr;
        std::uint32_t slot = no_slot;
        std::uint32_t first_place_view = no_slot;  // the slot's, copied: one cache line per lookup
    };

    HealthIndex() = default;
    [[nodiscard]] const Entry& entry_of(const std::uint8_t* wire) const {
        for (std::size_t i = hash(wire) & mask_;; i = (i + 1) & mask_) {
            const Entry& entry = table_[i];
            if (entry.wire == wire || entry.wire == nullptr) return entry;
        }
    }
    [[nodiscard]] static std::size_t hash(const std::uint8_t* wire) {
        return static_cast<std::size_t>((reinterpret_cast<std::uintptr_t>(wire) * 0x9E3779B97F4A7C15ull) >> 20);
    }
    void make_table();

    std::vector<std::shared_ptr<const Zone>> zones_;
    std::vector<Slot> slots_;
    std::vector<Address> addresses_;
    std::vector<std::uint32_t> probes_;
    std::vector<EndpointId> endpoints_;
    std::vector<std::string> az_names_;
    std::vector<std::uint16_t> prefer_;
    std::size_t wire_bytes_ = 0;
    std::size_t view_count_ = 0;
    ClientNetworks clients_;
    TtlPolicy ttl_;
    AllDownPolicy all_down_ = AllDownPolicy::serve_all;
    std::vector<Entry> table_;  // open addressing, at most half full, so probes end fast
    std::size_t mask_ = 0;
};

}  // namespace azdns
