// IP addresses and prefixes: an AZ is identified by the prefixes it owns, so
// the answer path asks "which prefix holds this address" for every A/AAAA
// record it serves. Both are plain values (no allocation) for that reason.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace azdns {

enum class IpFamily : std::uint8_t { v4, v6 };

struct IpAddress {
    IpFamily family = IpFamily::v4;
    std::array<std::uint8_t, 16> bytes{};  // network order; IPv4 uses the first 4

    // "192.0.2.1" or "2001:db8::1" (inet_pton syntax, no brackets, no zone id).
    [[nodiscard]] static std::optional<IpAddress> parse(std::string_view text);

    [[nodiscard]] std::size_t size() const { return family == IpFamily::v4 ? 4 : 16; }
    // The first `length` bits (at most 8 x size()), the rest zero.
    [[nodiscard]] IpAddress leading_bits(unsigned length) const;
    [[nodiscard]] std::string to_string() const;
    // 127.0.0.0/8, ::1 and IPv4-mapped ::ffff:127.0.0.0/104.
    [[nodiscard]] bool is_loopback() const;

    bool operator==(const IpAddress&) const = default;
};

struct IpPrefix {
    IpAddress address;       // bits past `length` are always zero
    std::uint8_t length = 0; // 0..32 for IPv4, 0..128 for IPv6

    // "192.0.2.0/25", "2001:db8:1a::/48". The length is required, and bits
    // past it must be zero ("192.0.2.1/24" is refused: it is most likely a
    // typo, and silently masking it would hand an AZ addresses it does not
    // own). On failure returns nullopt and, if `why` is given, the reason.
    [[nodiscard]] static std::optional<IpPrefix> parse(std::string_view text, std::string* why = nullptr);

    [[nodiscard]] bool contains(const IpAddress& candidate) const;
    // True when some address lies in both: one prefix contains the other.
    [[nodiscard]] bool overlaps(const IpPrefix& other) const;
    [[nodiscard]] std::string to_string() const;

    bool operator==(const IpPrefix&) const = default;
};

}  // namespace azdns
