// All zones served, found by query name. Like a Zone, a ZoneSet is frozen
// once published: a reload builds a new set and swaps one pointer.
#pragma once

#include <bitset>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "zone.hpp"

namespace azdns {

class ZoneSet {
public:
    // False, and the set is unchanged, when a zone with that origin is already in it.
    // Each zone has a slot, a small number that per-zone counters index
    // plain arrays with. The reloader gives each origin the same slot in
    // every set it builds (zones added by a reload get new ones), so a slot
    // means one zone for the life of the process. Without `slot`, the next
    // one (the number of zones already added).
    bool add(std::shared_ptr<const Zone> zone);
    bool add(std::shared_ptr<const Zone> zone, std::uint32_t slot);

    // The zone whose origin is the longest one at or above `qname` (canonical
    // wire form), or nullptr when no zone covers it. Does not allocate; the
    // pointer lives as long as the set.
    [[nodiscard]] const Zone* find(std::string_view qname) const;
    // The same, and the zone's slot in `slot` (unchanged when none).
    [[nodiscard]] const Zone* find(std::string_view qname, std::uint32_t& slot) const;
    // The zone that answers DS at `qname`: DS belongs to the parent side of a
    // cut (RFC 4035 section 3.1.4.1), so the zone of qname's parent name when
    // one is served (as Knot picks it), else the zone of qname itself.
    [[nodiscard]] const Zone* find_for_ds(std::string_view qname, std::uint32_t& slot) const;

    // The origins (canonical wire form) by slot; empty for an unused slot.
    [[nodiscard]] std::vector<std::string> origins() const;

    [[nodiscard]] std::size_t size() const { return zones_.size(); }

    // Every zone, in no particular order (for building derived views).
    [[nodiscard]] std::vector<std::shared_ptr<const Zone>> all() const {
        std::vector<std::shared_ptr<const Zone>> out;
        out.reserve(zones_.size());
        for (const auto& [origin, entry] : zones_) out.push_back(entry.zone);
        return out;
    }

private:
    // Lets find() look up string_views without building a std::string.
    struct NameHash {
        using is_transparent = void;
        std::size_t operator()(std::string_view name) const { return std::hash<std::string_view>{}(name); }
    };

    struct Entry {
        std::shared_ptr<const Zone> zone;
        std::uint32_t slot = 0;
    };
    [[nodiscard]] const Entry* find_entry(std::string_view qname) const;

    std::unordered_map<std::string, Entry, NameHash, std::equal_to<>> zones_;
    // Which name lengths some origin has: find() hashes only the suffixes
    // that could match, usually one per query.
    std::bitset<256> origin_lengths_;
};

}  // namespace azdns
