// Health filtering of A/AAAA answers (spec: "Answer semantics"), computed
// once per health change, never per query. For every authoritative A/AAAA
// RRset that holds an address of an AZ or a probed address (and every
// A/AAAA RRset at a service name) the view holds its filtered form,
// pre-rendered as [RDLENGTH][RDATA] bytes, keyed by the original RRset's
// wire pointer: the answer path does one hash probe and no allocation.
// Immutable once built; valid while the zones it was built from live (it
// keeps them alive itself).
#pragma once

#include <cstdint>
#include <memory>
#include <unordered_map>
#include <vector>

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

struct FilteredRRset {
    HealthOutcome outcome = HealthOutcome::serve;
    RRsetView rrset;  // its ttl() is the TTL to answer with; empty unless `serve`
    bool removed = false;   // something was filtered out
    bool all_down = false;  // policy.all_down applied
};

class HealthView {
public:
    // Uses config.azs, services, ttl and all_down.
    [[nodiscard]] static std::shared_ptr<const HealthView> build(const ZoneSet& zones, const Config& config,
                                                                 const HealthSnapshot& health);

    // The filtered form of an A/AAAA RRset, or nullptr when it is served as
    // it is. Does not allocate.
    [[nodiscard]] const FilteredRRset* find(const RRsetView& original) const {
        if (original.empty()) return nullptr;
        auto it = table_.find(original.wire().data());
        return it == table_.end() ? nullptr : &it->second;
    }

    [[nodiscard]] std::size_t size() const { return table_.size(); }

private:
    HealthView() = default;

    std::vector<std::shared_ptr<const Zone>> zones_;
    std::vector<std::uint8_t> arena_;  // never grows after the views are made
    std::unordered_map<const std::uint8_t*, FilteredRRset> table_;
};

}  // namespace azdns
