// `azdns` as a process: what an operator sees on the terminal.
#include <doctest/doctest.h>

#include <curl/curlver.h>

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "process.hpp"
#include "temp_dir.hpp"

namespace fs = std::filesystem;
using azdns::test::run_process;

namespace {

const std::string azdns_binary = AZDNS_BINARY;
const fs::path example_dir = fs::path(AZDNS_SOURCE_DIR) / "zones";

std::string read_file(const fs::path& path) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

void write_file(const fs::path& path, const std::string& text) { std::ofstream(path) << text; }

// Replaces the one occurrence of `from` in the file; fails the test if absent.
void edit_file(const fs::path& path, const std::string& from, const std::string& to) {
    std::string text = read_file(path);
    auto at = text.find(from);
    REQUIRE_MESSAGE(at != std::string::npos, "\"", from, "\" is not in ", path.string());
    text.replace(at, from.size(), to);
    write_file(path, text);
}

// A private copy of the example that a test may break, removed afterwards.
struct ExampleCopy {
    azdns::testing::TempDir temp{"azdns-cli"};
    const fs::path& dir = temp.path;
    ExampleCopy() {
        for (const auto& entry : fs::directory_iterator(example_dir))
            if (entry.is_regular_file()) fs::copy_file(entry.path(), dir / entry.path().filename());
    }
    fs::path config() const { return dir / "azdns.toml"; }
    fs::path zone() const { return dir / "example.com.zone"; }
};

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> lines;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    return lines;
}

// `azdns check` bounded well below the suite's timeout: a check that reads
// without end (the bug these tests guard against) fails, it does not hang.
azdns::test::ProcessResult check(const fs::path& config) {
    return run_process({azdns_binary, "check", "-c", config.string()}, std::chrono::seconds(20));
}

// Things in place of a zone file that are no file: each with the words
// `azdns check` uses for it.
struct NotAFile {
    std::string path;
    std::string kind;
};

std::vector<NotAFile> not_files(const fs::path& dir) {
    const fs::path fifo = dir / "pipe.zone";
    REQUIRE(mkfifo(fifo.c_str(), 0600) == 0);
    fs::create_directory(dir / "folder.zone");
    return {{"/dev/zero", "a character device"},
            {fifo.string(), "a FIFO"},
            {(dir / "folder.zone").string(), "a directory"}};
}

}  // namespace

TEST_CASE("azdns check passes the example") {
    auto result = run_process({azdns_binary, "check", "-c", (example_dir / "azdns.toml").string()});
    INFO(result.err);
    CHECK(result.exit_code == 0);
    CHECK(result.err.empty());
    CHECK(result.out.find(": OK: 1 zone (") != std::string::npos);
}

TEST_CASE("azdns check lists three config mistakes with their places and exits 1") {
    ExampleCopy copy;
    edit_file(copy.config(), "tcp_idle_timeout = \"10s\"", "tcp_idle_timeout = \"10\"");
    edit_file(copy.config(), "prefixes = [\"192.0.2.128/25\"", "prefixes = [\"192.0.2.64/26\"");
    edit_file(copy.config(), "check = \"api-tls\"", "check = \"api-tsl\"");
    auto result = run_process({azdns_binary, "check", "-c", copy.config().string()});
    CHECK(result.exit_code == 1);
    const std::string file = copy.config().string();
    CHECK(lines_of(result.err) ==
          std::vector<std::string>{
              file + ":10:20: invalid server.tcp_idle_timeout \"10\": expected a number and a unit (ms, s, m, h), "
                     "like \"500ms\" or \"1m30s\"",
              file + ":46:13: prefix 192.0.2.64/26 of az \"europe-se-1b\" overlaps prefix 192.0.2.0/25 of az "
                     "\"europe-se-1a\"",
              file + ":80:9: service.check names check \"api-tsl\", which is not defined",
          });
}

