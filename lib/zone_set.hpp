// All zones served, found by query name. Like a Zone, a ZoneSet is frozen
// once published: a reload builds a new set and swaps one pointer.
#pragma once

#include <bitset>
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
    bool add(std::shared_ptr<const Zone> zone);

    // The zone whose origin is the longest one at or above `qname` (canonical
    // wire form), or nullptr when no zone covers it. Does not allocate; the
    // pointer lives as long as the set.
    [[nodiscard]] const Zone* find(std::string_view qname) const;

    [[nodiscard]] std::size_t size() const { return zones_.size(); }

    // Every zone, in no particular order (for building derived views).
    [[nodiscard]] std::vector<std::shared_ptr<const Zone>> all() const {
        std::vector<std::shared_ptr<const Zone>> out;
        out.reserve(zones_.size());
        for (const auto& [origin, zone] : zones_) out.push_back(zone);
        return out;
    }

private:
    // Lets find() look up string_views without building a std::string.
    struct NameHash {
        using is_transparent = void;
        std::size_t operator()(std::string_view name) const { return std::hash<std::string_view>{}(name); }
    };

    std::unordered_map<std::string, std::shared_ptr<const Zone>, NameHash, std::equal_to<>> zones_;
    // Which name lengths some origin has: find() hashes only the suffixes
    // that could match, usually one per query.
    std::bitset<256> origin_lengths_;
};

}  // namespace azdns
