// Sizes as an operator writes them in the config ("512M", "1G"), the way
// durations carry a unit: a bare number is refused, units are never guessed.
// K, M and G are powers of 1024 (as in Knot and NSD); "KiB", "MiB" and
// "GiB" are accepted as the same units.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace azdns {

// "100B", "64K", "512M", "1G", "2GiB"; nullopt when malformed (no unit, a
// sign, a fraction, spaces, an unknown unit) or overflowing.
[[nodiscard]] std::optional<std::uint64_t> parse_byte_size(std::string_view text);

// The largest unit that divides exactly, so that "1G" reads back as "1G".
[[nodiscard]] std::string byte_size_text(std::uint64_t bytes);

}  // namespace azdns
