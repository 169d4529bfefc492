#include "ip_prefix.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <cstring>

namespace azdns {

namespace {

// True when the first `bits` bits of `a` and `b` are equal: whole bytes with
// memcmp, then one masked byte. This is the whole cost of contains().
bool same_leading_bits(const std::array<std::uint8_t, 16>& a, const std::array<std::uint8_t, 16>& b,
                       unsigned bits) {
    const unsigned whole = bits / 8;
    if (std::memcmp(a.data(), b.data(), whole) != 0) return false;
    const unsigned rest = bits % 8;
    if (rest == 0) return true;
    const auto mask = static_cast<std::uint8_t>(0xff << (8 - rest));
    return ((a[whole] ^ b[whole]) & mask) == 0;
}

}  // namespace

IpAddress IpAddress::leading_bits(unsigned length) const {
    IpAddress out;
    out.family = family;
    const unsigned whole = length / 8;
    std::memcpy(out.bytes.data(), bytes.data(), whole);
    if (length % 8 != 0) out.bytes[whole] = static_cast<std::uint8_t>(bytes[whole] & (0xff << (8 - length % 8)));
    return out;
}

std::optional<IpAddress> IpAddress::parse(std::string_view text) {
    const std::string terminated(text);  // inet_pton wants a C string
    IpAddress address;
    if (inet_pton(AF_INET, terminated.c_str(), address.bytes.data()) == 1) {
        address.family = IpFamily::v4;
        return address;
    }
    if (inet_pton(AF_INET6, terminated.c_str(), address.bytes.data()) == 1) {
        address.family = IpFamily::v6;
        return address;
    }
    return std::nullopt;
}

std::string IpAddress::to_string() const {
    char buffer[INET6_ADDRSTRLEN] = {};
    inet_ntop(family == IpFamily::v4 ? AF_INET : AF_INET6, bytes.data(), buffer, sizeof buffer);
    return buffer;
}

bool IpAddress::is_loopback() const {
    if (family == IpFamily::v4) return bytes[0] == 127;
    static constexpr std::array<std::uint8_t, 16> v6_loopback{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    static constexpr std::array<std::uint8_t, 16> v4_mapped_loopback{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 127};
    return bytes == v6_loopback || same_leading_bits(bytes, v4_mapped_loopback, 104);
}

std::optional<IpPrefix> IpPrefix::parse(std::string_view text, std::string* why) {
    auto fail = [why](std::string reason) -> std::optional<IpPrefix> {
        if (why) *why = std::move(reason);
        return std::nullopt;
    };
    const auto slash = text.find('/');
    if (slash == std::string_view::npos) return fail("expected ADDRESS/LENGTH, like \"192.0.2.0/25\"");
    const auto address = IpAddress::parse(text.substr(0, slash));
    if (!address) return fail("\"" + std::string(text.substr(0, slash)) + "\" is not an IP address");

    const std::string_view digits = text.substr(slash + 1);
    const auto max_length = static_cast<unsigned>(address->size() * 8);
    unsigned length = 0;
    bool valid = !digits.empty() && digits.size() <= 3;
    for (char c : digits) {
        if (c < '0' || c > '9') valid = false;
        else length = length * 10 + static_cast<unsigned>(c - '0');
    }
    if (!valid || length > max_length)
        return fail("the length must be a number from 0 to " + std::to_string(max_length));

    IpPrefix prefix{address->leading_bits(length), static_cast<std::uint8_t>(length)};
    if (prefix.address != *address)
        return fail("bits past /" + std::to_string(length) + " are set (did you mean " + prefix.to_string() + "?)");
    return prefix;
}

bool IpPrefix::contains(const IpAddress& candidate) const {
    return candidate.family == address.family && same_leading_bits(address.bytes, candidate.bytes, length);
}

bool IpPrefix::overlaps(const IpPrefix& other) const {
    return other.address.family == address.family &&
           same_leading_bits(address.bytes, other.address.bytes, std::min(length, other.length));
}

std::string IpPrefix::to_string() const { return address.to_string() + '/' + std::to_string(length); }

}  // namespace azdns
