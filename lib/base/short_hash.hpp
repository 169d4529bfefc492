// Hashing and comparing short byte strings (DNS labels and names) on the
// answer path. They are a few dozen bytes at most, so a multiply-xorshift
// over 8-byte words beats byte-wise hashes (FNV) and std::hash's
// general-purpose one, and an inline word compare beats a call to memcmp;
// each costs several times less per query. Not for untrusted keys in tables
// an attacker fills: the tables here are filled from zones and config only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace azdns {

namespace short_hash_detail {
inline std::uint64_t load64(const std::uint8_t* p) {
    std::uint64_t word;
    std::memcpy(&word, p, 8);
    return word;
}
inline std::uint64_t load32(const std::uint8_t* p) {
    std::uint32_t word;
    std::memcpy(&word, p, 4);
    return word;
}
inline std::uint64_t mix(std::uint64_t h, std::uint64_t word) {
    h = (h ^ word) * 0xbf58476d1ce4e5b9ULL;
    return h ^ (h >> 31);
}
}  // namespace short_hash_detail

// `seed` carries what else identifies the key: at least its length, since
// the last word overlaps the one before it (or, below 8 bytes, is read in
// overlapping pieces), which is cheaper than a loop over the odd bytes.
[[nodiscard]] inline std::uint64_t short_hash(std::uint64_t seed, const std::uint8_t* bytes, std::size_t length) {
    using namespace short_hash_detail;
    std::uint64_t h = seed * 0x9e3779b97f4a7c15ULL;
    if (length >= 8) {
        std::size_t last = length - 8;
        for (std::size_t i = 0; i < last; i += 8) h = mix(h, load64(bytes + i));
        h = mix(h, load64(bytes + last));
    } else if (length >= 4) {
        h = mix(h, load32(bytes) | load32(bytes + length - 4) << 32);
    } else if (length > 0) {
        h = mix(h, std::uint64_t{bytes[0]} | std::uint64_t{bytes[length / 2]} << 8 |
                       std::uint64_t{bytes[length - 1]} << 16);
    }
    h ^= h >> 29;
    h *= 0x94d049bb133111ebULL;
    return h ^ (h >> 32);
}

// The first `length` bytes of `a` and `b` are equal.
[[nodiscard]] inline bool short_equal(const std::uint8_t* a, const std::uint8_t* b, std::size_t length) {
    using namespace short_hash_detail;
    if (length >= 8) {
        std::size_t last = length - 8;  // the last word overlaps the one before it
        for (std::size_t i = 0; i < last; i += 8)
            if (load64(a + i) != load64(b + i)) return false;
        return load64(a + last) == load64(b + last);
    }
    if (length >= 4) return load32(a) == load32(b) && load32(a + length - 4) == load32(b + length - 4);
    for (std::size_t i = 0; i < length; ++i)
        if (a[i] != b[i]) return false;
    return true;
}

}  // namespace azdns
