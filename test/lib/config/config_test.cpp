// The config contract (spec: "Configuration (TOML)"): values and defaults of
// valid files, and for every kind of mistake the exact FILE:LINE:COL text
// that `azdns check` prints, so an operator lands on the offending value.
#include <doctest/doctest.h>

#include <initializer_list>
#include <string>
#include <vector>

#include "config.hpp"
#include "dns_name.hpp"
#include "config_test_support.hpp"

using namespace azdns;
using namespace std::chrono_literals;

namespace {

const std::string config_dir = std::string(AZDNS_TEST_DATA_DIR) + "/config";

std::string data(const std::string& name) { return config_dir + "/" + name; }

// One problem per line, so a failed CHECK shows the whole difference.
std::string join(const std::vector<std::string>& lines) {
    std::string out;
    for (const auto& line : lines) out += line + "\n";
    return out;
}

// The problems of a file that must not load, as printed by `azdns check`.
std::string problems(const std::string& name) {
    Diagnostics diags;
    const auto config = load_config(data(name), diags);
    CHECK_FALSE(config.has_value());
    std::vector<std::string> lines;
    for (const auto& diagnostic : diags.all()) lines.push_back(diagnostic.to_string());
    return join(lines);
}

// Expected problems of test/data/config/NAME, each "LINE:COL: message".
std::string expected(const std::string& name, std::initializer_list<std::string> located_messages) {
    std::vector<std::string> lines;
    for (const auto& message : located_messages) lines.push_back(data(name) + ":" + message);
    return join(lines);
}

Config load_valid(const std::string& name) { return azdns::test::load_valid_config(data(name)); }

std::string wire(const char* text) { return name_canonical(*name_from_text(text)); }

}  // namespace

TEST_CASE("a full config loads every key") {
    const auto config = load_valid("full.toml");
    CHECK(config.path == data("full.toml"));

    const auto& server = config.server;
    REQUIRE(server.listen.size() == 2);
    CHECK(server.listen[0].to_string() == "127.0.0.1:5353");
    CHECK(server.listen[1].to_string() == "[::1]:5353");
    CHECK(server.listen[1].address == *IpAddress::parse("::1"));
    CHECK(server.listen[1].where.line == 3);
    CHECK(server.listen[1].where.column == 29);
    CHECK(server.workers == 4);
    CHECK(server.edns_udp_size == 1400);
    CHECK(server.tcp_idle_timeout == 90s);
    CHECK(server.max_tcp_clients == 64);
    CHECK(server.identity == "ns1.europe-se-1a");
    CHECK(server.version == "azdns test");
    CHECK(server.state_dir == data("state"));  // relative to the config's folder
    CHECK(server.user == "azdns");
    CHECK(server.max_zone_size == 512u << 20);
    CHECK(server.reload_timeout == 30s);

    CHECK(config.control.listen.to_string() == "192.0.2.1:8053");
    CHECK(config.control.token_file == data("control.token"));

    REQUIRE(config.zones.size() == 2);
    CHECK(config.zones[0].origin == wire("example.com."));  // made absolute and lowercased
    CHECK(config.zones[0].file == data("zones/example.com.zone"));
    CHECK(config.zones[0].where.line == 19);
    CHECK(config.zones[0].file_where.line == 21);
    CHECK(config.zones[0].file_where.column == 8);
    CHECK(config.zones[1].origin == wire("example.net."));
    CHECK(config.zones[1].file == "/etc/hosts");  // absolute paths stay as written

    CHECK(config.ttl.max == 120);
    CHECK(config.ttl.degraded == 15);
    CHECK(config.ttl.all_down == 5);
    CHECK(config.all_down == AllDownPolicy::nodata);

    REQUIRE(config.azs.size() == 2);
    CHECK(config.azs[0].name == "europe-se-1a");
    CHECK(config.azs[0].region == "europe-se-1");
    REQUIRE(config.azs[0].prefixes.size() == 2);
    CHECK(config.azs[0].prefixes[0].to_string() == "192.0.2.0/25");
    CHECK(config.azs[0].prefixes[1].to_string() == "2001:db8:1a::/48");
    CHECK(config.azs[0].fence_below == 0.25);
    CHECK(config.azs[0].restore_after == 0ms);
    CHECK(config.azs[0].where.line == 35);
    CHECK(config.azs[1].fence_below == 1.0);  // an integer where a float is expected
    CHECK(config.azs[1].restore_after == 2min);
    CHECK(config.azs[0].ramp == 0ms);
    CHECK(config.azs[1].ramp == 2min);

    REQUIRE(config.checks.size() == 2);
    const auto& web = config.checks[0];
    CHECK(web.name == "web");
    CHECK(web.type == CheckType::https);
    CHECK(web.port == 8443);
    CHECK(web.path == "/healthz");
    CHECK(web.host == "www.example.com");
    CHECK(web.expect_status == std::vector<unsigned>{200, 204});
    CHECK(web.expect_body == "ok");
    CHECK_FALSE(web.tls_verify);
    CHECK(web.interval == 5s);
    CHECK(web.timeout == 500ms);
    CHECK(web.rise == 1);
    CHECK(web.fall == 4);
    const auto& resolver = config.checks[1];
    CHECK(resolver.type == CheckType::dns);
    CHECK(resolver.port == 53);
    CHECK(resolver.query_name == wire("example.com."));
    CHECK(resolver.query_type == 28);  // AAAA, whatever its case

    REQUIRE(config.services.size() == 2);
    CHECK(config.services[0].name == wire("www.example.com."));
    CHECK(config.services[0].check == "web");
    CHECK(config.services[0].policy == ServicePolicy::failover);
    CHECK(config.services[0].prefer == std::vector<std::string>{"europe-se-1b", "europe-se-1a"});
    CHECK(config.services[1].name == wire("example.net."));
    CHECK(config.services[1].policy == ServicePolicy::all);
    CHECK(config.probes.source ==
          std::vector<IpAddress>{*IpAddress::parse("2001:db8::1"), *IpAddress::parse("192.0.2.1")});
    CHECK(config.probes.source_for(IpFamily::v4) == *IpAddress::parse("192.0.2.1"));
    CHECK(config.probes.source_for(IpFamily::v6) == *IpAddress::parse("2001:db8::1"));
}