// The example's 82 lines, then a fleet of three (docs/fleet.md).
TEST_CASE("azdns check refuses a peer reached without TLS across the network, and a fleet without a token") {
    ExampleCopy copy;
    std::ofstream(copy.config(), std::ios::app) << "\n"
                                                   "[[fleet.peer]]\n"
                                                   "name = \"ns2\"\n"
                                                   "url = \"http://ns2.example.net:8053\"\n"
                                                   "\n"
                                                   "[[fleet.peer]]\n"
                                                   "name = \"ns3\"\n"
                                                   "url = \"https://ns3.example.net:8053\"\n";
    auto result = check(copy.config());
    CHECK(result.exit_code == 1);
    const std::string file = copy.config().string();
    CHECK(lines_of(result.err) ==
          std::vector<std::string>{
              file + ":84:1: the fleet has peers, so fleet.token_file or control.token_file is required (peers "
                     "authenticate with it)",
              file + ":86:7: fleet.peer.url \"http://ns2.example.net:8053\" is not a loopback address, so it must "
                     "use https://",
          });

    write_file(copy.dir / "fleet.token", "a-long-random-secret\n");
    edit_file(copy.config(), "http://ns2", "https://ns2");
    std::ofstream(copy.config(), std::ios::app) << "\n[fleet]\nname = \"ns1\"\ntoken_file = \"fleet.token\"\n";
    result = check(copy.config());
    INFO(result.err);
    CHECK(result.exit_code == 0);
    CHECK(result.err.empty());
}

// The example's 82 lines, then a zone taken from a primary (docs/transfers.md).
TEST_CASE("azdns check lists the mistakes of a secondary zone with their places and exits 1") {
    ExampleCopy copy;
    std::ofstream(copy.config(), std::ios::app) << "\n"
                                                   "[[zone]]\n"
                                                   "origin = \"example.org.\"\n"
                                                   "primaries = [\"198.51.100.1:53\"]\n"
                                                   "primary_key = \"xfr\"\n"
                                                   "allow_notify = [\"198.51.100.1\"]\n";
    auto result = check(copy.config());
    CHECK(result.exit_code == 1);
    const std::string file = copy.config().string();
    CHECK(lines_of(result.err) ==
          std::vector<std::string>{
              file + ":87:15: zone.primary_key names key \"xfr.\", which is not defined",
              file + ":88:17: invalid zone.allow_notify entry \"198.51.100.1\": expected ADDRESS/LENGTH, like "
                     "\"192.0.2.0/25\"",
          });
    CHECK(result.out == file + ": 2 errors, 0 warnings\n");
}

TEST_CASE("azdns check warns about a secondary zone taken unsigned across the network, and still passes") {
    ExampleCopy copy;
    std::ofstream(copy.config(), std::ios::app) << "\n"
                                                   "[[zone]]\n"
                                                   "origin = \"example.org.\"\n"
                                                   "primaries = [\"127.0.0.1:5353\", \"198.51.100.1\"]\n";
    auto result = check(copy.config());
    CHECK(result.exit_code == 0);
    CHECK(result.err == copy.config().string() +
                            ":86:32: warning: zone transfers in from 198.51.100.1:53 are not signed: anyone on the "
                            "path can change the zone; set primary_key\n");
    CHECK(result.out.find(": OK: 2 zones (") != std::string::npos);
}

TEST_CASE("azdns check lists zone mistakes with file:line:col, and loads no broken zone") {
    ExampleCopy copy;
    edit_file(copy.zone(), "www          IN A    192.0.2.140", "www          IN A    192.0.2.300");
    edit_file(copy.zone(), "shop         IN CNAME www", "shop         IN CNAME www\nshop         IN TXT \"x\"");
    edit_file(copy.zone(), "ns3     3600 IN A   198.51.100.53", "");
    auto result = run_process({azdns_binary, "check", "-c", copy.config().string()});
    CHECK(result.exit_code == 1);
    const std::string zone = copy.zone().string();
    CHECK(lines_of(result.err) ==
          std::vector<std::string>{
              zone + ":25:22: bad RDATA for A: \"192.0.2.300\" (ldns: Syntax error, could not parse the RR's rdata)",
              zone + ":18:9: NS target \"ns3.example.com.\" has no A or AAAA record in the zone",
              zone + ":34:1: CNAME at \"shop.example.com.\" beside other data (TXT)",
          });
    CHECK(result.out == copy.config().string() + ": 3 errors, 0 warnings\n");
}

