// Zone transfers in the config (docs/transfers.md): [[key]] with its secret
// file, a zone's notify targets and [[zone.allow_transfer]] rules, a
// secondary zone's primaries; every mistake at the FILE:LINE:COL that
// `azdns check` prints, all in one run.
#include <doctest/doctest.h>

#include <initializer_list>
#include <string>

#include "config.hpp"
#include "config_test_support.hpp"
#include "config_transfer.hpp"
#include "dns_name.hpp"

using namespace azdns;

namespace {

const std::string transfer_dir = std::string(AZDNS_TEST_DATA_DIR) + "/config/transfer";

std::string data(const std::string& name) { return transfer_dir + "/" + name; }

std::string diagnostics_of(const std::string& name, bool loads) {
    Diagnostics diags;
    CHECK(load_config(data(name), diags).has_value() == loads);
    std::string out;
    for (const auto& diagnostic : diags.all()) out += diagnostic.to_string() + "\n";
    return out;
}

std::string expected(const std::string& name, std::initializer_list<std::string> located_messages) {
    std::string out;
    for (const auto& message : located_messages) out += data(name) + ":" + message + "\n";
    return out;
}

IpPrefix prefix(const char* text) { return *IpPrefix::parse(text); }

std::vector<std::uint8_t> bytes_from(std::uint8_t first, std::size_t count) {
    std::vector<std::uint8_t> out(count);
    for (std::size_t i = 0; i < count; ++i) out[i] = static_cast<std::uint8_t>(first + i);
    return out;
}

}  // namespace

TEST_CASE("keys, notify targets and transfer rules, as written") {
    const auto config = azdns::test::load_valid_config(data("transfers.toml"));
    REQUIRE(config.keys.size() == 2);
    CHECK(name_to_text(config.keys[0].name) == "xfr.");
    CHECK(config.keys[0].algorithm == "hmac-sha256");
    CHECK(config.keys[0].secret == bytes_from(0, 32));
    // A tsig-keygen clause gives its secret; names compare without case.
    CHECK(name_to_text(config.keys[1].name) == "long.example.");
    CHECK(config.keys[1].secret == bytes_from(64, 64));
    REQUIRE(config.key(config.keys[1].name) == &config.keys[1]);

    REQUIRE(config.zones.size() == 1);
    const ZoneConfig& zone = config.zones[0];
    REQUIRE(zone.notify.size() == 3);
    CHECK(zone.notify[0].to_string() == "192.0.2.53:53");
    CHECK(zone.notify[1].to_string() == "192.0.2.54:53");  // the port defaults to 53
    CHECK(zone.notify[2].to_string() == "[2001:db8::53]:5353");
    REQUIRE(zone.allow_transfer.size() == 3);
    CHECK(zone.allow_transfer[0].prefixes.size() == 2);
    CHECK(zone.allow_transfer[0].key == config.keys[0].name);
    CHECK(zone.allow_transfer[0].view == TransferView::filtered);
    CHECK(zone.allow_transfer[1].key == config.keys[1].name);
    CHECK(zone.allow_transfer[1].view == TransferView::raw);
    CHECK(zone.allow_transfer[2].key.empty());
    CHECK(zone.allow_transfer[2].view == TransferView::filtered);  // the default
}

TEST_CASE("a zone without transfer rules allows no transfer and tells nobody") {
    const auto config = azdns::test::load_valid_config(std::string(AZDNS_TEST_DATA_DIR) + "/config/minimal.toml");
    CHECK(config.keys.empty());
    CHECK(config.zones[0].notify.empty());
    CHECK(config.zones[0].allow_transfer.empty());
}

