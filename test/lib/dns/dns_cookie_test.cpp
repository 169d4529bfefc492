// Server cookies (RFC 9018): the RFC's test vectors (Appendix A), and each
// rule that makes a cookie valid, due for renewal or invalid (section 4.3).
#include <doctest/doctest.h>

#include <array>
#include <stdexcept>
#include <cstdint>
#include <string_view>
#include <vector>

#include "dns_cookie.hpp"
#include "siphash.hpp"

using namespace azdns;

namespace {

// Also used for constants, before doctest runs: a mistake throws.
template <std::size_t N>
std::array<std::uint8_t, N> hex(std::string_view text) {
    if (text.size() != 2 * N) throw std::invalid_argument("hex: wrong length");
    auto digit = [](char c) { return c <= '9' ? c - '0' : c - 'a' + 10; };
    std::array<std::uint8_t, N> out{};
    for (std::size_t i = 0; i < N; ++i) out[i] = static_cast<std::uint8_t>(digit(text[2 * i]) << 4 | digit(text[2 * i + 1]));
    return out;
}

IpAddress ip(std::string_view text) {
    auto address = IpAddress::parse(text);
    REQUIRE(address);
    return *address;
}

// RFC 9018 Appendix A.
const auto secret_a = hex<16>("e5e973e5a6b2a43f48e7dc849e37bfcf");
const auto old_secret_a4 = hex<16>("dd3bdf9344b678b185a6f5cb60fca715");
const auto new_secret_a4 = hex<16>("445536bcd2513298075a5d379663c962");

// For the rules: a cookie made at `made` for this client.
const auto secret = hex<16>("00112233445566778899aabbccddeeff");
const auto other_secret = hex<16>("ffeeddccbbaa99887766554433221100");
const auto client = hex<8>("0102030405060708");
constexpr std::uint32_t made = 1700000000;

CookieCheck check(const CookieSecrets& secrets, const ServerCookie& cookie, std::uint32_t now,
                  const IpAddress& address = ip("192.0.2.1"), const ClientCookie& sent = client) {
    return check_server_cookie(secrets, sent, cookie, address, now);
}

}  // namespace

TEST_SUITE("dns_cookie: RFC 9018 Appendix A") {
    TEST_CASE("A.1: a new cookie for 198.51.100.100") {
        CHECK(make_server_cookie(secret_a, hex<8>("2464c4abcf10c957"), ip("198.51.100.100"), 1559731985) ==
              hex<16>("010000005cf79f111f8130c3eee29480"));
    }

    TEST_CASE("A.2: 40 minutes later the A.1 cookie is valid but due for renewal; the renewed cookie") {
        const CookieSecrets secrets{secret_a, {}};
        const auto client_a = hex<8>("2464c4abcf10c957");
        const auto a1 = hex<16>("010000005cf79f111f8130c3eee29480");
        CHECK(check_server_cookie(secrets, client_a, a1, ip("198.51.100.100"), 1559731985) == CookieCheck::valid);
        CHECK(check_server_cookie(secrets, client_a, a1, ip("198.51.100.100"), 1559734385) ==
              CookieCheck::valid_refresh);
        CHECK(make_server_cookie(secret_a, client_a, ip("198.51.100.100"), 1559734385) ==
              hex<16>("010000005cf7a871d4a564a1442aca77"));
    }

    TEST_CASE("A.3: Reserved bytes set by another server are hashed as received; the renewed cookie has them 0") {
        const CookieSecrets secrets{secret_a, {}};
        const auto client_a = hex<8>("fc93fc62807ddb86");
        const auto sent = hex<16>("01abcdef5cf78f71a314227b6679ebf5");  // Timestamp 1559727985
        CHECK(check_server_cookie(secrets, client_a, sent, ip("203.0.113.203"), 1559727985 + 60) == CookieCheck::valid);
        // The example's reply comes 1 h 52 min after it was made: past the hour.
        CHECK(check_server_cookie(secrets, client_a, sent, ip("203.0.113.203"), 1559734700) == CookieCheck::invalid);
        CHECK(make_server_cookie(secret_a, client_a, ip("203.0.113.203"), 1559734700) ==
              hex<16>("010000005cf7a9acf73a7810aca2381e"));
    }

    TEST_CASE("A.4: IPv6, a cookie made with the previous secret is valid and renewed with the new one") {
        const auto client_a = hex<8>("22681ab97d52c298");
        const auto address = ip("2001:db8:220:1:59de:d0f4:8769:82b8");
        const auto sent = hex<16>("010000005cf7c57926556bd0934c72f8");  // made at 1559741817
        const std::uint32_t now = 1559741961;
        CHECK(check_server_cookie({old_secret_a4, {}}, client_a, sent, address, now) == CookieCheck::valid);
        CHECK(check_server_cookie({new_secret_a4, old_secret_a4}, client_a, sent, address, now) ==
              CookieCheck::valid_refresh);
        CHECK(check_server_cookie({new_secret_a4, {}}, client_a, sent, address, now) == CookieCheck::invalid);
        CHECK(make_server_cookie(new_secret_a4, client_a, address, now) == hex<16>("010000005cf7c609a6bb79d16625507a"));
    }

    TEST_CASE("an IPv4-mapped address is hashed as its IPv4 address (4 bytes)") {
        const auto client_a = hex<8>("2464c4abcf10c957");
        const auto a1 = hex<16>("010000005cf79f111f8130c3eee29480");
        CHECK(make_server_cookie(secret_a, client_a, ip("::ffff:198.51.100.100"), 1559731985) == a1);
        CHECK(check_server_cookie({secret_a, {}}, client_a, a1, ip("::ffff:198.51.100.100"), 1559731985) ==
              CookieCheck::valid);
        // Not any IPv6 address that ends in those 4 bytes.
        CHECK(make_server_cookie(secret_a, client_a, ip("::198.51.100.100"), 1559731985) != a1);
        CHECK(make_server_cookie(secret_a, client_a, ip("64:ff9b::198.51.100.100"), 1559731985) != a1);
    }
}

