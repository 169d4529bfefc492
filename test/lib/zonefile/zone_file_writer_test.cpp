#include <doctest/doctest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "dns_name.hpp"
#include "hex_text.hpp"
#include "process.hpp"
#include "temp_dir.hpp"
#include "zone_file.hpp"
#include "zone_file_writer.hpp"

using namespace azdns;
using azdns::test::hex;

namespace {

std::string wire(const char* name) { return *name_from_text(name); }

void write_file(const std::filesystem::path& path, std::string_view text) {
    std::ofstream(path, std::ios::binary) << text;
}

struct Read {
    ZoneRecords records;
    std::string messages;  // one diagnostic per line
};

Read read(const std::filesystem::path& path, std::string_view origin) {
    Diagnostics diags;
    Read out;
    out.records = read_zone_file(path.string(), origin, {"azdns.toml", 1, 1}, diags);
    for (const auto& diag : diags.all()) out.messages += diag.to_string() + "\n";
    return out;
}

// The records of a zone written as master-file text, read by azdns' reader.
Read read_text(std::string_view text, std::string_view origin) {
    testing::TempDir dir("azdns-writer-test");
    write_file(dir.path / "source.zone", text);
    return read(dir.path / "source.zone", origin);
}

// Writes `records`, reads the file back and compares record by record.
// Returns the written text, for the checks that look at it.
std::string check_round_trip(std::string_view origin, const ZoneRecords& records) {
    std::string text = zone_records_text(origin, records, "taken by a test");
    Read back = read_text(text, origin);
    INFO("written:\n" << text);
    CHECK(back.messages == "");
    REQUIRE(back.records.size() == records.size());
    for (std::size_t i = 0; i < records.size(); ++i) {
        INFO("record " << i << ": " << name_to_text(records.owner(i)) << " type " << records.type(i));
        CHECK(hex(back.records.owner(i)) == hex(records.owner(i)));
        CHECK(back.records.type(i) == records.type(i));
        CHECK(back.records.rclass(i) == records.rclass(i));
        CHECK(back.records.ttl(i) == records.ttl(i));
        CHECK(hex(back.records.rdata(i)) == hex(records.rdata(i)));
    }
    return text;
}

const std::string example_org = wire("example.org.");

std::string label(const std::string& bytes) { return std::string(1, static_cast<char>(bytes.size())) + bytes; }

// A zone of every kind of record the writer renders in presentation form,
// with the awkward cases: escapes, uppercase names in RDATA, empty strings,
// TTL 0 and 2^31-1. Read by azdns' own reader, so the RDATA is what an
// AXFR would have brought.
const char* const every_type_zone = R"(
$TTL 300
@ IN SOA ns1.example.org. Host\.Master.Example.ORG. 2026120301 7200 3600 1209600 300
@ NS ns1
@ NS NS2.Example.NET.
ns1 0 A 192.0.2.1
ns1 2147483647 AAAA 2001:db8::1
v4mapped AAAA ::ffff:192.0.2.7
www CNAME WWW.Target.example.
@ MX 10 Mail.example.org.
@ MX 0 .
txt TXT "a \"quoted\" \\ backslash" "" "semi;colon (paren) $dollar @at" "\200\255\000\009" plain
txt TXT ""
txt TXT "caf\195\169" "tab	inside"
_sip._tcp SRV 10 20 5060 SIP.example.org.
_sip._tcp SRV 0 0 0 .
@ CAA 0 issue "ca.example.net; account=1"
@ CAA 128 tbs "\"x\" \\ y"
@ CAA 0 iodef ""
4.3.2.1 PTR Host.example.org.
old DNAME New.Example.net.
child NS ns1
child DS 12345 13 2 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f
@ CDS 12345 13 2 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f
@ DNSKEY 257 3 13 AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vMDEyMzQ1Njc4OTo7PD0+Pw==
@ CDNSKEY 257 3 13 AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vMDEyMzQ1Njc4OTo7PD0+Pw==
@ RRSIG A 13 2 300 20261231000000 20261201000000 12345 Example.org. AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vMDEyMzQ1Njc4OTo7PD0+Pw==
@ RRSIG TYPE65280 8 2 0 20261231000000 19700101000000 0 . AAECAw==
@ NSEC Next.example.org. A NS SOA MX TXT AAAA RRSIG NSEC DNSKEY TYPE65280
last NSEC example.org. NSEC
@ NSEC3PARAM 1 0 10 aabbccdd
@ NSEC3PARAM 1 0 0 -
2t7b4g4vsa5smi47k61mv5bv1a22bojr NSEC3 1 1 10 aabbccdd 2t7b4g4vsa5smi47k61mv5bv1a22bojr A RRSIG
@ TLSA 3 1 1 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f
@ SSHFP 4 2 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f
@ NAPTR 100 10 "S" "SIP+D2U" "!^.*$!sip:info@example.org!" _sip._udp.Example.org.
@ NAPTR 100 10 "" "" "" .
@ HINFO "PC \"x\"" "Linux"
@ URI 10 1 "https://example.org/a b"
@ OPENPGPKEY AAECAw==
@ ZONEMD 2026120301 1 1 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f000102030405060708090a0b0c0d0e0f
@ LOC 59 20 5.123 N 18 3 31.000 E 22.50m 10m 100m 10m
@ RP Admin.example.org. TXT.example.org.
svc SVCB 1 . alpn=h2,h3 port=8443 ipv4hint=192.0.2.1,192.0.2.2 ipv6hint=2001:db8::1
svc SVCB 0 Alias.example.org.
svc HTTPS 1 . alpn="h3,h2" no-default-alpn ech=AAECAw== key65000="x\\y"
*.wild A 192.0.2.9
unknown TYPE65280 \# 3 abcdef
unknown TYPE65281 \# 0
unknown KX 10 Kx.example.org.
)";

}  // namespace