TEST_CASE("azdns check refuses DNAME mistakes as NSD and Knot do, with file:line:col") {
    ExampleCopy copy;
    edit_file(copy.zone(), "shop         IN CNAME www",
              "shop         IN CNAME www\nold          IN DNAME example.net.\nold          IN DNAME example.org.\n"
              "x.old        IN A     192.0.2.9");
    edit_file(copy.zone(), "ns.legacy    IN A    198.51.100.54",
              "ns.legacy    IN A    198.51.100.54\nlegacy       IN DNAME example.net.");
    auto result = run_process({azdns_binary, "check", "-c", copy.config().string()});
    CHECK(result.exit_code == 1);
    const std::string zone = copy.zone().string();
    CHECK(lines_of(result.err) ==
          std::vector<std::string>{
              zone + ":36:1: more than one DNAME at \"old.example.com.\"",
              zone + ":37:1: A at \"x.old.example.com.\" is below the DNAME at \"old.example.com.\"; names below a "
                     "DNAME cannot own data",
              zone + ":51:1: DNAME at \"legacy.example.com.\" beside NS; only the zone apex may have both",
          });
    CHECK(result.out == copy.config().string() + ": 3 errors, 0 warnings\n");
}

TEST_CASE("azdns check warns about a service with no address, and still passes") {
    ExampleCopy copy;
    edit_file(copy.zone(), "api          IN A    192.0.2.20\napi          IN A    192.0.2.150", "");
    auto result = run_process({azdns_binary, "check", "-c", copy.config().string()});
    CHECK(result.exit_code == 0);
    CHECK(result.err == copy.config().string() +
                            ":78:1: warning: service \"api.example.com.\" has no A or AAAA record in zone "
                            "\"example.com.\": nothing to probe\n");
}

// As named-checkzone: the referral goes out without that address.
TEST_CASE("azdns check warns about a delegation without glue, and still passes") {
    ExampleCopy copy;
    edit_file(copy.zone(), "ns.legacy    IN A    198.51.100.54", "");
    auto result = run_process({azdns_binary, "check", "-c", copy.config().string()});
    CHECK(result.exit_code == 0);
    CHECK(result.err == copy.zone().string() +
                            ":46:1: warning: NS target \"ns.legacy.example.com.\" has no A or AAAA record in the "
                            "zone; referrals to \"legacy.example.com.\" go without its address\n");
    CHECK(result.out.find(": OK: 1 zone (") != std::string::npos);
}

// RFC 2181 section 8, as BIND reads them.
TEST_CASE("azdns check warns about TTLs above 2147483647, and still passes") {
    ExampleCopy copy;
    edit_file(copy.zone(), "$TTL 300", "$TTL 4000w");
    edit_file(copy.zone(), "mail         IN A    198.51.100.25", "mail 2147483648 IN A    198.51.100.25");
    auto result = run_process({azdns_binary, "check", "-c", copy.config().string()});
    CHECK(result.exit_code == 0);
    const std::string zone = copy.zone().string();
    CHECK(lines_of(result.err) ==
          std::vector<std::string>{
              zone + ":5:6: warning: TTL \"4000w\" is above 2147483647 seconds (RFC 2181 section 8); using 0",
              zone + ":42:6: warning: TTL \"2147483648\" is above 2147483647 seconds (RFC 2181 section 8); using 0",
          });
    CHECK(result.out.find(": OK: 1 zone (") != std::string::npos);
}