TEST_CASE("every mistake in keys and transfer rules, each where it is") {
    const std::string name = "bad_transfers.toml";
    const std::string secret_path = transfer_dir + "/";
    CHECK(diagnostics_of(name, false) ==
          expected(name, {
              "3:13: key.algorithm must be one of \"hmac-sha256\", \"hmac-sha512\", not \"hmac-md5\"",
              "7:8: duplicate key \"xfr.\" (first at line 2)",
              "9:15: key.secret_file \"" + secret_path + "garbage.key\": expected the secret in base64 (as "
                  "tsig-keygen prints it), or a tsig-keygen key clause",
              "14:15: cannot read key.secret_file \"" + secret_path + "missing.key\": No such file or directory",
              "19:15: key.secret_file \"" + secret_path + "clause_sha512.key\" is a hmac-sha512 key, but "
                  "key.algorithm is hmac-sha256",
              "24:11: invalid zone.notify \"192.0.2.300\": expected ADDRESS:PORT, like \"127.0.0.1:5353\" or "
                  "\"[::1]:5353\"",
              "24:26: invalid zone.notify \"192.0.2.53:0\": the port must be a number from 1 to 65535",
              "26:15: invalid zone.allow_transfer.prefixes entry \"192.0.2.1/24\": bits past /24 are set (did "
                  "you mean 192.0.2.0/24?)",
              "27:9: zone.allow_transfer.key names key \"nosuchkey.\", which is not defined",
              "28:10: zone.allow_transfer.view must be one of \"filtered\", \"raw\", not \"cooked\"",
              "29:3: missing key \"prefixes\" in [[zone.allow_transfer]]: the client addresses allowed, like "
                  "[\"192.0.2.53/32\"]",
              "32:14: zone.allow_transfer.prefixes must not be empty",
          }));
}

TEST_CASE("a transfer open to the whole internet without a key, and a short secret, are warnings") {
    Diagnostics diags;
    const auto config = load_config(data("open_transfers.toml"), diags);
    REQUIRE(config.has_value());
    std::string out;
    for (const auto& diagnostic : diags.all()) out += diagnostic.to_string() + "\n";
    CHECK(out == expected("open_transfers.toml",
                          {"4:15: warning: key.secret_file \"" + transfer_dir +
                               "/short.key\" holds 10 bytes, shorter than the 32 bytes of a hmac-sha256 digest "
                               "(RFC 8945 section 6)",
                           "9:3: warning: zone.allow_transfer lets any address on the internet transfer zone "
                           "\"example.com.\" without a TSIG key"}));
}

TEST_CASE("a secret file's text: bare base64 or a key clause, nothing else") {
    std::string algorithm, why;
    CHECK(parse_key_secret("  AAECAw==\n", algorithm, why) == std::vector<std::uint8_t>{0, 1, 2, 3});
    CHECK(algorithm.empty());
    CHECK(parse_key_secret("key \"k\" {\n algorithm HMAC-SHA512;\n secret \"AAECAw==\";\n};", algorithm, why) ==
          std::vector<std::uint8_t>{0, 1, 2, 3});
    CHECK(algorithm == "hmac-sha512");
    for (const char* bad : {"", "AAECAw=", "AA=CAw==", "AAECAw===", "key \"k\" { algorithm hmac-sha256; };", "@@@@"}) {
        CAPTURE(bad);
        CHECK_FALSE(parse_key_secret(bad, algorithm, why).has_value());
    }
}

