// random_bytes: every byte of the span is drawn, and draws differ.
#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <vector>

#include "random_bytes.hpp"

TEST_CASE("random_bytes fills the whole span, past what one getrandom call may return, with fresh bytes") {
    // 33 MiB: a single getrandom(2) call returns at most 32 MiB - 1.
    std::vector<std::uint8_t> first(33u << 20, 0);
    azdns::random_bytes(first);
    std::array<std::size_t, 256> seen{};
    for (const std::uint8_t byte : first) ++seen[byte];
    // Each value is expected 135,168 times (a standard deviation of 367); a span left partly unfilled would
    // pile up zeros.
    const auto [fewest, most] = std::minmax_element(seen.begin(), seen.end());
    CHECK(*fewest > 130'000);
    CHECK(*most < 140'000);
    std::array<std::uint8_t, 16> a{}, b{};
    azdns::random_bytes(a);
    azdns::random_bytes(b);
    CHECK(a != b);
}
