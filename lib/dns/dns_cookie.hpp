// DNS server cookies (RFC 7873) made and checked as RFC 9018 specifies, so
// that the nameservers of a fleet that share a secret accept each other's
// cookies, whatever software each runs (BIND and Knot make the same ones).
// A cookie is 16 bytes: Version (1), Reserved (3 bytes, 0 when made),
// Timestamp (seconds since 1970, big-endian, serial number arithmetic) and
// Hash = SipHash-2-4(Client Cookie | Version | Reserved | Timestamp |
// Client-IP, secret), its 8 bytes in SipHash's own (little-endian) order.
// Plain values, no allocation: this runs for each query with a cookie.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "ip_prefix.hpp"
#include "siphash.hpp"

namespace azdns {

using CookieSecret = SipHashKey;  // 16 bytes
using ClientCookie = std::array<std::uint8_t, 8>;
using ServerCookie = std::array<std::uint8_t, 16>;

// What a nameserver holds (cookie_secret_file.hpp reads them): it makes
// cookies with `current`, and accepts cookies made with either.
struct CookieSecrets {
    CookieSecret current{};
    std::optional<CookieSecret> previous;
};

// The cookie for a client that sent `client` from `client_address`, at
// `now` (seconds since 1970; the 32 bits wrap in 2106, which serial number
// arithmetic absorbs).
[[nodiscard]] ServerCookie make_server_cookie(const CookieSecret& secret, const ClientCookie& client,
                                              const IpAddress& client_address, std::uint32_t now);

enum class CookieCheck : std::uint8_t {
    valid,
    // Valid, but the reply should carry a new cookie: this one is more than
    // half an hour old, or was made with the previous secret.
    valid_refresh,
    // Not 16 bytes, not version 1, more than an hour old or more than 5
    // minutes ahead, or made with neither secret (or for another client).
    invalid,
};

// Judges the Server Cookie a query sent beside `client` (RFC 9018 section
// 4.3). The Reserved bytes are hashed as received, never required to be 0.
[[nodiscard]] CookieCheck check_server_cookie(const CookieSecrets& secrets, const ClientCookie& client,
                                              std::span<const std::uint8_t> server, const IpAddress& client_address,
                                              std::uint32_t now);

// A reply's COOKIE option value: the Client Cookie, then the Server Cookie.
inline constexpr std::size_t cookie_option_size = 24;
void write_cookie_option(std::span<std::uint8_t, cookie_option_size> out, const ClientCookie& client,
                         const ServerCookie& server);

}  // namespace azdns