TEST_CASE("azdns check lists a zone's first 1000 problems, counts the rest, and exits 1 for them all") {
    ExampleCopy copy;
    std::string bad;
    for (int i = 0; i < 1500; ++i) bad += "bad" + std::to_string(i) + " IN A 300.0.0.1\n";
    edit_file(copy.zone(), "mail         IN A    198.51.100.25", "mail         IN A    198.51.100.25\n" + bad);
    auto result = check(copy.config());
    CHECK(result.exit_code == 1);
    const auto lines = lines_of(result.err);
    REQUIRE(lines.size() == 1001);
    CHECK(lines.back().ends_with(": ... and 500 more errors and warnings in example.com. (the first 1000 are listed)"));
    CHECK(result.out.find(": 1500 errors, 0 warnings") != std::string::npos);
}

TEST_CASE("azdns check refuses services that ask for more than 50,000 endpoints, at the first left unprobed") {
    ExampleCopy copy;
    // 13 services of 4,000 addresses each (an RRset of A records holds 4,095 at most).
    std::string records, services;
    for (int service = 0; service < 13; ++service) {
        const std::string name = "bulk" + std::to_string(service);
        for (int i = 0; i < 4000; ++i)
            records += name + " IN A 10." + std::to_string(service) + "." + std::to_string(i / 256) + "." +
                       std::to_string(i % 256) + "\n";
        services += "\n[[service]]\nname = \"" + name + ".example.com.\"\ncheck = \"web\"\n";
    }
    edit_file(copy.zone(), "mail         IN A    198.51.100.25", "mail         IN A    198.51.100.25\n" + records);
    const std::size_t config_lines = lines_of(read_file(copy.config())).size();
    std::ofstream(copy.config(), std::ios::app) << services;
    auto result = check(copy.config());
    CHECK(result.exit_code == 1);
    // www and api have 6 endpoints; with 12 bulk services that makes 48,006, and the 13th would pass 50,000.
    INFO(result.err);
    const std::string where = copy.config().string() + ":" + std::to_string(config_lines + 1 + 12 * 4 + 1) + ":1: ";
    CHECK(result.err.find(where + "the services ask for 52006 endpoints to probe, more than 50000: service "
                                  "\"bulk12.example.com.\" would pass the limit") != std::string::npos);
}

// RFC 8659 section 4.1.1; NSD, Knot and BIND read it.
TEST_CASE("azdns check passes a CAA value written without quotes, and names a bad one's place") {
    ExampleCopy copy;
    edit_file(copy.zone(), "mail         IN A    198.51.100.25",
              "mail         IN A    198.51.100.25\n@ IN CAA 0 issue ca.example.net\n@ IN CAA 0 iodef "
              "mailto:security@example.com");
    auto result = run_process({azdns_binary, "check", "-c", copy.config().string()});
    CHECK(result.exit_code == 0);
    CHECK(result.err.empty());

    edit_file(copy.zone(), "@ IN CAA 0 issue ca.example.net", "@ IN CAA 0 issue ca.example.net ca.example.org");
    result = run_process({azdns_binary, "check", "-c", copy.config().string()});
    CHECK(result.exit_code == 1);
    CHECK(result.err == copy.zone().string() +
                            ":43:10: bad RDATA for CAA: \"0 issue ca.example.net ca.example.org\" (ldns: Syntax error, "
                            "could not parse the RR's rdata)\n");
}

TEST_CASE("azdns check reports a config file that does not exist") {
    auto result = run_process({azdns_binary, "check", "-c", "/nonexistent/azdns.toml"});
    CHECK(result.exit_code == 1);
    CHECK(result.err == "/nonexistent/azdns.toml:0:0: cannot read the config file: No such file or directory\n");
}

TEST_CASE("azdns check refuses a zone file that is not a regular file, at the config's file key") {
    ExampleCopy copy;
    const std::string config = read_file(copy.config());
    for (const auto& [path, kind] : not_files(copy.dir)) {
        CAPTURE(path);
        write_file(copy.config(), config);
        edit_file(copy.config(), "file = \"example.com.zone\"", "file = \"" + path + "\"");
        auto result = check(copy.config());
        CHECK_FALSE(result.timed_out);
        CHECK(result.exit_code == 1);
        CHECK(result.err == copy.config().string() + ":24:8: cannot read zone.file \"" + path +
                                "\": not a regular file (" + kind + ")\n");
    }
}

