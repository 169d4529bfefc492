#include "siphash.hpp"

#include <bit>

namespace azdns {

namespace {

// Little-endian, whatever the host's order: the paper defines it so.
std::uint64_t load_le64(const std::uint8_t* p) {
    std::uint64_t word = 0;
    for (int i = 7; i >= 0; --i) word = word << 8 | p[i];
    return word;
}

struct SipState {
    std::uint64_t v0, v1, v2, v3;

    void round() {
        v0 += v1;
        v1 = std::rotl(v1, 13);
        v1 ^= v0;
        v0 = std::rotl(v0, 32);
        v2 += v3;
        v3 = std::rotl(v3, 16);
        v3 ^= v2;
        v0 += v3;
        v3 = std::rotl(v3, 21);
        v3 ^= v0;
        v2 += v1;
        v1 = std::rotl(v1, 17);
        v1 ^= v2;
        v2 = std::rotl(v2, 32);
    }

    // Two compression rounds per 8-byte word: the "2" of SipHash-2-4.
    void absorb(std::uint64_t word) {
        v3 ^= word;
        round();
        round();
        v0 ^= word;
    }
};

}  // namespace

std::uint64_t siphash24(const SipHashKey& key, std::span<const std::uint8_t> message) {
    const std::uint64_t k0 = load_le64(key.data()), k1 = load_le64(key.data() + 8);
    SipState s{k0 ^ 0x736f6d6570736575ULL, k1 ^ 0x646f72616e646f6dULL, k0 ^ 0x6c7967656e657261ULL,
               k1 ^ 0x7465646279746573ULL};
    const std::size_t whole = message.size() & ~std::size_t{7};
    for (std::size_t i = 0; i < whole; i += 8) s.absorb(load_le64(message.data() + i));
    // The last word: the 0..7 bytes left over, and the length's low byte on top.
    std::uint64_t last = std::uint64_t{message.size() & 0xff} << 56;
    for (std::size_t i = whole; i < message.size(); ++i) last |= std::uint64_t{message[i]} << (8 * (i - whole));
    s.absorb(last);
    // Four finalization rounds: the "4".
    s.v2 ^= 0xff;
    for (int i = 0; i < 4; ++i) s.round();
    return s.v0 ^ s.v1 ^ s.v2 ^ s.v3;
}

}  // namespace azdns
