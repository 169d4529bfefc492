#include "name_compression.hpp"

#include <algorithm>
#include <cstring>

#include "ascii.hpp"

namespace azdns {

namespace {

// Both uncompressed and starting at a label: equal bytes under ASCII case
// folding mean equal names (length bytes are below 'A', so folding leaves
// them alone and the label structure matches too).
// Names mostly come in one case, so an exact comparison settles most.
bool same_name(const std::uint8_t* a, const std::uint8_t* b, std::size_t length) {
    if (std::memcmp(a, b, length) == 0) return true;
    for (std::size_t i = 0; i < length; ++i) {
        if (a[i] != b[i] && ascii_lower(a[i]) != ascii_lower(b[i])) return false;
    }
    return true;
}

// What a target is found by before its bytes are compared: the suffix's
// length, its first label's length, and that label's first and last bytes
// (| 0x20 folds letters, and equal names always get equal keys).
// ns1.example.com. and ns2.example.com. differ here.
std::uint32_t suffix_key(const std::uint8_t* suffix, std::size_t rest) {
    std::uint8_t label = suffix[0];
    return static_cast<std::uint32_t>(rest) << 24 | std::uint32_t{label} << 16 |
           std::uint32_t(suffix[1] | 0x20) << 8 | std::uint32_t(suffix[label] | 0x20);
}

}  // namespace

std::size_t wire_name_length(const std::uint8_t* name) {
    std::size_t at = 0;
    while (name[at] != 0) at += 1u + name[at];
    return at + 1;
}

NamePlan CompressionTable::plan(const std::uint8_t* name, std::size_t length) const {
    // Longest suffix first; the root alone is never worth a pointer.
    for (std::size_t prefix = 0; name[prefix] != 0; prefix += 1u + name[prefix]) {
        std::size_t rest = length - prefix;
        if ((length_bits_ >> (rest % 64) & 1) == 0) continue;
        std::uint32_t key = suffix_key(name + prefix, rest);
        for (std::size_t i = 0; i < count_; ++i) {
            if (keys_[i] == key && same_name(names_[i], name + prefix, rest)) {
                return {prefix, static_cast<std::int32_t>(offsets_[i])};
            }
        }
    }
    return NamePlan::whole(length);
}

void CompressionTable::remember(const std::uint8_t* name, std::size_t length, const NamePlan& plan,
                                std::size_t offset) {
    if (offset > max_pointer) return;
    // Labels that start beyond pointer reach, or beyond the table, are not kept.
    std::size_t end = std::min(plan.prefix, max_pointer + 1 - offset);
    // Locals, not members, in the loop: the compiler cannot tell the stores
    // from `name`, and would reload everything on each label.
    std::size_t count = count_;
    std::uint64_t bits = length_bits_;
    for (std::size_t at = 0; at < end && name[at] != 0 && count < capacity; at += 1u + name[at]) {
        std::size_t rest = length - at;
        keys_[count] = suffix_key(name + at, rest);
        offsets_[count] = static_cast<std::uint16_t>(offset + at);
        names_[count] = name + at;
        bits |= std::uint64_t{1} << (rest % 64);
        ++count;
    }
    count_ = count;
    length_bits_ = bits;
}

}  // namespace azdns