TEST_CASE("a minimal config gets the spec's defaults") {
    const auto config = load_valid("minimal.toml");
    const auto& server = config.server;
    REQUIRE(server.listen.size() == 2);
    CHECK(server.listen[0].to_string() == "0.0.0.0:53");
    CHECK(server.listen[1].to_string() == "[::]:53");
    CHECK(server.workers == 0);
    CHECK(server.edns_udp_size == 1232);
    CHECK(server.tcp_idle_timeout == 10s);
    CHECK(server.max_tcp_clients == 1024);
    CHECK(server.identity.empty());
    CHECK(server.version.empty());
    CHECK(server.state_dir == "/var/lib/azdns");
    CHECK(server.user.empty());
    CHECK(server.max_zone_size == std::uint64_t{1} << 30);
    CHECK(server.reload_timeout == 2min);
    CHECK(config.control.listen.to_string() == "127.0.0.1:8053");
    CHECK(config.control.token_file.empty());
    CHECK(config.ttl.max == 60);
    CHECK(config.ttl.degraded == 20);
    CHECK(config.ttl.all_down == 10);
    CHECK(config.ttl.healthy_rule == HealthyTtlRule::cap);
    CHECK(config.ttl.healthy_min == 1);
    CHECK(config.all_down == AllDownPolicy::serve_all);
    CHECK(config.zones.size() == 1);
    CHECK(config.azs.empty());
    CHECK(config.checks.empty());
    CHECK(config.services.empty());
    CHECK(config.probes.source.empty());
    CHECK_FALSE(config.probes.source_for(IpFamily::v4));
    CHECK_FALSE(config.probes.source_for(IpFamily::v6));
}

TEST_CASE("az, check and service entries get the spec's defaults") {
    const auto config = load_valid("defaults.toml");
    REQUIRE(config.azs.size() == 1);
    CHECK(config.azs[0].region.empty());
    CHECK(config.azs[0].fence_below == 0.5);
    CHECK(config.azs[0].restore_after == 30s);
    CHECK(config.azs[0].ramp == 0ms);  // no ramp: a restored AZ is back in every answer at once

    REQUIRE(config.checks.size() == 2);
    const auto& plain = config.checks[0];
    CHECK(plain.port == 80);
    CHECK(plain.path == "/");
    CHECK(plain.host.empty());
    CHECK(plain.expect_status == std::vector<unsigned>{200});
    CHECK(plain.expect_body.empty());
    CHECK(plain.tls_verify);
    CHECK(plain.interval == 2s);
    CHECK(plain.timeout == 1s);
    CHECK(plain.rise == 2);
    CHECK(plain.fall == 3);
    CHECK(config.checks[1].port == 443);

    REQUIRE(config.services.size() == 1);
    CHECK(config.services[0].policy == ServicePolicy::all);
    CHECK(config.services[0].prefer.empty());
}

