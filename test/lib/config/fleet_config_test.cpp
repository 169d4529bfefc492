// The [fleet] section (docs/fleet.md, spec: "Configuration (TOML)"): every
// key and its default, and every mistake at the FILE:LINE:COL that `azdns
// check` prints, all of a file's mistakes in one run.
#include <doctest/doctest.h>

#include <unistd.h>

#include <climits>
#include <initializer_list>
#include <string>
#include <vector>

#include "config.hpp"
#include "config_test_support.hpp"

using namespace azdns;
using namespace std::chrono_literals;

namespace {

const std::string fleet_dir = std::string(AZDNS_TEST_DATA_DIR) + "/config/fleet";

std::string data(const std::string& name) { return fleet_dir + "/" + name; }

Config load_valid(const std::string& name) { return azdns::test::load_valid_config(data(name)); }

// One problem per line, so a failed CHECK shows the whole difference.
std::string problems(const std::string& name) {
    Diagnostics diags;
    CHECK_FALSE(load_config(data(name), diags).has_value());
    std::string out;
    for (const auto& diagnostic : diags.all()) out += diagnostic.to_string() + "\n";
    return out;
}

// Expected problems of test/data/config/fleet/NAME, each "LINE:COL: message".
std::string expected(const std::string& name, std::initializer_list<std::string> located_messages) {
    std::string out;
    for (const auto& message : located_messages) out += data(name) + ":" + message + "\n";
    return out;
}

std::string this_host() {
    char name[HOST_NAME_MAX + 1] = {};
    REQUIRE(gethostname(name, sizeof name - 1) == 0);
    return name;
}

}  // namespace

TEST_CASE("no [fleet] section is a fleet of one, named after the host") {
    const auto config = load_valid("../minimal.toml");
    const auto& fleet = config.fleet;
    CHECK(fleet.name == this_host());
    CHECK(fleet.peers.empty());
    CHECK(fleet.vantage_points() == 1);
    CHECK(fleet.quorum == 1);
    CHECK(fleet.stale_after == 5s);
    CHECK(fleet.fail_static_max == 10min);
    CHECK(fleet.token_file.empty());
    CHECK(fleet.ca_file.empty());
}

TEST_CASE("every [fleet] key and peer") {
    const auto config = load_valid("full.toml");
    const auto& fleet = config.fleet;
    CHECK(fleet.name == "ns1.europe-se-1a");
    CHECK(fleet.quorum == 3);
    CHECK(fleet.stale_after == 2s);
    CHECK(fleet.token_file == data("fleet.token"));  // its own, not control's
    CHECK(fleet.ca_file == data("ca.pem"));
    CHECK(fleet.fail_static_max == 90s);
    REQUIRE(fleet.peers.size() == 5);
    CHECK(fleet.vantage_points() == 6);

    const auto& ns2 = fleet.peers[0];
    CHECK(ns2.name == "ns2");
    CHECK(ns2.url == "https://ns2.example.net:8053");
    CHECK(ns2.tls);
    CHECK(ns2.host == "ns2.example.net");
    CHECK(ns2.port == 8053);
    CHECK(ns2.where.line == 13);

    const auto& ns3 = fleet.peers[1];
    CHECK(ns3.name == "ns3_outside");
    CHECK(ns3.host == "2001:db8::53");  // without brackets
    CHECK(ns3.port == 443);
    CHECK(ns3.tls);

    // Loopback peers may use plain http: 127.0.0.0/8, ::1 and localhost.
    CHECK_FALSE(fleet.peers[2].tls);
    CHECK(fleet.peers[2].host == "127.0.0.2");
    CHECK(fleet.peers[3].host == "::1");
    CHECK(fleet.peers[4].name == "local.7");  // kept in lower case
    CHECK(fleet.peers[4].host == "LocalHost");
    CHECK(fleet.peers[4].port == 8056);
}

TEST_CASE("a fleet's defaults: the host name, a majority quorum and control's token") {
    const auto two = load_valid("peers_defaults.toml");
    CHECK(two.fleet.name == this_host());
    CHECK(two.fleet.vantage_points() == 2);
    CHECK(two.fleet.quorum == 2);
    CHECK(two.fleet.token_file == two.control.token_file);
    CHECK(two.fleet.token_file == std::string(AZDNS_TEST_DATA_DIR) + "/config/control.token");
    CHECK(two.fleet.ca_file.empty());
    CHECK(two.fleet.stale_after == 5s);
    CHECK(two.fleet.fail_static_max == 10min);

    const auto five = load_valid("four_peers.toml");
    CHECK(five.fleet.vantage_points() == 5);
    CHECK(five.fleet.quorum == 3);

    const auto alone = load_valid("alone_no_token.toml");
    CHECK(alone.fleet.name == "ns1");
    CHECK(alone.fleet.quorum == 1);
    CHECK(alone.fleet.token_file.empty());
}

// Names are compared without regard to letter case, as host names are.
TEST_CASE("peer names: the syntax, unique, not this instance's own") {
    CHECK(problems("bad_names.toml") ==
          expected("bad_names.toml",
                   {
                       "8:8: invalid fleet.peer.name \"ns 2\": only letters, digits, \".\", \"-\" and \"_\" are "
                       "allowed",
                       "16:8: duplicate fleet.peer.name \"NS3\" (first at line 12)",
                       "20:8: fleet.peer.name \"Ns1\" is this instance's own name (fleet.name)",
                       "24:8: invalid fleet.peer.name \"\": it must not be empty",
                       "28:8: invalid fleet.peer.name "
                       "\"a-name-that-is-longer-than-sixty-three-characters-which-is-too-long\": it is longer than "
                       "63 characters",
                       "31:1: missing key \"name\" in [[fleet.peer]]",
                       "34:1: missing key \"url\" in [[fleet.peer]]",
                       "36:1: unknown key \"port\" in [[fleet.peer]]",
                   }));
    CHECK(problems("bad_own_name.toml") ==
          expected("bad_own_name.toml", {"2:8: invalid fleet.name \"ns1/eu\": only letters, digits, \".\", \"-\" "
                                         "and \"_\" are allowed"}));
}