TEST_CASE("every type the reader supports reads back byte for byte") {
    Read source = read_text(every_type_zone, example_org);
    REQUIRE(source.messages == "");
    REQUIRE(source.records.size() == 48);
    std::string text = check_round_trip(example_org, source.records);
    // Presentation form where the type is known, generic where not.
    CHECK(text.find("\nexample.org.\t300\tIN\tSOA\tns1.example.org. Host\\.Master.Example.ORG. 2026120301 7200 "
                    "3600 1209600 300\n") != std::string::npos);
    CHECK(text.find("\nns1.example.org.\t0\tIN\tA\t192.0.2.1\n") != std::string::npos);
    CHECK(text.find("\nns1.example.org.\t2147483647\tIN\tAAAA\t2001:db8::1\n") != std::string::npos);
    CHECK(text.find(" _sip._udp.Example.org.\n") != std::string::npos);
    CHECK(text.find("\nunknown.example.org.\t300\tIN\tTYPE65280\t\\# 3 abcdef\n") != std::string::npos);
    CHECK(text.find("\n*.wild.example.org.\t300\tIN\tA\t192.0.2.9\n") != std::string::npos);
}

TEST_CASE("the text starts with the header as comments, then $ORIGIN") {
    ZoneRecords records;
    std::string a = std::string("\xc0\x00\x02\x01", 4);
    records.add({example_org, 1, 1, 60, a, {}});
    std::string text = zone_records_text(example_org, records, "taken from 198.51.100.1:53 by AXFR\nserial 5");
    CHECK(text == "; taken from 198.51.100.1:53 by AXFR\n; serial 5\n$ORIGIN example.org.\n"
                  "example.org.\t60\tIN\tA\t192.0.2.1\n");
}

TEST_CASE("owners with bytes that need escapes read back") {
    ZoneRecords records;
    std::string a = std::string("\xc0\x00\x02\x01", 4);
    const std::string owners[] = {
        example_org,                                  // the apex
        label("a.b") + example_org,                   // a dot inside a label
        label("a b") + example_org,                   // a space
        label(std::string("\0", 1)) + example_org,   // a zero byte
        label("\"q\\;()") + example_org,              // quote, backslash, comment and parentheses
        label("$origin") + example_org,              // would be a directive in column 1
        label("@") + example_org,                     // would be the origin
        label("\xc3\xa9\x7f\xff") + example_org,      // non-ASCII and DEL
        label("*") + label("x") + example_org,        // a wildcard
        label("#") + example_org,
    };
    for (const auto& owner : owners) records.add({owner, 1, 1, 60, a, {}});
    check_round_trip(example_org, records);
}

TEST_CASE("RDATA that is not what its type says is written in the generic form") {
    ZoneRecords records;
    auto add = [&](std::uint16_t type, std::string rdata) { records.add({example_org, type, 1, 60, rdata, {}}); };
    add(6, std::string("\x00\x00", 2));              // SOA: names only
    add(47, std::string("\x00\x00\x01", 3));         // NSEC: a broken type bitmap
    add(46, std::string(18, '\x00'));                // RRSIG: no signer
    add(16, std::string());                          // TXT with no string at all
    std::string text = check_round_trip(example_org, records);
    CHECK(text.find("\tTYPE6\t\\# 2 0000\n") != std::string::npos);
    CHECK(text.find("\tTYPE16\t\\# 0\n") != std::string::npos);
}

// ldns checks generic RDATA against the type's format, so these cannot be
// read back by anyone; the reader says where, rather than load something else.
TEST_CASE("RDATA no reader takes for its type is written as it is, and refused where it stands") {
    ZoneRecords records;
    auto add = [&](std::uint16_t type, std::string rdata) { records.add({example_org, type, 1, 60, rdata, {}}); };
    add(1, std::string("\x01\x02\x03", 3));  // A of 3 bytes
    add(2, std::string("\xc0\x0c", 2));      // NS: a compression pointer
    add(33, std::string("\x00\x01\x00", 3)); // SRV: cut short
    std::string text = zone_records_text(example_org, records, "");
    CHECK(text == "$ORIGIN example.org.\n"
                  "example.org.\t60\tIN\tTYPE1\t\\# 3 010203\n"
                  "example.org.\t60\tIN\tTYPE2\t\\# 2 c00c\n"
                  "example.org.\t60\tIN\tTYPE33\t\\# 3 000100\n");
    Read back = read_text(text, example_org);
    INFO(back.messages);
    CHECK(back.records.size() == 0);
    CHECK(back.messages.find("source.zone:2:26: bad RDATA for TYPE1: \"\\# 3 010203\"") != std::string::npos);
    CHECK(back.messages.find("source.zone:3:26: bad RDATA for TYPE2") != std::string::npos);
    CHECK(back.messages.find("source.zone:4:27: bad RDATA for TYPE33") != std::string::npos);
}

