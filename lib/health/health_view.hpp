// Health filtering of A/AAAA answers (spec: "Answer semantics"), computed
// once per health change, never per query. For every authoritative A/AAAA
// RRset that holds an address of an AZ or a probed address (and every
// A/AAAA RRset at a service name) the view holds its filtered form,
// pre-rendered as [RDLENGTH][RDATA] bytes, found by the original RRset's
// wire pointer: the answer path does one hash probe and no allocation.
// What depends only on zones and config lives in a HealthIndex shared by
// every view of those zones, so a rebuild is one pass over its slots.
// Immutable once built; keeps its index, and so the zones, alive.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "health_index.hpp"
#include "zone.hpp"

namespace azdns {

class ZoneSet;
struct Config;
struct HealthSnapshot;

enum class HealthOutcome : std::uint8_t {
    serve,     // answer with `rrset` (filtered, or every address under serve-all) and its TTL
    servfail,  // all down, policy servfail
    nodata,    // all down, policy nodata
};

// `rrset` first, so the flags share its trailing alignment (32 bytes, not
// 40): a view holds one of these per health-managed RRset.
struct FilteredRRset {
    RRsetView rrset;  // its ttl() is the TTL to answer with; empty unless `serve`
    HealthOutcome outcome = HealthOutcome::serve;
    bool removed = false;   // something was filtered out
    bool all_down = false;  // policy.all_down applied
    bool ramping = false;   // holds an AZ ramping back after a restore: ttl.degraded
};

class HealthView {
public:
    // Per health change. Endpoints of `health` outside the index are ignored;
    // those of the index missing from `health` judge nothing.
    [[nodiscard]] static std::shared_ptr<const HealthView> build(std::shared_ptr<const HealthIndex> index,
                                                                 const HealthSnapshot& health);

    // Builds a throwaway index whose probed endpoints are those of `health`:
    // for tests and one-off use, not for every health change.
    [[nodiscard]] static std::shared_ptr<const HealthView> build(const ZoneSet& zones, const Config& config,
                                                                 const HealthSnapshot& health);

    // The filtered form of an A/AAAA RRset for `client`, or nullptr when it
    // is served as it is. Looks the client up only for an RRset whose answer
    // depends on where the client is (a `nearest` service). Does not allocate.
    // While an AZ ramps back after a restore, a share of the calls answer
    // without it (drawn per call, per thread).
    [[nodiscard]] const FilteredRRset* find(const RRsetView& original, ClientPlace& client) const {
        if (original.empty()) return nullptr;
        const std::uint32_t view = index_->view_of(original.wire().data(), client);
        if (view == HealthIndex::no_slot) return nullptr;
        return ramps_.empty() ? &views_[view] : drawn(view);
    }
    // As find(), but always the form that carries ramping AZs: what explain shows.
    [[nodiscard]] const FilteredRRset* find_in_full(const RRsetView& original, ClientPlace& client) const {
        if (original.empty()) return nullptr;
        const std::uint32_t view = index_->view_of(original.wire().data(), client);
        return view == HealthIndex::no_slot ? nullptr : &views_[view];
    }
    // The share of answers, per mille, that carry the ramping AZs of the
    // RRset's form for `client`; 1000 when none ramps.
    [[nodiscard]] std::uint16_t share_in_full(const RRsetView& original, ClientPlace& client) const;
    // The form for a client outside every AZ's networks: what zone transfers carry.
    [[nodiscard]] const FilteredRRset* find(const RRsetView& original) const {
        if (original.empty()) return nullptr;
        const std::uint32_t slot = index_->slot_of(original.wire().data());
        return slot == HealthIndex::no_slot ? nullptr : &views_[slot];
    }

    [[nodiscard]] std::size_t size() const { return index_->slots().size(); }
    // The RRsets it filters, by slot (what a health change can have changed).
    [[nodiscard]] const HealthIndex& index() const { return *index_; }

private:
    // A view's form without its ramping AZs, and how often the full one serves.
    struct RampChoice {
        std::uint32_t without = HealthIndex::no_slot;  // into views_; no_slot: no ramp
        std::uint16_t full_permille = 1000;
    };

    HealthView() = default;
    [[nodiscard]] const FilteredRRset* drawn(std::uint32_t view) const;
    FilteredRRset filtered(const HealthIndex::Slot& slot, const std::vector<std::uint8_t>& keep,
                           const std::vector<std::uint8_t>& healthy, const HealthIndex& ix);

    std::shared_ptr<const HealthIndex> index_;
    std::vector<std::uint8_t> arena_;    // only subsets of an RRset; never grows after the views are made
    std::vector<FilteredRRset> views_;  // by slot of index_, then per place (HealthIndex::Slot), then forms without ramping AZs
    std::vector<RampChoice> ramps_;     // by view; empty while no AZ ramps, so that find() tests one size
};

}  // namespace azdns
