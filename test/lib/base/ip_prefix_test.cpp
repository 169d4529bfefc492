// IP addresses and prefixes (lib/base/ip_prefix.hpp): parsing, host bits,
// containment and overlap, which AZ prefixes and client networks rely on.
#include <doctest/doctest.h>

#include <string>

#include "ip_prefix.hpp"

using namespace azdns;

namespace {

IpAddress ip(const char* text) { return *IpAddress::parse(text); }

IpPrefix prefix(const char* text) { return *IpPrefix::parse(text); }

std::string prefix_error(const char* text) {
    std::string why;
    CHECK_FALSE(IpPrefix::parse(text, &why).has_value());
    return why;
}

}  // namespace

TEST_CASE("IpAddress") {
    const auto v4 = IpAddress::parse("192.0.2.1");
    REQUIRE(v4.has_value());
    CHECK(v4->family == IpFamily::v4);
    CHECK(v4->size() == 4);
    CHECK(v4->to_string() == "192.0.2.1");
    const auto v6 = IpAddress::parse("2001:DB8:0::1");
    REQUIRE(v6.has_value());
    CHECK(v6->family == IpFamily::v6);
    CHECK(v6->to_string() == "2001:db8::1");
    for (const char* bad : {"", "192.0.2", "01.2.3.4", "192.0.2.1 ", "[::1]", "::1%eth0", "example.com"}) {
        CAPTURE(bad);
        CHECK_FALSE(IpAddress::parse(bad).has_value());
    }
    CHECK(ip("127.0.0.1").is_loopback());
    CHECK(ip("127.255.0.9").is_loopback());
    CHECK(ip("::1").is_loopback());
    CHECK(ip("::ffff:127.0.0.1").is_loopback());
    CHECK_FALSE(ip("128.0.0.1").is_loopback());
    CHECK_FALSE(ip("0.0.0.0").is_loopback());
    CHECK_FALSE(ip("::").is_loopback());
    CHECK_FALSE(ip("::2").is_loopback());
    CHECK_FALSE(ip("::ffff:128.0.0.1").is_loopback());
}

TEST_CASE("IpPrefix parse and host bits") {
    CHECK(prefix("192.0.2.0/25").length == 25);
    CHECK(prefix("192.0.2.0/25").address == ip("192.0.2.0"));
    CHECK(prefix("2001:DB8:1a::/48").to_string() == "2001:db8:1a::/48");
    CHECK(prefix("0.0.0.0/0").to_string() == "0.0.0.0/0");
    CHECK(prefix("::/0").to_string() == "::/0");
    CHECK(prefix("192.0.2.1/32").to_string() == "192.0.2.1/32");
    CHECK(prefix("2001:db8::1/128").to_string() == "2001:db8::1/128");
    CHECK(prefix("192.0.2.64/26").to_string() == "192.0.2.64/26");

    CHECK(prefix_error("192.0.2.128/24") == "bits past /24 are set (did you mean 192.0.2.0/24?)");
    CHECK(prefix_error("192.0.2.65/26") == "bits past /26 are set (did you mean 192.0.2.64/26?)");
    CHECK(prefix_error("2001:db8::1/64") == "bits past /64 are set (did you mean 2001:db8::/64?)");
    CHECK(prefix_error("192.0.2.0") == "expected ADDRESS/LENGTH, like \"192.0.2.0/25\"");
    CHECK(prefix_error("192.0.2.0/") == "the length must be a number from 0 to 32");
    CHECK(prefix_error("192.0.2.0/x") == "the length must be a number from 0 to 32");
    CHECK(prefix_error("::/129") == "the length must be a number from 0 to 128");
    CHECK(prefix_error("192.0.2/24") == "\"192.0.2\" is not an IP address");
}

TEST_CASE("IpPrefix contains") {
    const auto half = prefix("192.0.2.0/25");
    CHECK(half.contains(ip("192.0.2.0")));
    CHECK(half.contains(ip("192.0.2.127")));
    CHECK_FALSE(half.contains(ip("192.0.2.128")));
    CHECK_FALSE(half.contains(ip("192.0.3.1")));
    CHECK_FALSE(half.contains(ip("::ffff:192.0.2.1")));  // another family

    const auto odd = prefix("10.0.0.0/13");  // boundary inside a byte
    CHECK(odd.contains(ip("10.7.255.255")));
    CHECK_FALSE(odd.contains(ip("10.8.0.0")));

    const auto v6 = prefix("2001:db8:1a::/48");
    CHECK(v6.contains(ip("2001:db8:1a:ffff::1")));
    CHECK_FALSE(v6.contains(ip("2001:db8:1b::")));
    CHECK_FALSE(v6.contains(ip("192.0.2.1")));

    CHECK(prefix("0.0.0.0/0").contains(ip("255.255.255.255")));
    CHECK_FALSE(prefix("0.0.0.0/0").contains(ip("::")));
    CHECK(prefix("192.0.2.1/32").contains(ip("192.0.2.1")));
    CHECK_FALSE(prefix("192.0.2.1/32").contains(ip("192.0.2.0")));
}

TEST_CASE("IpPrefix overlaps") {
    CHECK(prefix("192.0.2.0/24").overlaps(prefix("192.0.2.0/24")));
    CHECK(prefix("192.0.2.0/24").overlaps(prefix("192.0.2.128/25")));
    CHECK(prefix("192.0.2.128/25").overlaps(prefix("192.0.2.0/24")));
    CHECK_FALSE(prefix("192.0.2.0/25").overlaps(prefix("192.0.2.128/25")));
    CHECK(prefix("2001:db8::/32").overlaps(prefix("2001:db8:1a::/48")));
    CHECK_FALSE(prefix("2001:db8:1a::/48").overlaps(prefix("2001:db8:1b::/48")));
    CHECK_FALSE(prefix("0.0.0.0/0").overlaps(prefix("::/0")));
}
