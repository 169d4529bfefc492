// The answer path's word-at-a-time hash and compare of short byte strings
// (labels, origins), at every length and every position a word boundary can
// fall.
#include <doctest/doctest.h>

#include <cstdint>
#include <set>
#include <vector>

#include "short_hash.hpp"

using namespace azdns;

TEST_SUITE("short bytes") {
    TEST_CASE("short_equal tells a difference in any byte; short_hash spreads them") {
        for (std::size_t length = 0; length <= 40; ++length) {
            std::vector<std::uint8_t> a(length), b;
            for (std::size_t i = 0; i < length; ++i) a[i] = static_cast<std::uint8_t>('a' + i % 26);
            b = a;
            CHECK(short_equal(a.data(), b.data(), length));
            CHECK(short_hash(length, a.data(), length) == short_hash(length, b.data(), length));
            std::set<std::uint64_t> hashes{short_hash(length, a.data(), length)};
            for (std::size_t i = 0; i < length; ++i) {
                b = a;
                b[i] ^= 0x01;
                CAPTURE(length);
                CAPTURE(i);
                CHECK_FALSE(short_equal(a.data(), b.data(), length));
                hashes.insert(short_hash(length, b.data(), length));
            }
            CHECK(hashes.size() == length + 1);  // each one-byte change hashes elsewhere
        }
        // The seed tells keys apart that the bytes alone do not (a zone's labels by parent).
        const std::uint8_t label[] = {'w', 'w', 'w'};
        CHECK(short_hash(1, label, 3) != short_hash(2, label, 3));
    }
}
