// TEMPORARY until wt-xfrlib merges (H4 writes the real one).
#pragma once
#include <cstdint>
namespace azdns {
[[nodiscard]] constexpr bool serial_newer(std::uint32_t a, std::uint32_t b) {
    return a != b && ((a > b && a - b < 0x80000000u) || (a < b && b - a > 0x80000000u));
}
}  // namespace azdns