TEST_CASE("a secondary zone: its primaries, its key, and NOTIFY from the primaries' addresses by default") {
    const auto config = azdns::test::load_valid_config(data("secondary.toml"));
    REQUIRE(config.zones.size() == 3);

    const ZoneConfig& signed_zone = config.zones[0];
    CHECK(signed_zone.is_secondary());
    CHECK(signed_zone.file.empty());
    REQUIRE(signed_zone.primaries.size() == 4);
    CHECK(signed_zone.primaries[0].to_string() == "198.51.100.1:53");
    CHECK(signed_zone.primaries[1].to_string() == "[2001:db8::1]:53");  // the port defaults to 53
    CHECK(signed_zone.primaries[2].to_string() == "[2001:db8::2]:5353");
    CHECK(signed_zone.primaries[3].to_string() == "198.51.100.1:5300");
    CHECK(signed_zone.primaries[1].where.line == 9);
    CHECK(signed_zone.primaries_where.line == 9);
    CHECK(signed_zone.primary_key == config.keys[0].name);  // "XFR." names key "xfr"
    CHECK(signed_zone.primary_key_where.line == 10);
    // Each primary's address once, as a host prefix.
    CHECK(signed_zone.allow_notify ==
          std::vector<IpPrefix>{prefix("198.51.100.1/32"), prefix("2001:db8::1/128"), prefix("2001:db8::2/128")});

    const ZoneConfig& loopback_zone = config.zones[1];
    CHECK(loopback_zone.is_secondary());
    CHECK(loopback_zone.primary_key.empty());  // unsigned, and no warning: the primaries are on this host
    CHECK(loopback_zone.allow_notify == std::vector<IpPrefix>{prefix("198.51.100.0/24"), prefix("2001:db8::/64")});
    // A secondary passes the zone on like any other.
    REQUIRE(loopback_zone.notify.size() == 1);
    REQUIRE(loopback_zone.allow_transfer.size() == 1);

    // allow_notify = []: no NOTIFY is taken, the SOA timers alone refresh the zone.
    CHECK(config.zones[2].is_secondary());
    CHECK(config.zones[2].allow_notify.empty());
}

TEST_CASE("a zone from a file is no secondary") {
    const auto config = azdns::test::load_valid_config(std::string(AZDNS_TEST_DATA_DIR) + "/config/minimal.toml");
    CHECK_FALSE(config.zones[0].is_secondary());
    CHECK(config.zones[0].primaries.empty());
    CHECK(config.zones[0].primary_key.empty());
    CHECK(config.zones[0].allow_notify.empty());
}

TEST_CASE("every mistake in secondary zones, each where it is") {
    const std::string name = "bad_secondary.toml";
    const std::string means_nothing = " means nothing on zone \"fromfile.example.\", which is read from its file: "
                                      "only a zone with primaries takes transfers in";
    CHECK(diagnostics_of(name, false) ==
          expected(name, {
              "9:13: zone \"both.example.\" has both file and primaries: a zone comes from one place",
              "9:14: warning: zone transfers in from 198.51.100.1:53 are not signed: anyone on the path can change "
                  "the zone; set primary_key",
              "11:1: zone \"neither.example.\" needs either file or primaries",
              "16:13: zone.primaries must not be empty",
              "20:14: invalid zone.primaries \"198.51.100.300\": expected ADDRESS:PORT, like \"127.0.0.1:5353\" or "
                  "\"[::1]:5353\"",
              "20:32: invalid zone.primaries \"ns1.example.net:53\": \"ns1.example.net\" is not an IPv4 address",
              "20:54: invalid zone.primaries \"[2001:db8::1]:0\": the port must be a number from 1 to 65535",
              "21:15: zone.primary_key names key \"nosuchkey.\", which is not defined",
              "22:17: invalid zone.allow_notify entry \"198.51.100.1\": expected ADDRESS/LENGTH, like \"192.0.2.0/25\"",
              "22:33: invalid zone.allow_notify entry \"198.51.100.1/24\": bits past /24 are set (did you mean "
                  "198.51.100.0/24?)",
              "27:15: zone.primary_key" + means_nothing,
              "28:16: zone.allow_notify" + means_nothing,
              "33:15: invalid zone.primary_key \"bad..name\": not a valid domain name",
          }));
}

TEST_CASE("transfers in from a primary beyond this host without a key are a warning, at each such primary") {
    const std::string name = "unsigned_secondary.toml";
    const std::string unsigned_from = ": warning: zone transfers in from ";
    const std::string why = " are not signed: anyone on the path can change the zone; set primary_key";
    CHECK(diagnostics_of(name, true) == expected(name, {
                                            "3:32" + unsigned_from + "198.51.100.1:53" + why,
                                            "3:48" + unsigned_from + "[2001:db8::1]:53" + why,
                                        }));
}
