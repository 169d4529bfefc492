#include "dns_cookie.hpp"

#include <algorithm>
#include <cstring>

#include "wire_integers.hpp"

namespace azdns {

namespace {

constexpr std::uint8_t version_1 = 1;
// RFC 9018 section 4.3: accept cookies up to an hour old and up to 5 minutes
// ahead (the fleet's clocks differ a little); renew those past half an hour.
constexpr std::int32_t max_age = 3600, max_ahead = 300, refresh_age = 1800;

// Client-IP (section 4.4): 4 bytes for an IPv4 client, 16 for IPv6. An IPv4
// client that reached a dual-stack socket shows as ::ffff:a.b.c.d; it is
// hashed as the IPv4 address it is, so that a nameserver of the fleet that
// listens on an IPv4 socket makes and accepts the same cookie for it.
std::span<const std::uint8_t> client_ip(const IpAddress& address) {
    static constexpr std::uint8_t v4_mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (address.family == IpFamily::v4) return {address.bytes.data(), 4};
    if (std::memcmp(address.bytes.data(), v4_mapped, sizeof v4_mapped) == 0) return {address.bytes.data() + 12, 4};
    return {address.bytes.data(), 16};
}

// `head` is the cookie's first 8 bytes: Version, Reserved, Timestamp.
std::uint64_t cookie_hash(const CookieSecret& secret, const ClientCookie& client, const std::uint8_t* head,
                          const IpAddress& client_address) {
    const auto ip = client_ip(client_address);
    std::array<std::uint8_t, 8 + 8 + 16> input;
    std::memcpy(input.data(), client.data(), 8);
    std::memcpy(input.data() + 8, head, 8);
    std::memcpy(input.data() + 16, ip.data(), ip.size());
    return siphash24(secret, {input.data(), 16 + ip.size()});
}

void write_le64(std::uint8_t* p, std::uint64_t value) {
    for (int i = 0; i < 8; ++i) p[i] = static_cast<std::uint8_t>(value >> (8 * i));
}

std::uint64_t read_le64(const std::uint8_t* p) {
    std::uint64_t value = 0;
    for (int i = 7; i >= 0; --i) value = value << 8 | p[i];
    return value;
}

}  // namespace

ServerCookie make_server_cookie(const CookieSecret& secret, const ClientCookie& client,
                                const IpAddress& client_address, std::uint32_t now) {
    ServerCookie cookie{};
    cookie[0] = version_1;
    write_u32(&cookie[4], now);
    write_le64(&cookie[8], cookie_hash(secret, client, cookie.data(), client_address));
    return cookie;
}

CookieCheck check_server_cookie(const CookieSecrets& secrets, const ClientCookie& client,
                                std::span<const std::uint8_t> server, const IpAddress& client_address,
                                std::uint32_t now) {
    if (server.size() != ServerCookie{}.size() || server[0] != version_1) return CookieCheck::invalid;
    // Serial number arithmetic (RFC 1982): the difference read as signed.
    const auto age = static_cast<std::int32_t>(now - read_u32(&server[4]));
    if (age > max_age || age < -max_ahead) return CookieCheck::invalid;
    const std::uint64_t hash = read_le64(&server[8]);
    if (cookie_hash(secrets.current, client, server.data(), client_address) == hash)
        return age > refresh_age ? CookieCheck::valid_refresh : CookieCheck::valid;
    if (secrets.previous && cookie_hash(*secrets.previous, client, server.data(), client_address) == hash)
        return CookieCheck::valid_refresh;
    return CookieCheck::invalid;
}

void write_cookie_option(std::span<std::uint8_t, cookie_option_size> out, const ClientCookie& client,
                         const ServerCookie& server) {
    std::copy(client.begin(), client.end(), out.begin());
    std::copy(server.begin(), server.end(), out.begin() + client.size());
}

}  // namespace azdns