TEST_SUITE("dns_cookie: checking a cookie") {
    TEST_CASE("age: valid up to half an hour, renewed up to an hour, invalid past it") {
        const auto cookie = make_server_cookie(secret, client, ip("192.0.2.1"), made);
        const CookieSecrets secrets{secret, {}};
        CHECK(check(secrets, cookie, made) == CookieCheck::valid);
        CHECK(check(secrets, cookie, made + 1800) == CookieCheck::valid);
        CHECK(check(secrets, cookie, made + 1801) == CookieCheck::valid_refresh);
        CHECK(check(secrets, cookie, made + 3600) == CookieCheck::valid_refresh);
        CHECK(check(secrets, cookie, made + 3601) == CookieCheck::invalid);
        CHECK(check(secrets, cookie, made + 100000) == CookieCheck::invalid);
    }

    TEST_CASE("ahead of this clock: valid up to 5 minutes, invalid past them") {
        const auto cookie = make_server_cookie(secret, client, ip("192.0.2.1"), made);
        const CookieSecrets secrets{secret, {}};
        CHECK(check(secrets, cookie, made - 300) == CookieCheck::valid);
        CHECK(check(secrets, cookie, made - 301) == CookieCheck::invalid);
        CHECK(check(secrets, cookie, made - 100000) == CookieCheck::invalid);
    }

    TEST_CASE("serial number arithmetic: the timestamp wraps in 2106") {
        const CookieSecrets secrets{secret, {}};
        const auto late = make_server_cookie(secret, client, ip("192.0.2.1"), 0xFFFFFF00u);
        CHECK(check(secrets, late, 0x00000100u) == CookieCheck::valid);  // 512 s old
        CHECK(check(secrets, late, 0x00000800u) == CookieCheck::valid_refresh);  // 2304 s
        CHECK(check(secrets, late, 0x00001000u) == CookieCheck::invalid);        // 4352 s
        const auto early = make_server_cookie(secret, client, ip("192.0.2.1"), 0x00000010u);
        CHECK(check(secrets, early, 0xFFFFFFF0u) == CookieCheck::valid);  // 32 s ahead
        CHECK(check(secrets, early, 0xFFFF0000u) == CookieCheck::invalid);
        // Half the circle away is neither past nor future: refused.
        CHECK(check(secrets, early, 0x80000010u) == CookieCheck::invalid);
    }

    TEST_CASE("made with neither secret: invalid; with the previous one: valid, to be renewed") {
        const auto cookie = make_server_cookie(other_secret, client, ip("192.0.2.1"), made);
        CHECK(check({secret, {}}, cookie, made) == CookieCheck::invalid);
        CHECK(check({secret, other_secret}, cookie, made) == CookieCheck::valid_refresh);
        CHECK(check({other_secret, secret}, cookie, made) == CookieCheck::valid);
        CHECK(check({secret, other_secret}, cookie, made + 3601) == CookieCheck::invalid);
    }

    TEST_CASE("made for another client address or another client cookie: invalid") {
        const auto cookie = make_server_cookie(secret, client, ip("192.0.2.1"), made);
        const CookieSecrets secrets{secret, {}};
        CHECK(check(secrets, cookie, made, ip("192.0.2.2")) == CookieCheck::invalid);
        CHECK(check(secrets, cookie, made, ip("2001:db8::1")) == CookieCheck::invalid);
        CHECK(check(secrets, cookie, made, ip("192.0.2.1"), hex<8>("0102030405060709")) == CookieCheck::invalid);
        const auto v6 = make_server_cookie(secret, client, ip("2001:db8::1"), made);
        CHECK(check(secrets, v6, made, ip("2001:db8::1")) == CookieCheck::valid);
        CHECK(check(secrets, v6, made, ip("2001:db8::2")) == CookieCheck::invalid);
    }

    TEST_CASE("a hash or timestamp changed on the way: invalid") {
        const CookieSecrets secrets{secret, {}};
        auto cookie = make_server_cookie(secret, client, ip("192.0.2.1"), made);
        cookie[15] ^= 1;
        CHECK(check(secrets, cookie, made) == CookieCheck::invalid);
        cookie = make_server_cookie(secret, client, ip("192.0.2.1"), made);
        cookie[7] ^= 1;  // the timestamp is hashed: a client cannot make its cookie younger
        CHECK(check(secrets, cookie, made) == CookieCheck::invalid);
    }

    TEST_CASE("a version other than 1 is invalid, even with a hash that matches") {
        // Hashed as version 2, so that only the version can refuse it.
        std::array<std::uint8_t, 20> input{};
        std::copy(client.begin(), client.end(), input.begin());
        const std::array<std::uint8_t, 8> head{2, 0, 0, 0, 0x65, 0x53, 0xf1, 0x00};  // Timestamp = made
        std::copy(head.begin(), head.end(), input.begin() + 8);
        const std::array<std::uint8_t, 4> address{192, 0, 2, 1};
        std::copy(address.begin(), address.end(), input.begin() + 16);
        const std::uint64_t hash = siphash24(secret, input);
        ServerCookie cookie{};
        std::copy(head.begin(), head.end(), cookie.begin());
        for (std::size_t i = 0; i < 8; ++i) cookie[8 + i] = static_cast<std::uint8_t>(hash >> (8 * i));
        CHECK(check({secret, {}}, cookie, made) == CookieCheck::invalid);
        // The same bytes as version 1, made the same way, are valid: the test
        // builds cookies as make_server_cookie does.
        cookie[0] = input[8] = 1;
        const std::uint64_t hash_1 = siphash24(secret, input);
        for (std::size_t i = 0; i < 8; ++i) cookie[8 + i] = static_cast<std::uint8_t>(hash_1 >> (8 * i));
        CHECK(cookie == make_server_cookie(secret, client, ip("192.0.2.1"), made));
    }

    TEST_CASE("a Server Cookie of another length than 16 is invalid, even one that starts with a valid cookie") {
        const auto cookie = make_server_cookie(secret, client, ip("192.0.2.1"), made);
        std::vector<std::uint8_t> longer(cookie.begin(), cookie.end());
        longer.resize(24, 0);
        const CookieSecrets secrets{secret, {}};
        CHECK(check_server_cookie(secrets, client, longer, ip("192.0.2.1"), made) == CookieCheck::invalid);
        CHECK(check_server_cookie(secrets, client, std::span(cookie).first(8), ip("192.0.2.1"), made) ==
              CookieCheck::invalid);
        CHECK(check_server_cookie(secrets, client, {}, ip("192.0.2.1"), made) == CookieCheck::invalid);
    }
}

TEST_CASE("write_cookie_option: the Client Cookie, then the Server Cookie") {
    const auto server = hex<16>("010000005cf79f111f8130c3eee29480");
    std::array<std::uint8_t, cookie_option_size> out{};
    write_cookie_option(out, hex<8>("2464c4abcf10c957"), server);
    CHECK(out == hex<24>("2464c4abcf10c957010000005cf79f111f8130c3eee29480"));
}
