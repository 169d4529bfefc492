#include <doctest/doctest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "dns_name.hpp"
#include "hex_text.hpp"
#include "zone_file.hpp"
#include "zone_load.hpp"

using namespace azdns;
using azdns::test::hex;

namespace {

const std::string dir = std::string(AZDNS_TEST_DATA_DIR) + "/zones/reader/";

std::string wire(const char* name) { return *name_from_text(name); }

std::string u16(unsigned value) { return {static_cast<char>(value >> 8), static_cast<char>(value & 0xff)}; }

std::string u32(std::uint32_t value) { return u16(value >> 16) + u16(value & 0xffff); }

std::string bytes(std::initializer_list<unsigned> values) {
    std::string out;
    for (unsigned v : values) out += static_cast<char>(v);
    return out;
}

struct Loaded {
    ZoneRecords records;
    std::string messages;  // one diagnostic per line

    // The `nth` record with this owner and type; fails the test if missing.
    ZoneRecord at(const char* owner, std::uint16_t type, std::size_t nth = 0) const {
        std::string key = name_canonical(wire(owner));
        for (std::size_t i = 0; i < records.size(); ++i) {
            if (records.owner(i) == key && records.type(i) == type && nth-- == 0) return records[i];
        }
        FAIL("no record " << owner << " type " << type);
        throw std::logic_error("FAIL throws");  // for the compiler: no value to return
    }
};

// Every test zone has the origin example.com., named by a config at azdns.toml:7:8.
Loaded load(const std::string& path) {
    Diagnostics diags;
    Loaded out;
    out.records = read_zone_file(path, wire("example.com."), {"azdns.toml", 7, 8}, diags);
    for (const auto& diag : diags.all()) out.messages += diag.to_string() + "\n";
    return out;
}

// A folder for files the test writes itself, removed afterwards.
struct ScratchDir {
    std::filesystem::path path =
        std::filesystem::temp_directory_path() / ("azdns-zone-file-test-" + std::to_string(getpid()));
    ScratchDir() { std::filesystem::create_directories(path); }
    ~ScratchDir() { std::filesystem::remove_all(path); }
};

constexpr std::uint16_t A = 1, NS = 2, CNAME = 5, SOA = 6, PTR = 12, HINFO = 13, MX = 15, TXT = 16, AAAA = 28,
                        SRV = 33, NAPTR = 35, DNAME = 39, DS = 43, SSHFP = 44, TLSA = 52, HTTPS = 65, CAA = 257;

}  // namespace

TEST_CASE("directives, name forms, blank owners and a multi-line SOA") {
    auto zone = load(dir + "directives.zone");
    CHECK(zone.messages == "");
    REQUIRE(zone.records.size() == 11);

    const auto& soa = zone.at("example.com.", SOA);
    CHECK(soa.ttl == 3600);
    CHECK(soa.where.file == dir + "directives.zone");
    CHECK(soa.where.line == 4);
    CHECK(soa.where.column == 1);
    CHECK(hex(soa.rdata) == hex(wire("ns1.example.com.") + wire("hostmaster.example.com.") + u32(2024010101) +
                                u32(7200) + u32(3600) + u32(604800) + u32(300)));

    CHECK(hex(zone.at("example.com.", NS, 0).rdata) == hex(wire("ns1.example.com.")));
    CHECK(hex(zone.at("example.com.", NS, 1).rdata) == hex(wire("ns2.example.net.")));
    CHECK(zone.at("ns1.example.com.", A).ttl == 3600);

    // The record's own TTL wins; the blank-owner line after it takes $TTL.
    const auto& www0 = zone.at("www.example.com.", A, 0);
    const auto& www1 = zone.at("www.example.com.", A, 1);
    CHECK(www0.ttl == 300);
    CHECK(hex(www1.rdata) == hex(bytes({192, 0, 2, 11})));
    CHECK(www1.ttl == 3600);
    CHECK(www1.where.line == 13);
    CHECK(www1.where.column == 11);

    CHECK(zone.at("mail.example.com.", A).ttl == 5400);  // class before TTL, units, lower case
    CHECK(zone.at("host.sub.example.com.", A).ttl == 172800);
    CHECK(hex(zone.at("sub.example.com.", TXT).rdata) == hex("\x06" "at sub"));
    CHECK(hex(zone.at("abs.example.com.", A).rdata) == hex(bytes({192, 0, 2, 40})));
    CHECK(hex(zone.at("rel.example.org.", A).rdata) == hex(bytes({192, 0, 2, 50})));
}

