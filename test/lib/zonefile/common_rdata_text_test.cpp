// The fast paths must agree with ldns byte for byte wherever they answer, and
// answer for the plain forms large zones are made of. Thousands of generated
// texts, valid and not, go through both.
#include <doctest/doctest.h>

#include <arpa/inet.h>

#include <array>
#include <cctype>
#include <memory>
#include <optional>
#include <random>
#include <vector>

#include "common_rdata_text.hpp"

// Last: ldns's C headers redefine `false` and `true`.
#include <ldns/ldns.h>

using namespace azdns;

namespace {

struct LdnsFree {
    void operator()(ldns_rdf* rdf) const { ldns_rdf_deep_free(rdf); }
    void operator()(ldns_rr* rr) const { ldns_rr_free(rr); }
};
using RdfPtr = std::unique_ptr<ldns_rdf, LdnsFree>;
using RrPtr = std::unique_ptr<ldns_rr, LdnsFree>;

const std::string origin_text = "Example.com.";

std::string origin_wire() {
    RdfPtr rdf(ldns_dname_new_frm_str(origin_text.c_str()));
    return {reinterpret_cast<const char*>(ldns_rdf_data(rdf.get())), ldns_rdf_size(rdf.get())};
}

// What the reader got from ldns before the fast paths: nullopt when refused.
std::optional<std::string> ldns_rdata(const char* type, const std::string& rdata) {
    RdfPtr origin(ldns_dname_new_frm_str(origin_text.c_str()));
    std::string text = std::string(". IN ") + type + " " + rdata;
    ldns_rr* raw = nullptr;
    ldns_status status = ldns_rr_new_frm_str(&raw, text.c_str(), 0, origin.get(), nullptr);
    RrPtr rr(raw);
    if (status != LDNS_STATUS_OK) return std::nullopt;
    std::string out;
    for (std::size_t i = 0; i < ldns_rr_rd_count(rr.get()); ++i) {
        const ldns_rdf* field = ldns_rr_rdf(rr.get(), i);
        out.append(reinterpret_cast<const char*>(ldns_rdf_data(field)), ldns_rdf_size(field));
    }
    return out;
}

// What the reader got from ldns for an owner name before the fast paths.
std::optional<std::string> ldns_owner(const std::string& text) {
    if (text == "@") return origin_wire();
    ldns_rdf* raw = nullptr;
    if (ldns_str2rdf_dname(&raw, text.c_str()) != LDNS_STATUS_OK) return std::nullopt;
    RdfPtr rdf(raw);
    std::string wire(reinterpret_cast<const char*>(ldns_rdf_data(rdf.get())), ldns_rdf_size(rdf.get()));
    if (text.back() != '.') {
        wire.pop_back();
        wire += origin_wire();
        if (wire.size() > 255) return std::nullopt;
    }
    return wire;
}

std::vector<ZoneToken> tokens(const std::string& text) {
    std::vector<ZoneToken> out;
    std::size_t i = 0;
    while (i < text.size()) {
        std::size_t end = text.find(' ', i);
        if (end == std::string::npos) end = text.size();
        if (end > i) out.push_back({std::string_view(text).substr(i, end - i), 1, 1});
        i = end + 1;
    }
    return out;
}

// Checks one RDATA text; true when the fast path answered.
bool agrees(std::uint16_t type, const char* type_name, const std::string& text) {
    std::vector<ZoneToken> fields = tokens(text);
    std::string fast;
    bool answered = parse_common_rdata(type, fields, origin_wire(), fast);
    if (answered) {
        auto expected = ldns_rdata(type_name, text);
        INFO(type_name << " \"" << text << "\"");
        REQUIRE(expected.has_value());
        CHECK(fast == *expected);
    }
    return answered;
}

std::mt19937 rng(20240601);

std::string pick(const std::vector<std::string>& choices) {
    return choices[std::uniform_int_distribution<std::size_t>(0, choices.size() - 1)(rng)];
}

std::string random_text(const std::string& alphabet, std::size_t max_length) {
    std::size_t length = std::uniform_int_distribution<std::size_t>(1, max_length)(rng);
    std::string out;
    std::uniform_int_distribution<std::size_t> index(0, alphabet.size() - 1);
    for (std::size_t i = 0; i < length; ++i) out += alphabet[index(rng)];
    return out;
}

std::string random_ipv4() {
    static const std::vector<std::string> parts{"0", "1", "9", "10", "99", "100", "199", "255", "256", "01",
                                                "001", "300", "999", "1000", "", "00", "-1", "+1", " 1"};
    int count = std::uniform_int_distribution<int>(2, 5)(rng);
    std::string out = pick(parts);
    for (int i = 1; i < count; ++i) out += "." + pick(parts);
    return out;
}

std::string random_ipv6() {
    std::array<unsigned char, 16> bytes{};
    for (auto& b : bytes) b = std::uniform_int_distribution<int>(0, 3)(rng) == 0 ? 0 : rng() & 0xff;
    std::array<char, INET6_ADDRSTRLEN> text{};
    inet_ntop(AF_INET6, bytes.data(), text.data(), text.size());
    std::string out = text.data();
    if (rng() % 3 == 0) {
        for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
    return out;
}

std::string random_name() {
    static const std::vector<std::string> labels{"a", "www", "Mail", "x-y", "_srv", "*", "a*b", "-", "0",
                                                 "a\\.b", "\\065", "a b", "\"q\"", "é", std::string(63, 'l'),
                                                 std::string(64, 'l'), "", "@", "a/b", "a$"};
    int count = std::uniform_int_distribution<int>(1, 5)(rng);
    std::string out = pick(labels);
    for (int i = 1; i < count; ++i) out += "." + pick(labels);
    if (rng() % 2 == 0) out += ".";
    return out;
}

}  // namespace

TEST_CASE("A: the fast path agrees with ldns") {
    for (const char* text : {"1.2.3.4", "0.0.0.0", "255.255.255.255", "192.0.2.1"}) CHECK(agrees(1, "A", text));
    for (const char* text : {"01.2.3.4", "1.2.3", "256.0.0.1", "1.2.3.4.5", "1.2.3.04", "1..2.3", "1.2.3.4.",
                             ".1.2.3", "1.2.3.4 5", "0x1.2.3.4", "1.2.3.a", "1234.1.1.1"}) {
        CHECK_FALSE(agrees(1, "A", text));
    }
    int answered = 0;
    for (int i = 0; i < 3000; ++i) answered += agrees(1, "A", random_ipv4());
    for (int i = 0; i < 1000; ++i) answered += agrees(1, "A", random_text("0123456789.", 17));
    for (int i = 0; i < 1000; ++i) {
        auto octet = [] { return std::to_string(rng() % 4 == 0 ? 0 : rng() & 0xff); };
        answered += agrees(1, "A", octet() + "." + octet() + "." + octet() + "." + octet());
    }
    CHECK(answered > 1000);
}

TEST_CASE("AAAA: the fast path agrees with ldns") {
    for (const char* text : {"::", "::1", "2001:db8::1", "2001:DB8::A:b", "1:2:3:4:5:6:7:8", "::ffff:192.0.2.1",
                             "1::2:3:4:5:6:7", "0:0:0:0:0:0:0:0", "fe80::1:2"}) {
        CHECK(agrees(28, "AAAA", text));
    }
    for (const char* text : {":::", "1::2::3", "12345::", "1:2:3:4:5:6:7:8:9", "::1.2.3", "::01.2.3.4", "g::1",
                             "1:2:3:4:5:6:7", "::ffff:256.1.1.1", "::1 2", "[::1]", "::1%eth0"}) {
        CHECK_FALSE(agrees(28, "AAAA", text));
    }
    int answered = 0;
    for (int i = 0; i < 2000; ++i) answered += agrees(28, "AAAA", random_ipv6());
    for (int i = 0; i < 2000; ++i) answered += agrees(28, "AAAA", random_text("0123456789abcdefABCDEF:.", 45));
    CHECK(answered > 1000);
}

TEST_CASE("NS, CNAME, PTR and MX: the fast path agrees with ldns") {
    for (const char* text : {"ns1", "ns1.Example.net.", "@", "*.a", "a-b_c", "x.y.z"}) {
        CHECK(agrees(2, "NS", text));
        CHECK(agrees(5, "CNAME", text));
        CHECK(agrees(12, "PTR", text));
    }
    for (const char* text : {"10 mail", "0 .", "65535 mx.example.net.", "010 @"}) {
        CHECK(agrees(15, "MX", text) == (std::string(text) != "0 ."));
    }
    for (const char* text : {"65536 mail", "-1 mail", "+1 mail", "99999 mail", "a mail", "10", "10 a b"}) {
        CHECK_FALSE(agrees(15, "MX", text));
    }
    // Names that reach 255 bytes only with the origin appended.
    std::string long_relative = std::string(63, 'a') + "." + std::string(63, 'b') + "." + std::string(63, 'c') + ".";
    CHECK_FALSE(agrees(2, "NS", long_relative + std::string(51, 'd')));
    CHECK(agrees(2, "NS", long_relative + std::string(49, 'd')));
    int answered = 0;
    for (int i = 0; i < 2000; ++i) {
        std::string name = random_name();
        answered += agrees(2, "NS", name);
        answered += agrees(5, "CNAME", name);
        answered += agrees(15, "MX", pick({"0", "10", "65535", "65536", "010", "-1", "x"}) + " " + name);
    }
    CHECK(answered > 500);
}

TEST_CASE("owner names: the fast path agrees with ldns") {
    int answered = 0;
    for (int i = 0; i < 3000; ++i) {
        std::string text = i < 10 ? std::string("@") : random_name();
        std::string fast;
        if (!parse_plain_name(text, origin_wire(), fast)) continue;
        ++answered;
        auto expected = ldns_owner(text);
        INFO("\"" << text << "\"");
        REQUIRE(expected.has_value());
        CHECK(fast == *expected);
    }
    CHECK(answered > 300);
}

TEST_CASE("common type names") {
    for (const char* name : {"A", "a", "Ns", "CNAME", "soa", "PTR", "mX", "TXT", "aaaa"}) {
        CHECK(common_type_code(name) == ldns_get_rr_type_by_name(name));
    }
    for (const char* name : {"SRV", "TYPE1", "IN", "AA", "AAAAA", "", "CNAMES"}) CHECK(common_type_code(name) == 0);
}
