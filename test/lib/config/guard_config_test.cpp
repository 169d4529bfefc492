// [rrl] and [cookies] in the config (docs/security.md): values read, every
// mistake at the FILE:LINE:COL that `azdns check` prints, all in one run.
#include <doctest/doctest.h>

#include <string>

#include "config.hpp"
#include "config_test_support.hpp"

using namespace azdns;
using azdns::test::diagnostics_text;

namespace {
const std::string guard_dir = std::string(AZDNS_TEST_DATA_DIR) + "/config/guard/";
}  // namespace

TEST_CASE("without [rrl] and [cookies], neither is on") {
    const Config config = azdns::test::load_valid_config(std::string(AZDNS_TEST_DATA_DIR) + "/config/locality/nearest.toml");
    CHECK_FALSE(config.rrl.enabled());
    CHECK(config.rrl.slip == 2);
    CHECK(config.rrl.ipv4_prefix == 24);
    CHECK(config.rrl.ipv6_prefix == 56);
    CHECK_FALSE(config.cookies.enabled);
}

TEST_CASE("[rrl] and [cookies] with a secret file") {
    const Config config = azdns::test::load_valid_config(guard_dir + "good.toml");
    CHECK(config.rrl.enabled());
    CHECK(config.rrl.responses_per_second == 20);
    CHECK(config.rrl.slip == 3);
    CHECK(config.rrl.ipv4_prefix == 22);
    CHECK(config.rrl.ipv6_prefix == 48);
    CHECK(config.rrl.exempt ==
          std::vector<IpPrefix>{*IpPrefix::parse("192.0.2.0/24"), *IpPrefix::parse("2001:db8:e::/48")});
    CHECK(config.cookies.enabled);
    CHECK(config.cookies.secret_file == guard_dir + "cookie.secret");
    REQUIRE(config.cookies.secrets.has_value());
    CHECK(config.cookies.secrets->current[0] == 0xe5);
    REQUIRE(config.cookies.secrets->previous.has_value());
    CHECK((*config.cookies.secrets->previous)[15] == 0x0f);
}

TEST_CASE("an empty [cookies] turns cookies on with a secret drawn at start") {
    const Config config = azdns::test::load_valid_config(guard_dir + "random.toml");
    CHECK(config.cookies.enabled);
    CHECK_FALSE(config.cookies.secrets.has_value());
}

TEST_CASE("bad [rrl] and [cookies] values are refused, each where it is") {
    const std::string at = guard_dir + "bad.toml:";
    CHECK(diagnostics_text(guard_dir + "bad.toml", false) ==
          at + "5:24: rrl.responses_per_second must be between 0 and 1000000, not -1\n" +
          at + "6:8: rrl.slip must be between 0 and 100, not 101\n" +
          at + "7:15: rrl.ipv4_prefix must be between 8 and 32, not 33\n" +
          at + "8:15: rrl.ipv6_prefix must be between 16 and 128, not 8\n" +
          at + "9:11: invalid rrl.exempt \"192.0.2.1/24\": bits past /24 are set (did you mean 192.0.2.0/24?)\n" +
          at + "9:27: invalid rrl.exempt \"nonsense\": expected ADDRESS/LENGTH, like \"192.0.2.0/25\"\n" +
          at + "10:1: unknown key \"window\" in [rrl]\n" +
          at + "13:15: cookies.secret_file: " + guard_dir + "bad.secret:1:1: a secret is 32 hex digits (16 bytes), not 31\n");
}