TEST_CASE("TTL: the last stated one, then $TTL") {
    auto zone = load(dir + "ttl_inherit.zone");
    CHECK(zone.messages == "");
    CHECK(zone.at("a.example.com.", A).ttl == 600);
    CHECK(zone.at("b.example.com.", A).ttl == 600);
    CHECK(zone.at("c.example.com.", A).ttl == 30);
    CHECK(zone.at("d.example.com.", A).ttl == 40);
    CHECK(zone.at("e.example.com.", A).ttl == 30);
}

TEST_CASE("TTL: none at all falls back to 3600 with one warning") {
    auto zone = load(dir + "no_ttl.zone");
    CHECK(zone.messages == dir + "no_ttl.zone:2:1: warning: no TTL, $TTL or earlier TTL to inherit; using 3600 " +
                               "here and until one is given\n");
    CHECK(zone.at("a.example.com.", A).ttl == 3600);
    CHECK(zone.at("b.example.com.", A).ttl == 3600);
}

TEST_CASE("TTL: above 2147483647 (RFC 2181 section 8) it is 0, with a warning; in $TTL too") {
    const std::string file = dir + "ttl_above_2_31.zone";
    auto zone = load(file);
    CHECK(zone.messages ==
          file + ":2:6: warning: TTL \"2147483648\" is above 2147483647 seconds (RFC 2181 section 8); using 0\n" +
          file + ":4:3: warning: TTL \"4294967295\" is above 2147483647 seconds (RFC 2181 section 8); using 0\n" +
          file + ":6:3: warning: TTL \"4000w\" is above 2147483647 seconds (RFC 2181 section 8); using 0\n");
    CHECK(zone.at("a.example.com.", A).ttl == 0);
    CHECK(zone.at("b.example.com.", A).ttl == 0);
    CHECK(zone.at("c.example.com.", A).ttl == 2147483647);
    CHECK(zone.at("d.example.com.", A).ttl == 0);
    CHECK(zone.at("e.example.com.", A).ttl == 0);
    CHECK(zone.at("f.example.com.", A).ttl == 300);
}

TEST_CASE("$INCLUDE with and without origin, nested, restoring origin and owner") {
    auto zone = load(dir + "include_main.zone");
    CHECK(zone.messages == "");
    REQUIRE(zone.records.size() == 8);
    const char* expected[] = {"top.example.com.",          "host.example.com.",         "nested.example.com.",
                              "top.example.com.",          "host.other.example.com.",   "nested.other.example.com.",
                              "nested.quoted.example.com.", "after.example.com."};
    // Records come in file order; the include's own records are interleaved.
    std::size_t i = 0;
    for (const char* name : expected) {
        CHECK(zone.records[i].owner == wire(name));
        ++i;
    }
    CHECK(hex(zone.records[3].rdata) == hex(bytes({192, 0, 2, 2})));
    CHECK(zone.records[1].where.file == dir + "include/hosts.zone");
    CHECK(zone.records[2].where.file == dir + "include/nested.zone");
    CHECK(zone.records[7].ttl == 300);
    // What a reload watches: the top file, then each include once, nested ones too.
    CHECK(zone.records.files_read() == std::vector<std::string>{dir + "include_main.zone", dir + "include/hosts.zone",
                                                                dir + "include/nested.zone"});
}