TEST_CASE("the root zone and a zone with escaped bytes in its origin") {
    ZoneRecords root;
    root.add({wire("."), 2, 1, 518400, wire("a.root-servers.net."), {}});
    root.add({wire("org."), 2, 1, 172800, wire("a0.org.afilias-nst.info."), {}});
    std::string text = check_round_trip(wire("."), root);
    CHECK(text.find("\n$ORIGIN .\n") != std::string::npos);

    std::string odd = std::string("\x03" "a.b\x02" "\"x\x00", 8);
    ZoneRecords records;
    records.add({odd, 16, 1, 60, std::string("\x01x", 2), {}});
    check_round_trip(odd, records);
}

// The file is meant for operators' tools too: they must read it as it is.
TEST_CASE("ldns-read-zone and named-checkzone accept the written file") {
    Read source = read_text(every_type_zone, example_org);
    REQUIRE(source.messages == "");
    testing::TempDir dir("azdns-writer-tools");
    const auto path = dir.path / "secondary-example.org.zone";
    write_file(path, zone_records_text(example_org, source.records, "taken by a test"));

    const bool have_ldns = std::filesystem::exists("/usr/bin/ldns-read-zone");
    const bool have_bind = std::filesystem::exists("/usr/bin/named-checkzone");
    if (!have_ldns) MESSAGE("ldns-read-zone is not installed (package ldnsutils): that check is skipped");
    if (!have_bind) MESSAGE("named-checkzone is not installed (package bind9-utils): that check is skipped");
    if (have_ldns) {
        auto result = test::run_process({"/usr/bin/ldns-read-zone", path.string()});
        INFO("ldns-read-zone says: " << result.err);
        CHECK(result.exit_code == 0);
        CHECK(result.out.find("Host\\.Master.Example.ORG.") != std::string::npos);
    }
    if (have_bind) {
        auto result = test::run_process({"/usr/bin/named-checkzone", "example.org", path.string()});
        INFO("named-checkzone says: " << result.out << result.err);
        CHECK(result.exit_code == 0);
        CHECK(result.out.find("loaded serial 2026120301") != std::string::npos);
    }
}

TEST_CASE("the kept copy's file name is safe whatever the origin") {
    CHECK(zone_copy_file_name(wire("example.org.")) == "secondary-example.org.zone");
    CHECK(zone_copy_file_name(wire("Example.ORG.")) == "secondary-example.org.zone");
    CHECK(zone_copy_file_name(wire("_tcp.my-zone.example.")) == "secondary-_tcp.my-zone.example.zone");
    CHECK(zone_copy_file_name(wire(".")) == "secondary-root.zone");
    // A label with a dot or a slash must not make a path or a different zone's name.
    CHECK(zone_copy_file_name(label("..") + wire("org.")) == "secondary-%2E%2E.org.zone");
    CHECK(zone_copy_file_name(label("a/b") + wire("org.")) == "secondary-a%2Fb.org.zone");
    CHECK(zone_copy_file_name(label("a.b") + wire("org.")) == "secondary-a%2Eb.org.zone");
    CHECK(zone_copy_file_name(label("%41") + wire(".")) == "secondary-%2541.zone");
    CHECK(zone_copy_file_name(label(std::string("\0 \xff", 3)) + wire(".")) == "secondary-%00%20%FF.zone");
    CHECK(zone_copy_file_name(label("root") + wire(".")) != zone_copy_file_name(wire(".")));
    // Distinct origins, distinct files.
    CHECK(zone_copy_file_name(label("a.b") + wire("org.")) != zone_copy_file_name(wire("a.b.org.")));
    CHECK(zone_copy_file_name(label("root") + wire(".")) == "secondary-%72oot.zone");
    // A long name of escaped bytes still fits a file name (NAME_MAX, 255 bytes), and stays distinct.
    std::string long_name, other_long_name;
    for (int i = 0; i < 4; ++i) long_name += label(std::string(62, '\xff'));
    other_long_name = label(std::string(62, '\xfe')) + long_name.substr(63);
    long_name += '\0';
    other_long_name += '\0';
    CHECK(zone_copy_file_name(long_name).size() <= 255);
    CHECK(zone_copy_file_name(long_name).ends_with(".zone"));
    CHECK(zone_copy_file_name(long_name) != zone_copy_file_name(other_long_name));
}
