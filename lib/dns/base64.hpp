// Base64 (RFC 4648), as TSIG secrets are written down.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace azdns {

// Strict base64 (RFC 4648 section 4) as tsig-keygen prints a secret:
// whitespace anywhere is skipped, anything else outside the alphabet, a
// length that is not a multiple of 4 or padding before the end is nullopt.
[[nodiscard]] std::optional<std::vector<std::uint8_t>> decode_base64(std::string_view text);

}  // namespace azdns
