// SipHash-2-4 (Aumasson and Bernstein, "SipHash: a fast short-input PRF",
// 2012): a keyed hash for short messages, here the MAC inside DNS server
// cookies (RFC 9018 section 4.4). Written out rather than taken from
// OpenSSL because it runs for each query that carries a cookie: EVP_MAC
// allocates a context per use and costs many times the hash itself.
#pragma once

#include <array>
#include <cstdint>
#include <span>

namespace azdns {

using SipHashKey = std::array<std::uint8_t, 16>;

// The 64-bit result. The paper, its reference code and OpenSSL write it as
// 8 bytes, least significant first; wire formats that carry it (RFC 9018's
// Hash field) use those bytes. Never allocates.
[[nodiscard]] std::uint64_t siphash24(const SipHashKey& key, std::span<const std::uint8_t> message);

}  // namespace azdns
