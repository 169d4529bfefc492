// Every config input has a written limit (docs/security.md, "Limits"): at
// the limit a config loads, one past it is refused at FILE:LINE:COL of the
// key, with a message that gives the limit. Configs are made in a fresh
// folder, since the lists and files that reach the limits are large.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <optional>
#include <string>

#include "config.hpp"
#include "temp_dir.hpp"

using namespace azdns;

namespace {

constexpr const char* zone_table = "[[zone]]\norigin = \"example.com.\"\nfile = \"example.com.zone\"\n";

struct ConfigFolder {
    testing::TempDir dir{"azdns-config-limits"};

    ConfigFolder() { write("example.com.zone", "example.com. 3600 IN SOA ns1 h 1 2 3 4 5\nexample.com. 3600 IN NS ns1\n"); }

    void write(const std::string& name, const std::string& text) const {
        std::ofstream(dir.path / name, std::ios::binary) << text;
    }
    [[nodiscard]] std::string path(const std::string& name) const { return (dir.path / name).string(); }

    // Writes azdns.toml with `text` (plus a zone) and loads it: its problems,
    // one per line with the file name cut off; empty when it loads clean.
    std::string problems(const std::string& text, std::optional<Config>* loaded = nullptr) const {
        write("azdns.toml", text + zone_table);
        Diagnostics diags;
        auto config = load_config(path("azdns.toml"), diags);
        CHECK(config.has_value() == !diags.has_errors());
        std::string lines;
        const std::string prefix = path("azdns.toml") + ":";
        for (const auto& diagnostic : diags.all()) {
            std::string line = diagnostic.to_string();
            if (line.starts_with(prefix)) line.erase(0, prefix.size());
            lines += line + "\n";
        }
        if (loaded) *loaded = std::move(config);
        return lines;
    }
};

// A TOML array of `count` quoted strings made by `item`.
template <typename Item>
std::string toml_list(std::size_t count, Item item) {
    std::string out = "[";
    for (std::size_t i = 0; i < count; ++i) out += (i ? ", \"" : "\"") + item(i) + "\"";
    return out + "]";
}

// Client network number i, a /24 in 10.0.0.0/8 and then 11.0.0.0/8.
std::string client_network(std::size_t i) {
    return std::to_string(10 + i / 65536) + "." + std::to_string(i / 256 % 256) + "." + std::to_string(i % 256) +
           ".0/24";
}

}  // namespace

TEST_CASE("the config file: 16 MiB at most, refused unparsed past it") {
    ConfigFolder folder;
    // A comment pads the file: past 16 MiB it is not read, let alone parsed.
    const std::string padding = "# " + std::string((16u << 20) - 2, 'x') + "\n";
    CHECK(folder.problems(padding) == "0:0: cannot read the config file: larger than 16M\n");
}

TEST_CASE("server.listen: at most 64 addresses") {
    ConfigFolder folder;
    const auto address = [](std::size_t i) { return "127.0.0." + std::to_string(i + 1) + ":5300"; };
    std::optional<Config> loaded;
    CHECK(folder.problems("[server]\nlisten = " + toml_list(64, address) + "\n", &loaded).empty());
    REQUIRE(loaded.has_value());
    CHECK(loaded->server.listen.size() == 64);
    CHECK(folder.problems("[server]\nlisten = " + toml_list(65, address) + "\n") ==
          "2:10: server.listen lists 65 addresses; at most 64\n");
}

TEST_CASE("server.identity and server.version: one TXT character-string, 255 bytes") {
    ConfigFolder folder;
    std::optional<Config> loaded;
    CHECK(folder.problems("[server]\nidentity = \"" + std::string(255, 'i') + "\"\n", &loaded).empty());
    REQUIRE(loaded.has_value());
    CHECK(loaded->server.identity.size() == 255);
    CHECK(folder.problems("[server]\nidentity = \"" + std::string(256, 'i') + "\"\nversion = \"" +
                          std::string(300, 'v') + "\"\n") ==
          "2:12: server.identity is 256 bytes; at most 255 (one TXT character-string)\n"
          "3:11: server.version is 300 bytes; at most 255 (one TXT character-string)\n");
}

TEST_CASE("check.path, check.host and check.expect_body: bounded, and nothing that breaks the request") {
    ConfigFolder folder;
    const std::string check = "[[check]]\nname = \"web\"\ntype = \"http\"\n";
    std::optional<Config> loaded;
    CHECK(folder.problems(check + "path = \"/" + std::string(8191, 'p') + "\"\nexpect_body = \"" +
                              std::string(65536, 'b') + "\"\n",
                          &loaded)
              .empty());
    REQUIRE(loaded.has_value());
    CHECK(loaded->checks.at(0).expect_body.size() == 65536);
    CHECK(folder.problems(check + "path = \"/" + std::string(8192, 'p') + "\"\nhost = \"a b\"\nexpect_body = \"" +
                          std::string(65537, 'b') + "\"\n") ==
          "4:8: check.path is 8193 bytes; at most 8192\n"
          "5:8: check.host has a space or control character at byte 2: it goes into the HTTP request as it is\n"
          "6:15: check.expect_body is 65537 bytes, longer than the 65536 bytes of a body that are searched\n");
    CHECK(folder.problems(check + "path = \"/health\\r\\nX-Injected: 1\"\n") ==
          "4:8: check.path has a space or control character at byte 8: it goes into the HTTP request as it is\n");
}

