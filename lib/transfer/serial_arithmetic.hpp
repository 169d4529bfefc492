// SOA serial comparison, RFC 1982 section 3.2: serials live on a circle of
// 2^32, so "newer" means "less than half the circle ahead".
#pragma once

#include <cstdint>

namespace azdns {

// True when `a` is newer (greater, in serial number arithmetic) than `b`.
// At a distance of exactly 2^31 the comparison is undefined (RFC 1982
// section 3.2): neither is newer, so a client that far away gets a full
// transfer rather than a guess.
[[nodiscard]] constexpr bool serial_newer(std::uint32_t a, std::uint32_t b) {
    const std::uint32_t ahead = a - b;  // modulo 2^32
    return ahead != 0 && ahead < (std::uint32_t{1} << 31);
}

}  // namespace azdns
