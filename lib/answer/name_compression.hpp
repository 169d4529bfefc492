// Name compression (RFC 1035 section 4.1.4) for the message writer: the
// names already in a message, and where a new name can point into them.
// Every name in a response is copied from somewhere that outlives the
// writing (the query's question, zone data), so a target keeps a pointer to
// its uncompressed source and a comparison never follows pointers in the
// message. A fixed table, never zeroed: no allocation, and a query that
// writes three names pays for three.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace azdns {

// How one name goes on the wire: its first `prefix` bytes (whole labels) as
// they are, then a pointer to `pointer`; with no pointer (-1), `prefix` is
// the whole name, root byte included.
struct NamePlan {
    std::size_t prefix = 0;
    std::int32_t pointer = -1;

    [[nodiscard]] std::size_t bytes() const { return prefix + (pointer >= 0 ? 2 : 0); }
    static NamePlan whole(std::size_t length) { return {length, -1}; }
    static NamePlan pointer_to(std::size_t offset) { return {0, static_cast<std::int32_t>(offset)}; }
};

// The length of the uncompressed wire name at `name`, root byte included.
// Only for names known to be well formed (the question, zone data).
[[nodiscard]] std::size_t wire_name_length(const std::uint8_t* name);

class CompressionTable {
public:
    // Offsets above this cannot be pointed at (14 bits).
    static constexpr std::size_t max_pointer = 0x3FFF;

    void clear() {
        count_ = 0;
        length_bits_ = 0;
    }
    // A dry run keeps the state before it and restores it afterwards.
    struct Mark {
        std::size_t count;
        std::uint64_t length_bits;
    };
    [[nodiscard]] Mark mark() const { return {count_, length_bits_}; }
    void restore(const Mark& mark) {
        count_ = mark.count;
        length_bits_ = mark.length_bits;
    }

    // The shortest way to write `name` (uncompressed, `length` bytes): its
    // longest suffix already in the message becomes a pointer.
    [[nodiscard]] NamePlan plan(const std::uint8_t* name, std::size_t length) const;

    // `name` is written at `offset` as `plan` says: each label of its
    // uncompressed part becomes a target for later names (while there is
    // room in the table and the offset can be pointed at).
    void remember(const std::uint8_t* name, std::size_t length, const NamePlan& plan, std::size_t offset);

private:
    static constexpr std::size_t capacity = 96;

    // Target i: the suffix that starts at offsets_[i] in the message, the
    // same bytes as `names_[i]` uncompressed. Keys (length, first label's
    // length, first and last letter) apart, so a scan compares one word per
    // target and names only when they are almost certainly equal.
    std::array<std::uint32_t, capacity> keys_;
    std::array<std::uint16_t, capacity> offsets_;
    std::array<const std::uint8_t*, capacity> names_;
    std::size_t count_ = 0;
    // Bit (length % 64) is set when some target has that length: most
    // suffixes of a name are then rejected without a scan of the table.
    std::uint64_t length_bits_ = 0;
};

}  // namespace azdns