TEST_CASE("a config file that cannot be read") {
    CHECK(problems("no-such.toml") ==
          expected("no-such.toml", {"0:0: cannot read the config file: No such file or directory"}));
}

TEST_CASE("a TOML syntax error is one problem at its place") {
    CHECK(problems("bad/syntax.toml") ==
          expected("bad/syntax.toml", {"3:16: Error while parsing string: unescaped control characters other than "
                                       "TAB (U+0009) are explicitly prohibited"}));
}

TEST_CASE("a string still open when the file ends is reported where the file ends") {
    // Line 3, `identity = """ns1`, has 17 bytes and the file's last newline.
    CHECK(problems("bad/open_at_end.toml") ==
          expected("bad/open_at_end.toml", {"3:18: Error while parsing string: encountered end-of-file"}));
}

TEST_CASE("unknown keys and tables at every level") {
    CHECK(problems("bad/unknown_keys.toml") == expected("bad/unknown_keys.toml", {
                                                   "2:1: unknown key \"verbose\" at top level",
                                                   "5:1: unknown key \"listn\" in [server]",
                                                   "10:1: unknown key \"orign\" in [[zone]]",
                                                   "12:2: unknown table [srever]",
                                                   "15:3: unknown table [[chek]]",
                                               }));
}

TEST_CASE("wrong types are reported, never replaced by a default") {
    CHECK(problems("bad/wrong_types.toml") ==
          expected("bad/wrong_types.toml", {
                                               "1:7: ttl must be a table ([ttl]), not an integer",
                                               "4:11: server.workers must be an integer, not a string",
                                               "5:10: server.listen must be an array of strings, not a string",
                                               "6:17: server.edns_udp_size must be an integer, not a float",
                                               "9:10: control.listen must be a string, not an array",
                                               "17:29: az.prefixes[1] must be a string, not an integer",
                                               "18:15: az.fence_below must be a number, not a string",
                                               "24:14: check.tls_verify must be a boolean, not a string",
                                               "25:17: check.expect_status must be an array of integers, not an "
                                               "integer",
                                           }));
    CHECK(problems("bad/wrong_sections.toml") ==
          expected("bad/wrong_sections.toml", {
                                                  "2:1: server must be a table ([server]), not an array",
                                                  "5:1: zone must be an array of tables ([[zone]]), not a table",
                                              }));
}

TEST_CASE("bad durations, and zero where it means nothing") {
    const std::string hint = "expected a number and a unit (ms, s, m, h), like \"500ms\" or \"1m30s\"";
    CHECK(problems("bad/durations.toml") == expected("bad/durations.toml", {
                                                "2:20: invalid server.tcp_idle_timeout \"5\": " + hint,
                                                "11:17: invalid az.restore_after \"2 s\": " + hint,
                                                "17:12: invalid check.interval \"-1s\": " + hint,
                                                "18:11: invalid check.timeout \"1x\": " + hint,
                                                "24:12: check.interval must be longer than zero",
                                                "25:11: check.timeout must be longer than zero",
                                            }));
}

TEST_CASE("bad ramps: not a duration, or longer than an hour") {
    const std::string hint = "expected a number and a unit (ms, s, m, h), like \"500ms\" or \"1m30s\"";
    CHECK(problems("bad/ramp.toml") ==
          expected("bad/ramp.toml", {
                                        "8:8: invalid az.ramp \"-1s\": " + hint,
                                        "13:8: az.ramp (61m) is longer than 1h, the longest ramp allowed",
                                        "18:8: az.ramp must be a string, not an integer",
                                        "23:8: invalid az.ramp \"2\": " + hint,
                                    }));
}

TEST_CASE("bad sizes and reload timeouts") {
    CHECK(problems("bad/limits.toml") ==
          expected("bad/limits.toml",
                   {
                       "2:17: invalid server.max_zone_size \"1024\": expected a number and a unit (B, K, M, G; "
                       "K = 1024 bytes), like \"512M\" or \"1G\"",
                       "3:18: invalid server.reload_timeout \"2\": expected a number and a unit (ms, s, m, h), like "
                       "\"500ms\" or \"1m30s\"",
                   }));
    CHECK(problems("bad/limits_zero.toml") == expected("bad/limits_zero.toml",
                                                       {
                                                           "2:17: server.max_zone_size must be larger than zero",
                                                           "3:18: server.reload_timeout must be longer than zero",
                                                       }));
}

