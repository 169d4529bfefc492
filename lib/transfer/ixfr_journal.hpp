// The last changes of one zone in one view, for IXFR (RFC 1995): each entry
// takes the view from one serial to the next. Bounded by entry count and by
// bytes; the oldest entries go first, and a client older than what is left
// gets a full transfer. Not thread-safe: its owner serialises access, and a
// chain it returns stays valid (entries are shared) after later additions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <vector>

#include "transfer_records.hpp"
#include "zone_diff.hpp"

namespace azdns {

struct JournalEntry {
    // The SOA before and after the step, as IXFR writes them around its
    // removed and added records (RFC 1995 section 4).
    SoaRecord from_soa;
    SoaRecord to_soa;
    ZoneDelta delta;

    [[nodiscard]] std::uint32_t from_serial() const { return from_soa.serial(); }
    [[nodiscard]] std::uint32_t to_serial() const { return to_soa.serial(); }
};

using JournalChain = std::vector<std::shared_ptr<const JournalEntry>>;

struct JournalLimits {
    std::size_t max_entries = 64;
    std::size_t max_bytes = std::size_t{16} << 20;
};

class IxfrJournal {
public:
    explicit IxfrJournal(JournalLimits limits = {}) : limits_(limits) {}

    // Appends the step from `from` to `to`. A step that does not start where
    // the newest one ended (the serial jumped, say after a restart) starts
    // the journal over: no chain could cross the gap. A step whose serial
    // does not go forward (RFC 1982) empties it: a serial seen twice would
    // name two contents. Then the oldest entries go until the limits hold
    // (all of them when this one alone is too big).
    void add(const SoaRecord& from, const SoaRecord& to, ZoneDelta delta);

    // The steps from `serial` to the newest, oldest first; empty when
    // `serial` is the newest; nullopt when the journal does not reach back to
    // it (the client then needs a full transfer).
    [[nodiscard]] std::optional<JournalChain> chain_from(std::uint32_t serial) const;

    [[nodiscard]] std::size_t size() const { return entries_.size(); }
    [[nodiscard]] std::size_t bytes() const { return bytes_; }

private:
    static std::size_t bytes_of(const JournalEntry& entry) { return sizeof entry + entry.delta.memory_bytes(); }
    void drop_oldest();

    JournalLimits limits_;
    std::deque<std::shared_ptr<const JournalEntry>> entries_;  // oldest first
    std::size_t bytes_ = 0;
};

}  // namespace azdns