TEST_CASE("RDATA of each type in wire form") {
    auto zone = load(dir + "types.zone");
    CHECK(zone.messages == "");
    CHECK(hex(zone.at("example.com.", MX).rdata) == hex(u16(10) + wire("mail.example.com.")));
    CHECK(hex(zone.at("mx2.example.com.", MX).rdata) == hex(u16(20) + wire("Mail.Example.NET.")));
    CHECK(hex(zone.at("_sip._tcp.example.com.", SRV).rdata) ==
          hex(u16(10) + u16(60) + u16(5060) + wire("sip.example.com.")));
    CHECK(hex(zone.at("example.com.", CAA).rdata) == hex(bytes({0, 5}) + "issue" + "ca.example.net"));
    CHECK(hex(zone.at("example.com.", TXT).rdata) == hex("\x1a" "v=spf1 -all; not a comment" "\x06" "second"));
    CHECK(hex(zone.at("txt2.example.com.", TXT).rdata) ==
          hex("\x11" "a \"quote\" (paren)" "\x0a" "semi;colon" "\x03" "(x)"));
    CHECK(hex(zone.at("example.com.", AAAA).rdata) ==
          hex(bytes({0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1})));
    CHECK(hex(zone.at("alias.example.com.", CNAME).rdata) == hex(wire("www.example.com.")));
    CHECK(hex(zone.at("tree.example.com.", DNAME).rdata) == hex(wire("other.example.net.")));
    CHECK(hex(zone.at("example.com.", SSHFP).rdata) ==
          "0101" "0123456789abcdef0123456789abcdef01234567");
    CHECK(hex(zone.at("example.com.", NS).rdata) == hex(wire("ns1.example.com.")));
    CHECK(hex(zone.at("unknown.example.com.", 65280).rdata) == "0a000001");
    CHECK(zone.at("empty.example.com.", 65281).rdata.empty());
    CHECK(hex(zone.at("known.example.com.", A).rdata) == hex(bytes({192, 0, 2, 1})));
    CHECK(hex(zone.at("split.example.com.", 65282).rdata) == "010203");
    CHECK(hex(zone.at("10.example.com.", PTR).rdata) == hex(wire("host.example.net.")));
    CHECK(hex(zone.at("hinfo.example.com.", HINFO).rdata) == hex("\x02" "PC" "\x05" "Linux"));
    CHECK(hex(zone.at("ds.example.com.", DS).rdata) == "ec450501" "2bb183af5f22588179a53b0a98631fad1a292118");
    CHECK(hex(zone.at("tlsa.example.com.", TLSA).rdata) ==
          "030101" "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
    CHECK(zone.at("naptr.example.com.", NAPTR).rdata.size() == 2 + 2 + 2 + 8 + 28 + 1);
    CHECK(hex(zone.at("https.example.com.", HTTPS).rdata) == hex(u16(1) + wire(".") + u16(1) + u16(3) + "\x02h2"));
    CHECK(hex(zone.at("generic.example.com.", A).rdata) == hex(bytes({192, 0, 2, 7})));
}

TEST_CASE("CAA values quoted or not (RFC 8659 section 4.1.1): the same RDATA") {
    const std::string file = dir + "caa.zone";
    auto zone = load(file);
    auto caa = [](unsigned flags, std::string_view tag, std::string_view value) {
        return hex(bytes({flags, static_cast<unsigned>(tag.size())}) + std::string(tag) + std::string(value));
    };
    CHECK(hex(zone.at("quoted.example.com.", CAA).rdata) == caa(0, "issue", "ca.example.net"));
    CHECK(hex(zone.at("bare.example.com.", CAA).rdata) == caa(0, "issue", "ca.example.net"));
    CHECK(hex(zone.at("iodef.example.com.", CAA).rdata) == caa(0, "iodef", "mailto:security@example.com"));
    CHECK(hex(zone.at("params.example.com.", CAA).rdata) == caa(0, "issue", "ca.example.net; account=230123"));
    CHECK(hex(zone.at("nobody.example.com.", CAA).rdata) == caa(0, "issue", ";"));
    CHECK(hex(zone.at("escaped.example.com.", CAA).rdata) == caa(0, "issue", "ca.example.net"));
    CHECK(hex(zone.at("critical.example.com.", CAA).rdata) == caa(128, "tbs", "Unknown"));
    // One token only, as in BIND, NSD and Knot; the error quotes the text as written.
    CHECK(zone.messages ==
          file + ":11:16: bad RDATA for CAA: \"0 issue ca.example.net ca.example.org\" (ldns: Syntax error, "
                 "could not parse the RR's rdata)\n" +
          file + ":12:16: bad RDATA for CAA: \"0 issue ca\"x\"\" (ldns: Syntax error, could not parse the "
                 "RR's rdata)\n");
    CHECK(zone.records.size() == 7);
}

TEST_CASE("every error reported with its place; good records kept") {
    const std::string file = dir + "errors.zone";
    auto zone = load(file);
    const std::string label64(64, 'a');
    const std::string long_name = std::string(63, 'b') + "." + std::string(63, 'b') + "." + std::string(63, 'b') +
                                  "." + std::string(50, 'c');
    CHECK(zone.messages ==
          file + ":1:11: no owner name: the line starts with a blank but no record precedes it\n" +
          file + ":4:11: unknown type \"FOO\"\n" +
          file + ":5:11: bad TTL \"1x\" (expected seconds, or units as in 1h30m)\n" +
          file + ":6:18: bad RDATA for A: \"300.1.2.3\" (ldns: Syntax error, could not parse the RR's rdata)\n" +
          file + ":7:1: bad owner name \"a..b\" (ldns: Empty label)\n" +
          file + ":8:11: class \"CH\" is not supported (only IN)\n" +
          file + ":9:1: unknown directive \"$GENERATE\" (azdns reads $ORIGIN, $TTL and $INCLUDE)\n" +
          file + ":11:18: bad RDATA for MX: \"10\" (ldns: Syntax error, value expected)\n" +
          file + ":12:25: ')' without a matching '('\n" +
          file + ":13:11: type \"AXFR\" cannot appear in a zone\n" +
          file + ":14:1: missing record type\n" +
          file + ":15:18: bad RDATA for A: \"192.0.2.10 192.0.2.11\" (ldns: Syntax error, superfluous text present)\n" +
          file + ":16:21: bad RDATA for TYPE65280: \"1 2\" (ldns: Syntax error, could not parse the RR's rdata)\n" +
          file + ":17:11: bad TTL \"4294967296\": more than 32 bits (at most 4294967295)\n" +
          file + ":18:11: cannot open \"" + dir + "missing.zone\": No such file or directory\n" +
          file + ":19:1: $TTL needs a TTL\n" +
          file + ":20:11: bad $ORIGIN name \"a..b\" (ldns: Empty label)\n" +
          // Long tokens are quoted by their first 60 characters.
          file + ":22:1: bad owner name \"" + label64.substr(0, 60) + "\"... (ldns: Label length overflow)\n" +
          file + ":23:1: bad owner name \"" + long_name.substr(0, 60) + "\"... (ldns: Domainname length overflow)\n" +
          file + ":25:20: '(' inside parentheses\n" +
          file + ":27:15: unexpected \"600\" after $TTL\n" +
          file + ":28:31: bad $INCLUDE origin \"a..b\" (ldns: Empty label)\n");
    REQUIRE(zone.records.size() == 5);
    CHECK(zone.records[0].owner == wire("good1.example.com."));
    CHECK(zone.records[1].owner == wire("good2.example.com."));
    CHECK(zone.records[2].owner == wire("good3.example.com."));
    CHECK(zone.records[3].owner == wire("good4.example.com."));
    CHECK(zone.records[4].owner == wire("good5.example.com."));
}

TEST_CASE("unclosed '(' and quote at the end of the file") {
    auto paren = load(dir + "unclosed_paren.zone");
    CHECK(paren.messages == dir + "unclosed_paren.zone:2:30: '(' not closed by the end of the file\n");
    CHECK(paren.records.size() == 1);

    auto quote = load(dir + "unclosed_quote.zone");
    CHECK(quote.messages == dir + "unclosed_quote.zone:2:15: unterminated quoted string\n");
    CHECK(quote.records.size() == 1);
}

TEST_CASE("a NUL byte is an error at its place: its record is skipped, never cut short") {
    ScratchDir scratch;
    const std::string path = (scratch.path / "nul.zone").string();
    const std::string text("good 60 A 192.0.2.1\ntxt 60 TXT \"a\" \0\"b\"\nt2 60 A\0AAA 192.0.2.9\n", 62);
    std::ofstream(path, std::ios::binary) << text;
    auto zone = load(path);
    CHECK(zone.messages == path + ":2:16: NUL byte in the zone file (is it a binary file?)\n" + path +
                               ":3:8: NUL byte in the zone file (is it a binary file?)\n");
    CHECK(zone.records.size() == 1);
}

TEST_CASE("$INCLUDE cycle, a missing zone file, a folder") {
    auto cycle = load(dir + "cycle_a.zone");
    CHECK(cycle.messages ==
          dir + "cycle_b.zone:2:10: $INCLUDE cycle: \"" + dir + "cycle_a.zone\" is already being read\n");
    CHECK(cycle.records.size() == 2);
    CHECK(cycle.records.files_read() == std::vector<std::string>{dir + "cycle_a.zone", dir + "cycle_b.zone"});

    auto missing = load(dir + "nonexistent.zone");
    CHECK(missing.messages ==
          "azdns.toml:7:8: cannot open \"" + dir + "nonexistent.zone\": No such file or directory\n");
    CHECK(missing.records.empty());
    CHECK(missing.records.files_read().empty());

    auto folder = load(dir + "include");
    CHECK(folder.messages == "azdns.toml:7:8: cannot open \"" + dir + "include\": not a regular file (a directory)\n");
}

// load_zone's list is what serve watches: a file that failed to open is
// watched only when it is the zone's own file (it may come back).
TEST_CASE("files a failed load read: the zone's file always, includes that opened") {
    ScratchDir scratch;
    const auto& folder = scratch.path;
    std::filesystem::create_directory(folder / "sub");
    std::ofstream(folder / "top.zone") << "$INCLUDE sub/part.zone\n$INCLUDE missing.zone\n";
    std::ofstream(folder / "sub" / "part.zone") << "www 60 A 192.0.2.1\n";
    Diagnostics diags;
    std::vector<std::string> files;
    CHECK(load_zone(wire("example.com."), (folder / "top.zone").string(), {}, diags, &files) == nullptr);
    CHECK(files == std::vector<std::string>{(folder / "top.zone").string(), (folder / "sub/part.zone").string()});

    files.clear();
    CHECK(load_zone(wire("example.com."), (folder / "gone.zone").string(), {}, diags, &files) == nullptr);
    CHECK(files == std::vector<std::string>{(folder / "gone.zone").string()});
}

TEST_CASE("$INCLUDE depth limit") {
    ScratchDir scratch;
    const auto& folder = scratch.path;
    constexpr int files = 20;
    for (int i = 0; i < files; ++i) {
        std::ofstream out(folder / ("f" + std::to_string(i) + ".zone"));
        out << "$INCLUDE f" << i + 1 << ".zone\n";
    }
    auto zone = load((folder / "f0.zone").string());
    CHECK(zone.messages == (folder / "f15.zone").string() + ":1:10: $INCLUDE nested more than 16 files deep\n");
}

TEST_CASE("CRLF line ends") {
    ScratchDir scratch;
    auto path = scratch.path / "crlf.zone";
    std::ofstream(path) << "$TTL 60\r\nwww A 192.0.2.1\r\n    TXT \"x\" ; note\r\n";
    auto zone = load(path.string());
    CHECK(zone.messages == "");
    CHECK(hex(zone.at("www.example.com.", TXT).rdata) == "0178");
}

// ldns silently cuts RDATA text past 65534 characters; the reader refuses it.
TEST_CASE("RDATA text at and past the length ldns reads") {
    ScratchDir scratch;
    const auto& folder = scratch.path;
    auto txt = [](std::size_t length) {
        std::string text;  // 200-character strings separated by blanks
        while (text.size() < length) {
            if (!text.empty()) text += ' ';
            text.append(std::min<std::size_t>(200, length - text.size()), 'x');
        }
        return text;
    };
    std::ofstream(folder / "long.zone") << "$TTL 60\nfits TXT " << txt(65534) << "\ncut TXT " << txt(65535) << "\n";
    auto zone = load((folder / "long.zone").string());
    CHECK(zone.messages ==
          (folder / "long.zone").string() + ":3:9: RDATA for TXT longer than 65534 characters, more than ldns reads\n");
    REQUIRE(zone.records.size() == 1);
    CHECK(zone.records[0].rdata.size() == 65535);
}

// Names in RDATA written as '@' take 2 characters of text and up to 255
// bytes of wire form: a HIP's rendezvous servers can pass RDLENGTH's 16 bits.
TEST_CASE("RDATA past 65535 bytes in wire form is refused, never cut") {
    ScratchDir scratch;
    const std::string path = (scratch.path / "hip.zone").string();
    const std::string label(63, 'l');
    const std::string origin = label + "." + label + "." + label + ".example.";  // 201 bytes in wire form
    auto hip = [](int servers) {
        std::string text = "2 200100107B1A74DF365639CC39F1D578 AwEAAQ==";  // 4 + 16 + 4 bytes
        for (int i = 0; i < servers; ++i) text += " @";
        return text;
    };
    std::ofstream(path) << "$ORIGIN " << origin << "\n$TTL 60\n"
                        << "fits HIP " << hip(325) << "\n"     // 24 + 325 * 201 = 65349 bytes
                        << "over HIP " << hip(350) << "\n";    // 24 + 350 * 201 = 70374 bytes
    auto zone = load(path);
    CHECK(zone.messages == path + ":4:10: RDATA for HIP is 70374 bytes; at most 65535 (RFC 1035 RDLENGTH)\n");
    REQUIRE(zone.records.size() == 1);
    CHECK(zone.records[0].rdata.size() == 65349);

    // Past the readers' checks, the records refuse to keep it rather than cut its length to 16 bits.
    const std::string rdata(65536, 'x');
    const std::string owner = wire("example.com.");
    ZoneRecords records;
    CHECK_THROWS_AS(records.add({owner, TXT, 1, 60, rdata, {}}), std::length_error);
    CHECK(records.empty());
}

TEST_CASE("a token of 100 KiB is quoted by its first 60 characters") {
    ScratchDir scratch;
    const std::string path = (scratch.path / "token.zone").string();
    std::ofstream(path) << "www " << std::string(100 * 1024, '9') << "x A 192.0.2.1\n";
    auto zone = load(path);
    CHECK(zone.messages == path + ":1:5: bad TTL \"" + std::string(60, '9') +
                               "\"... (expected seconds, or units as in 1h30m)\n");
}

// A zone lists its first 1000 problems and counts the rest; all its errors
// still refuse it.
TEST_CASE("a zone with 1500 errors lists 1000 of them, then says how many more") {
    ScratchDir scratch;
    const std::string path = (scratch.path / "broken.zone").string();
    {
        std::ofstream out(path);
        out << "@ 60 SOA ns1 admin 1 3600 600 86400 60\n@ 60 NS ns1\nns1 60 A 192.0.2.1\n";
        for (int i = 0; i < 1500; ++i) out << "h" << i << " 60 A 300.0.0.1\n";
    }
    Diagnostics diags;
    CHECK(load_zone(wire("example.com."), path, {"azdns.toml", 7, 8}, diags) == nullptr);
    CHECK(diags.has_errors());
    CHECK(diags.error_count() == 1500);
    CHECK(diags.unlisted() == 500);
    REQUIRE(diags.all().size() == 1001);
    CHECK(diags.all()[999].to_string().starts_with(path + ":1003:"));
    CHECK(diags.all()[1000].to_string() ==
          "azdns.toml:7:8: ... and 500 more errors and warnings in example.com. (the first 1000 are listed)");
}

TEST_CASE("RFC 3597 generic RDATA of a known type: its length must be the type's, not a prefix of it") {
    ScratchDir scratch;
    const std::string path = (scratch.path / "generic.zone").string();
    std::ofstream(path) << "mx   60 MX \\# 4 000a0000\n"      // MX 10 . and one byte more
                           "a    60 A \\# 5 c000020100\n"     // an A and one byte more
                           "ok   60 MX \\# 3 000a00\n"        // MX 10 .
                           "ok   60 A \\# 4 c0000207\n";
    auto zone = load(path);
    CHECK(zone.messages == path + ":1:12: generic RDATA of 4 bytes does not match MX's 3 bytes\n" + path +
                               ":2:11: generic RDATA of 5 bytes does not match A's 4 bytes\n");
    REQUIRE(zone.records.size() == 2);
    CHECK(hex(zone.at("ok.example.com.", MX).rdata) == hex(u16(10) + wire(".")));
    CHECK(hex(zone.at("ok.example.com.", A).rdata) == hex(bytes({192, 0, 2, 7})));
}