TEST_CASE("server.max_zone_records: 10000000 unless set, from 1 to 4294967295") {
    CHECK(load_valid("minimal.toml").server.max_zone_records == 10'000'000);
    CHECK(load_valid("zone_records.toml").server.max_zone_records == 4'294'967'295);
    CHECK(problems("bad/zone_records_zero.toml") ==
          expected("bad/zone_records_zero.toml",
                   {"2:20: server.max_zone_records must be between 1 and 4294967295, not 0"}));
    CHECK(problems("bad/zone_records_big.toml") ==
          expected("bad/zone_records_big.toml",
                   {"2:20: server.max_zone_records must be between 1 and 4294967295, not 4294967296"}));
    CHECK(problems("bad/zone_records_text.toml") ==
          expected("bad/zone_records_text.toml", {"2:20: server.max_zone_records must be an integer, not a string"}));
}

TEST_CASE("bad prefixes") {
    CHECK(problems("bad/prefixes.toml") ==
          expected("bad/prefixes.toml", {
                                            "7:13: invalid az.prefixes \"192.0.2.1/24\": bits past /24 are set (did "
                                            "you mean 192.0.2.0/24?)",
                                            "7:29: invalid az.prefixes \"192.0.2.0/33\": the length must be a number "
                                            "from 0 to 32",
                                            "7:45: invalid az.prefixes \"not-an-ip/8\": \"not-an-ip\" is not an IP "
                                            "address",
                                            "7:60: invalid az.prefixes \"2001:db8::\": expected ADDRESS/LENGTH, like "
                                            "\"192.0.2.0/25\"",
                                            "7:74: invalid az.prefixes \"2001:db8::/-1\": the length must be a number "
                                            "from 0 to 128",
                                            "11:12: az.prefixes must not be empty",
                                        }));
}

TEST_CASE("bad listen addresses") {
    CHECK(problems("bad/listen.toml") ==
          expected("bad/listen.toml",
                   {
                       "2:11: invalid server.listen \"::1:53\": an IPv6 address must be in brackets, like "
                       "\"[::1]:5353\"",
                       "2:21: invalid server.listen \"127.0.0.1\": expected ADDRESS:PORT, like \"127.0.0.1:5353\" or "
                       "\"[::1]:5353\"",
                       "2:34: invalid server.listen \"127.0.0.1:0\": the port must be a number from 1 to 65535",
                       "2:49: invalid server.listen \"[::1]:70000\": the port must be a number from 1 to 65535",
                       "2:64: invalid server.listen \"[::1]\": expected [IPV6]:PORT, like \"[::1]:5353\"",
                       "2:73: invalid server.listen \"[127.0.0.1]:53\": \"127.0.0.1\" is not an IPv6 address",
                       "2:91: invalid server.listen \"localhost:53\": \"localhost\" is not an IPv4 address",
                       "5:10: invalid control.listen \"127.0.0.1:http\": the port must be a number from 1 to 65535",
                   }));
}

TEST_CASE("probe sources: bare IP addresses, at most one per family") {
    CHECK(problems("bad/probes.toml") ==
          expected("bad/probes.toml",
                   {
                       "6:24: invalid probes.source \"192.0.2.1:53\": expected an IP address without port or prefix "
                       "length, like \"192.0.2.1\" or \"2001:db8::1\"",
                       "6:40: invalid probes.source \"192.0.2.0/24\": expected an IP address without port or prefix "
                       "length, like \"192.0.2.1\" or \"2001:db8::1\"",
                       "6:56: invalid probes.source \"[::1]\": expected an IP address without port or prefix "
                       "length, like \"192.0.2.1\" or \"2001:db8::1\"",
                       "6:65: invalid probes.source \"ns1\": expected an IP address without port or prefix "
                       "length, like \"192.0.2.1\" or \"2001:db8::1\"",
                       "6:72: probes.source has a second IPv4 address \"192.0.2.2\" (the first is \"192.0.2.1\"): "
                       "at most one per family",
                       "6:92: probes.source has a second IPv6 address \"2001:db8::1\" (the first is \"::1\"): "
                       "at most one per family",
                       "7:1: unknown key \"sorce\" in [probes]",
                   }));
    CHECK(problems("bad/probes_types.toml") ==
          expected("bad/probes_types.toml", {"6:24: probes.source[1] must be a string, not an integer"}));
    CHECK(problems("bad/probes_not_array.toml") ==
          expected("bad/probes_not_array.toml",
                   {"6:10: probes.source must be an array of strings, not a string"}));
}

TEST_CASE("overlapping AZ prefixes, within an AZ and across AZs, reported at the later one") {
    CHECK(problems("bad/overlaps.toml") ==
          expected("bad/overlaps.toml", {
                                            "7:49: prefix 192.0.2.64/26 of az \"europe-se-1a\" overlaps prefix "
                                            "192.0.2.0/25 of az \"europe-se-1a\"",
                                            "11:31: prefix 2001:db8::/32 of az \"europe-se-1b\" overlaps prefix "
                                            "2001:db8:1a::/48 of az \"europe-se-1a\"",
                                        }));
}

TEST_CASE("duplicate names, compared as DNS names where they are names") {
    CHECK(problems("bad/duplicates.toml") ==
          expected("bad/duplicates.toml", {
                                              "6:10: duplicate zone \"example.com.\" (first at line 2)",
                                              "14:8: duplicate az \"a\" (first at line 10)",
                                              "23:8: duplicate check \"web\" (first at line 18)",
                                              "32:8: duplicate service \"www.example.com.\" (first at line 28)",
                                          }));
}

TEST_CASE("services must reference existing checks, AZs and zones") {
    CHECK(problems("bad/references.toml") ==
          expected("bad/references.toml",
                   {
                       "9:27: service.prefer names az \"europe-se-1c\", which is not defined",
                       "15:10: service.prefer must name at least one az when policy is \"failover\"",
                       "17:1: missing key \"prefer\" in [[service]]: failover services need at least one az",
                       "23:8: service \"www.example.org.\" is not inside any configured zone",
                       "28:9: service.check names check \"wbe\", which is not defined",
                   }));
}

TEST_CASE("files that cannot be read, with the OS reason, at the key's value") {
    CHECK(problems("bad/files.toml") ==
          expected("bad/files.toml", {
                                         "2:13: server.state_dir must not be empty",
                                         "6:8: cannot read zone.file \"" + data("bad/missing.zone") +
                                             "\": No such file or directory",
                                         "10:8: cannot read zone.file \"" + data("zones") +
                                             "\": not a regular file (a directory)",
                                         "14:8: zone.file must not be empty",
                                     }));
    CHECK(problems("bad/control_token.toml") ==
          expected("bad/control_token.toml", {"3:14: cannot read control.token_file \"" + data("bad/no-such.token") +
                                                  "\": No such file or directory"}));
}

TEST_CASE("a control listener that is not loopback needs a token") {
    CHECK(problems("bad/control_open.toml") ==
          expected("bad/control_open.toml", {"2:10: control.listen [::]:8053 is not a loopback address, so "
                                             "control.token_file is required"}));
}

TEST_CASE("enum values") {
    CHECK(problems("bad/enums.toml") ==
          expected("bad/enums.toml", {
                                         "2:12: policy.all_down must be one of \"serve-all\", \"servfail\", "
                                         "\"nodata\", not \"serve_all\"",
                                         "10:8: check.type must be one of \"tcp\", \"http\", \"https\", \"dns\", not "
                                         "\"icmp\"",
                                         "15:10: service.policy must be one of \"all\", \"failover\", \"nearest\", not \"first\"",
                                     }));
}

TEST_CASE("ttl.healthy: \"auto\", or whole seconds up to ttl.max") {
    const auto automatic = load_valid("ttl_auto.toml");
    CHECK(automatic.ttl.healthy_rule == HealthyTtlRule::detection);
    const auto fixed = load_valid("ttl_healthy.toml");
    CHECK(fixed.ttl.healthy_rule == HealthyTtlRule::fixed);
    CHECK(fixed.ttl.healthy == 20);
    CHECK(fixed.ttl.healthy_min == 3);

    CHECK(problems("bad/ttl_healthy.toml") ==
          expected("bad/ttl_healthy.toml",
                   {"3:11: ttl.healthy must be \"auto\" or whole seconds, like \"10s\", not \"1500ms\"",
                    "4:15: ttl.healthy_min must be between 0 and 2147483647, not -1"}));
    CHECK(problems("bad/ttl_healthy_max.toml") ==
          expected("bad/ttl_healthy_max.toml",
                   {"3:11: ttl.healthy (2m) is above ttl.max (10 s), which caps every answer"}));
    CHECK(problems("bad/ttl_healthy_type.toml") ==
          expected("bad/ttl_healthy_type.toml", {"2:11: ttl.healthy must be a string, not an integer"}));
    CHECK(problems("bad/ttl_healthy_word.toml") ==
          expected("bad/ttl_healthy_word.toml",
                   {"2:11: ttl.healthy must be \"auto\" or whole seconds, like \"10s\", not \"automatic\""}));
}

TEST_CASE("values out of range") {
    CHECK(problems("bad/ranges.toml") ==
          expected("bad/ranges.toml", {
                                          "2:17: server.edns_udp_size must be between 512 and 65535, not 511",
                                          "3:19: server.max_tcp_clients must be between 1 and 1000000, not 0",
                                          "4:11: server.workers must be between 0 and 1024, not -1",
                                          "7:7: ttl.max must be between 0 and 2147483647, not 2147483648",
                                          "8:12: ttl.degraded must be between 0 and 2147483647, not -1",
                                          "18:15: az.fence_below must be between 0 and 1, not 1.5",
                                          "23:8: check.port must be between 1 and 65535, not 0",
                                          "24:23: check.expect_status[1] must be between 100 and 599, not 99",
                                          "24:27: check.expect_status[2] must be between 100 and 599, not 600",
                                          "25:8: check.rise must be between 1 and 1000, not 0",
                                          "26:8: check.fall must be between 1 and 1000, not 0",
                                          "28:11: check.timeout (2s) must not be longer than check.interval (1s)",
                                          // the default timeout, reported at the interval that undercuts it
                                          "33:12: check.timeout (1s) must not be longer than check.interval (500ms)",
                                          "38:17: check.expect_status must not be empty",
                                      }));
}

TEST_CASE("what each check type requires") {
    CHECK(problems("bad/checks.toml") ==
          expected("bad/checks.toml",
                   {
                       "5:1: missing key \"port\" in [[check]]: tcp checks need a port",
                       "9:1: missing key \"query\" in [[check]]: dns checks need \"NAME TYPE\" to ask, like "
                       "\"example.com. SOA\"",
                       "16:9: invalid check.query \"example.com.\": expected \"NAME TYPE\", like \"example.com. SOA\"",
                       "21:9: invalid check.query \"example.com. BOGUS\": unknown type \"BOGUS\" (use a mnemonic like "
                       "SOA, or TYPEnnn)",
                       "26:9: invalid check.query \"example..com. SOA\": \"example..com.\" is not a valid domain name",
                       "31:8: invalid check.path \"healthz\": it must start with \"/\"",
                   }));
}

TEST_CASE("missing keys at their table, bad names at their value") {
    // The service is in no zone only because the zones are broken: not reported.
    CHECK(problems("bad/names.toml") == expected("bad/names.toml", {
                                            "2:10: invalid zone.origin \"example..com\": not a valid domain name",
                                            "5:1: missing key \"origin\" in [[zone]]",
                                            "8:1: missing key \"name\" in [[az]]",
                                            "11:1: missing key \"prefixes\" in [[az]]",
                                            "12:8: az.name must not be empty",
                                            "14:1: missing key \"type\" in [[check]]",
                                            "17:1: missing key \"check\" in [[service]]",
                                        }));
}

TEST_CASE("every mistake of a file is reported, in file order") {
    CHECK(problems("bad/three_mistakes.toml") ==
          expected("bad/three_mistakes.toml", {
                                                  "5:10: service.policy must be one of \"all\", \"failover\", \"nearest\", "
                                                  "not \"any\"",
                                                  "8:11: server.workers must be an integer, not a string",
                                                  "13:1: unknown key \"ttl\" in [[zone]]",
                                              }));
}

TEST_CASE("parse_duration") {
    CHECK(parse_duration("500ms") == 500ms);
    CHECK(parse_duration("2s") == 2s);
    CHECK(parse_duration("1m") == 1min);
    CHECK(parse_duration("1h") == 1h);
    CHECK(parse_duration("1m30s") == 90s);
    CHECK(parse_duration("1h2m3s4ms") == 1h + 2min + 3s + 4ms);
    CHECK(parse_duration("0s") == 0ms);
    for (const char* bad : {"", "5", "2 s", " 2s", "2s ", "-1s", "+1s", "1x", "s", "ms", "1.5s", "1S", "1d", "1s5",
                            "99999999999999999999h", "9999999999999999h"}) {
        CAPTURE(bad);
        CHECK_FALSE(parse_duration(bad).has_value());
    }
}