TEST_CASE("peer URLs: https unless loopback, a host and a port, nothing after") {
    const std::string plain = "\" is not a loopback address, so it must use https://";
    CHECK(problems("bad_urls.toml") ==
          expected("bad_urls.toml",
                   {
                       "9:7: fleet.peer.url \"http://ns2.example.net:8053" + plain,
                       "13:7: fleet.peer.url \"http://192.0.2.2:8053" + plain,
                       "17:7: fleet.peer.url \"http://[2001:db8::2]:8053" + plain,
                       "21:7: invalid fleet.peer.url \"ftp://ns2.example.net:8053\": it must start with https:// "
                       "or http://",
                       "25:7: invalid fleet.peer.url \"https://ns2.example.net\": a port is required, like "
                       "\"https://ns2.example.net:8053\"",
                       "29:7: invalid fleet.peer.url \"https://ns2.example.net:8053/fleet\": a path is not allowed: "
                       "a peer's control API is at the root",
                       "33:7: invalid fleet.peer.url \"https://ns2.example.net:8053/?a=b\": a query or a fragment is "
                       "not allowed",
                       "37:7: invalid fleet.peer.url \"https://ns2.example.net:8053#top\": a query or a fragment is "
                       "not allowed",
                       "41:7: invalid fleet.peer.url \"https://user:pw@ns2.example.net:8053\": user information is "
                       "not allowed: peers authenticate with the fleet's token",
                       "45:7: invalid fleet.peer.url \"https://2001:db8::2:8053\": an IPv6 address must be in "
                       "brackets, like \"https://[2001:db8::1]:8053\"",
                       "49:7: invalid fleet.peer.url \"https://[2001:db8::2:8053\": expected an IPv6 address in "
                       "brackets, like \"https://[2001:db8::1]:8053\"",
                       "53:7: invalid fleet.peer.url \"https://:8053\": the host is missing",
                       "57:7: invalid fleet.peer.url \"https://ns2.example.net:0\": the port must be a number from 1 "
                       "to 65535",
                       "61:7: invalid fleet.peer.url \"https://192.0.2.300:8053\": \"192.0.2.300\" is not a host "
                       "name or an IPv4 address",
                       "65:7: invalid fleet.peer.url \"https://ns2_x.example.net:8053\": \"ns2_x.example.net\" is "
                       "not a host name or an IPv4 address",
                       "69:7: invalid fleet.peer.url \"https://[2001:db8::2]\": a port is required, like "
                       "\"https://[2001:db8::1]:8053\"",
                   }));
}

TEST_CASE("quorum, durations and files") {
    CHECK(problems("bad_values.toml") ==
          expected("bad_values.toml",
                   {
                       "3:10: fleet.quorum must be between 1 and 2 (this instance and 1 peer), not 3",
                       "4:15: fleet.stale_after must be longer than zero",
                       "5:14: fleet.token_file must not be empty (leave it out for control.token_file)",
                       "6:11: cannot read fleet.ca_file \"" + data("no-such-ca.pem") + "\": No such file or directory",
                       "7:19: invalid fleet.fail_static_max \"10\": expected a number and a unit (ms, s, m, h), like "
                       "\"500ms\" or \"1m30s\"",
                   }));
    CHECK(problems("bad_quorum_zero.toml") ==
          expected("bad_quorum_zero.toml",
                   {
                       "5:10: fleet.quorum must be 1 in a fleet without peers, not 0",
                       "6:11: fleet.ca_file must not be empty (leave it out for the system's CA store)",
                   }));
}

TEST_CASE("a fleet with peers needs a readable token") {
    CHECK(problems("no_token.toml") ==
          expected("no_token.toml", {"2:1: the fleet has peers, so fleet.token_file or control.token_file is "
                                     "required (peers authenticate with it)"}));
    CHECK(problems("no_token_peers_only.toml") ==
          expected("no_token_peers_only.toml", {"2:1: the fleet has peers, so fleet.token_file or "
                                                "control.token_file is required (peers authenticate with it)"}));
    CHECK(problems("bad_token.toml") ==
          expected("bad_token.toml", {"3:14: cannot read fleet.token_file \"" + data("no-such.token") +
                                      "\": No such file or directory"}));
}

TEST_CASE("canary checks: an address outside every AZ and a check by name") {
    const Config config = load_valid("canaries.toml");
    REQUIRE(config.fleet.canaries.size() == 2);
    CHECK(config.fleet.canaries[0].address.to_string() == "198.51.100.53");
    CHECK(config.fleet.canaries[0].check == "web");
    CHECK(config.fleet.canaries[1].address.to_string() == "2001:db8:ffff::53");
    CHECK(problems("bad_canaries.toml") ==
          expected("bad_canaries.toml",
                   {
                       "4:1: fleet.canary.address 192.0.2.7 is in AZ a (192.0.2.0/25): a canary must stand outside "
                       "every AZ",
                       "6:9: fleet.canary.check names check \"nosuch\", which is not defined",
                       "9:11: invalid fleet.canary.address \"not-an-address\": expected an IP address, like "
                       "\"192.0.2.53\"",
                       "11:1: unknown key \"colour\" in [[fleet.canary]]",
                   }));
}