TEST_CASE("az prefixes and client networks: 100,000 of each in all, checked against each other in n log n") {
    ConfigFolder folder;
    const auto az = [](const std::string& name, const std::string& prefix, const std::string& clients) {
        return "[[az]]\nname = \"" + name + "\"\nprefixes = [\"" + prefix + "\"]\nclients = " + clients + "\n";
    };
    const auto networks = [](std::size_t from, std::size_t count) {
        return toml_list(count, [from](std::size_t i) { return client_network(from + i); });
    };
    std::optional<Config> loaded;
    CHECK(folder.problems(az("a", "192.0.2.0/25", networks(0, 60000)) + az("b", "192.0.2.128/25", networks(60000, 40000)),
                          &loaded)
              .empty());
    REQUIRE(loaded.has_value());
    CHECK(loaded->azs.at(1).clients.size() == 40000);
    CHECK(folder.problems(az("a", "192.0.2.0/25", networks(0, 60000)) +
                          az("b", "192.0.2.128/25", networks(60000, 40001))) ==
          "8:11: az.clients lists 100001 networks in all; at most 100000\n");
    // The same network for two AZs is found among 100,000, at its later listing.
    CHECK(folder.problems(az("a", "192.0.2.0/25", networks(0, 50000)) + az("b", "192.0.2.128/25", networks(49999, 50000))) ==
          "8:12: client network 10.195.79.0/24 of az \"b\" is also listed for az \"a\"\n");
}

TEST_CASE("a prefix listed many times is reported once per repeat, not once per pair") {
    ConfigFolder folder;
    const auto same = [](std::size_t) { return std::string("192.0.2.0/24"); };
    const std::string text = "[[az]]\nname = \"a\"\nprefixes = " + toml_list(4, same) + "\n";
    CHECK(folder.problems(text) ==
          "3:29: prefix 192.0.2.0/24 of az \"a\" overlaps prefix 192.0.2.0/24 of az \"a\"\n"
          "3:45: prefix 192.0.2.0/24 of az \"a\" overlaps prefix 192.0.2.0/24 of az \"a\"\n"
          "3:61: prefix 192.0.2.0/24 of az \"a\" overlaps prefix 192.0.2.0/24 of az \"a\"\n");
}

TEST_CASE("fleet peers: at most 32, refused at the 33rd") {
    ConfigFolder folder;
    folder.write("fleet.token", "a-token-of-enough-length-for-the-fleet\n");
    const auto fleet = [](std::size_t peers) {
        std::string text = "[fleet]\nname = \"ns0\"\ntoken_file = \"fleet.token\"\n";
        for (std::size_t i = 1; i <= peers; ++i)
            text += "[[fleet.peer]]\nname = \"ns" + std::to_string(i) + "\"\nurl = \"https://ns" + std::to_string(i) +
                    ".example.net:8053\"\n";
        return text;
    };
    std::optional<Config> loaded;
    CHECK(folder.problems(fleet(32), &loaded).empty());
    REQUIRE(loaded.has_value());
    CHECK(loaded->fleet.peers.size() == 32);
    CHECK(folder.problems(fleet(33)) ==
          "100:1: more than 32 fleet peers (33): each costs a thread and a report per change\n");
}

TEST_CASE("files a config names: each refused past its size, at its key") {
    ConfigFolder folder;
    folder.write("big.pem", std::string((4u << 20) + 1, '#'));
    folder.write("big.key", std::string((64u << 10) + 1, 'A'));
    folder.write("big.cert", std::string((1u << 20) + 1, '#'));
    folder.write("control.token", "a-token-of-enough-length\n");
    const std::string at = folder.path("");
    CHECK(folder.problems("[control]\ntoken_file = \"control.token\"\ntls_cert = \"big.cert\"\ntls_key = \"big.cert\"\n"
                          "[fleet]\nca_file = \"big.pem\"\n"
                          "[[key]]\nname = \"xfr\"\nalgorithm = \"hmac-sha256\"\nsecret_file = \"big.key\"\n") ==
          "3:12: cannot read control.tls_cert \"" + at + "big.cert\": larger than 1M\n"
          "4:11: cannot read control.tls_key \"" + at + "big.cert\": larger than 1M\n"
          "6:11: cannot read fleet.ca_file \"" + at + "big.pem\": larger than 4M\n"
          "10:15: cannot read key.secret_file \"" + at + "big.key\": larger than 64K\n");
}

TEST_CASE("rrl.exempt: at most 1,000 networks") {
    ConfigFolder folder;
    const auto networks = [](std::size_t count) { return toml_list(count, client_network); };
    std::optional<Config> loaded;
    CHECK(folder.problems("[rrl]\nresponses_per_second = 20\nexempt = " + networks(1000) + "\n", &loaded).empty());
    REQUIRE(loaded.has_value());
    CHECK(loaded->rrl.exempt.size() == 1000);
    CHECK(folder.problems("[rrl]\nresponses_per_second = 20\nexempt = " + networks(1001) + "\n") ==
          "3:10: rrl.exempt lists 1001 networks; at most 1000\n");
}
