// All zones served, found by query name. Like a Zone, a ZoneSet is frozen
// once published: a reload builds a new set and swaps one pointer.
#pragma once

#include <bitset>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
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
    // An origin served without a zone: a secondary's zone before its first
    // transfer or after it expired (docs/transfers.md). Its names are
    // answered SERVFAIL, not REFUSED: this server is authoritative for
    // them, it just has nothing to serve. False when the origin is taken.
    bool add_unavailable(std::string origin, std::uint32_t slot);

    // The zone whose origin is the longest one at or above `qname` (canonical
    // wire form), or nullptr when no zone covers it or that origin is
    // unavailable. Does not allocate; the pointer lives as long as the set.
    [[nodiscard]] const Zone* find(std::string_view qname) const;
    // The same, and the origin's slot in `slot` (unchanged when none): an
    // unavailable origin gives nullptr with its slot set.
    [[nodiscard]] const Zone* find(std::string_view qname, std::uint32_t& slot) const;
    // The zone that answers DS at `qname`: DS belongs to the parent side of a
    // cut (RFC 4035 section 3.1.4.1), so the zone of qname's parent name when
    // one is served (as Knot picks it), else the zone of qname itself.
    [[nodiscard]] const Zone* find_for_ds(std::string_view qname, std::uint32_t& slot) const;

    // The zone of exactly this origin (canonical wire form) and its slot, or
    // nullptr (the slot is set when the origin is unavailable): for what
    // must keep a zone alive beside the set (transfers).
    [[nodiscard]] std::shared_ptr<const Zone> shared(std::string_view origin, std::uint32_t& slot) const;

    // The origins (canonical wire form) by slot; empty for an unused slot.
    [[nodiscard]] std::vector<std::string> origins() const;

    [[nodiscard]] std::size_t size() const { return entries_.size(); }

    // Every zone, in the order they were added (for building derived
    // views); unavailable origins have none.
    [[nodiscard]] std::vector<std::shared_ptr<const Zone>> all() const {
        std::vector<std::shared_ptr<const Zone>> out;
        out.reserve(entries_.size());
        for (const Entry& entry : entries_)
            if (entry.zone) out.push_back(entry.zone);
        return out;
    }

private:
    struct Entry {
        std::string origin;
        std::shared_ptr<const Zone> zone;  // null: unavailable
        std::uint32_t slot = 0;
        std::uint64_t hash = 0;  // origin_hash(origin)
    };
    static constexpr std::uint32_t no_entry = UINT32_MAX;

    // find() runs on every query: an open-addressing table of entry indexes
    // under a word-wise hash (short_hash.hpp), not std::unordered_map, whose
    // std::hash and bucket modulo cost several times more per query.
    [[nodiscard]] static std::uint64_t origin_hash(std::string_view origin);
    [[nodiscard]] const Entry* find_entry(std::string_view qname) const;
    [[nodiscard]] const Entry* find_origin(std::string_view origin, std::uint64_t hash) const;
    bool add_entry(std::string origin, std::shared_ptr<const Zone> zone, std::uint32_t slot);
    void index(std::uint32_t entry);

    std::vector<Entry> entries_;
    std::vector<std::uint32_t> table_;  // into entries_; size a power of two, at most half full
    // Which name lengths some origin has: find() hashes only the suffixes
    // that could match, usually one per query.
    std::bitset<256> origin_lengths_;
};

}  // namespace azdns