TEST_CASE("azdns check refuses an $INCLUDE of what is not a regular file, at the $INCLUDE's file:line:col") {
    ExampleCopy copy;
    const std::string zone = read_file(copy.zone());
    const std::string include_line = std::to_string(lines_of(zone).size() + 1);
    for (const auto& [path, kind] : not_files(copy.dir)) {
        CAPTURE(path);
        write_file(copy.zone(), zone + "$INCLUDE " + path + "\n");
        auto result = check(copy.config());
        CHECK_FALSE(result.timed_out);
        CHECK(result.exit_code == 1);
        CHECK(result.err == copy.zone().string() + ":" + include_line + ":10: cannot open \"" + path +
                                "\": not a regular file (" + kind + ")\n");
    }
}

TEST_CASE("azdns check refuses zone files past server.max_zone_size, counted with their $INCLUDEs") {
    ExampleCopy copy;
    REQUIRE(fs::file_size(copy.zone()) > 1024);
    REQUIRE(fs::file_size(copy.zone()) < 2048);
    const std::string config = read_file(copy.config());
    // The zone file alone is over: reported where the config names it.
    edit_file(copy.config(), "max_zone_size = \"1G\"", "max_zone_size = \"1K\"");
    auto alone = check(copy.config());
    CHECK(alone.exit_code == 1);
    CHECK(alone.err == copy.config().string() + ":24:8: \"" + copy.zone().string() +
                           "\" takes the zone's files past server.max_zone_size (1K)\n");

    // The zone fits, and its $INCLUDE takes the zone past the limit: reported at the $INCLUDE.
    write_file(copy.config(), config);
    edit_file(copy.config(), "max_zone_size = \"1G\"", "max_zone_size = \"2K\"");
    std::string hosts;
    for (int i = 0; hosts.size() < 1024; ++i) hosts += "host" + std::to_string(i) + " IN A 192.0.2.1\n";
    write_file(copy.dir / "hosts.zone", hosts);
    const std::string zone = read_file(copy.zone());
    write_file(copy.zone(), zone + "$INCLUDE hosts.zone\n");
    auto with_include = check(copy.config());
    CHECK(with_include.exit_code == 1);
    CHECK(with_include.err == copy.zone().string() + ":" + std::to_string(lines_of(zone).size() + 1) + ":10: \"" +
                                  (copy.dir / "hosts.zone").string() +
                                  "\" takes the zone's files past server.max_zone_size (2K)\n");

    // With room for both, all is well.
    write_file(copy.config(), config);
    edit_file(copy.config(), "max_zone_size = \"1G\"", "max_zone_size = \"1M\"");
    auto fits = check(copy.config());
    CHECK_MESSAGE(fits.exit_code == 0, fits.err);
}

TEST_CASE("usage errors exit 2") {
    CHECK(run_process({azdns_binary}).exit_code == 2);
    CHECK(run_process({azdns_binary, "check"}).exit_code == 2);
    CHECK(run_process({azdns_binary, "frobnicate"}).exit_code == 2);
    CHECK(run_process({azdns_binary, "check", "-c", "x", "--bogus"}).exit_code == 2);
}

TEST_CASE("azdns version names the version and the libraries") {
    auto result = run_process({azdns_binary, "version"});
    CHECK(result.exit_code == 0);
    CHECK(result.out.rfind("azdns 0.1.0\n", 0) == 0);
    CHECK(result.out.find("ldns 1.8") != std::string::npos);
    CHECK(result.out.find("OpenSSL 3") != std::string::npos);
    CHECK(result.out.find(", libcurl " LIBCURL_VERSION "\n") != std::string::npos);  // ctl's HTTP client
}
