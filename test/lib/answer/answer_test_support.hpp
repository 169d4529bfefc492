// Shared by the answer-engine suites: hand-built queries (so letter case and
// malformations are exact), the test zone, and responses parsed back with ldns.
#pragma once

#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "answer_engine.hpp"
#include "dns_name.hpp"
#include "zone_load.hpp"

// ldns #defines true/false: after every C++ header.
#include <ldns/ldns.h>

namespace azdns::answer_test {

inline constexpr std::uint16_t A = 1, NS = 2, CNAME = 5, SOA = 6, MX = 15, TXT = 16, AAAA = 28, SRV = 33,
                        DNAME = 39, DS = 43, OPT = 41, IXFR = 251, AXFR = 252, ANY = 255;
inline constexpr std::uint16_t IN = 1, CH = 3;

inline std::string wire_name(const char* text) {
    auto name = name_from_text(text);
    REQUIRE(name);
    return *name;
}

// Adds the zone `origin` loaded from `file` under test/data.
inline void add_zone(ZoneSet& set, const char* origin, const char* file) {
    Diagnostics diags;
    auto zone = load_zone(name_canonical(wire_name(origin)), std::string(AZDNS_TEST_DATA_DIR) + "/" + file,
                          SourceLocation{}, diags);
    for (const auto& d : diags.all()) MESSAGE(d.to_string());
    REQUIRE(zone);
    REQUIRE(set.add(zone));
}

// example.com. loaded from `file` under test/data.
inline ZoneSet load_example_zone(const char* file) {
    ZoneSet built;
    add_zone(built, "example.com.", file);
    return built;
}

inline const ZoneSet& zones() {
    static const ZoneSet set = load_example_zone("answer/example.zone");
    return set;
}

struct QueryOptions {
    std::uint16_t qclass = IN;
    std::uint16_t id = 0x1234;
    bool rd = false;
    bool edns = false;
    std::uint16_t udp_size = 4096;
    std::uint8_t version = 0;
    bool dnssec_ok = false;
    bool nsid = false;
    std::uint8_t opcode = 0;
    std::vector<std::uint8_t> client_subnet{};  // an ECS option's payload (client_subnet()); empty: none
};

// An EDNS Client Subnet payload (RFC 7871 section 6): FAMILY from the
// address, SOURCE PREFIX-LENGTH `source`, SCOPE 0, the address cut to the
// prefix's bytes (its bits past the prefix as given, to test bad ones).
inline std::vector<std::uint8_t> client_subnet(const char* address, std::uint8_t source) {
    auto parsed = IpAddress::parse(address);
    REQUIRE(parsed);
    std::vector<std::uint8_t> out{0, static_cast<std::uint8_t>(parsed->family == IpFamily::v4 ? 1 : 2), source, 0};
    out.insert(out.end(), parsed->bytes.begin(), parsed->bytes.begin() + (source + 7) / 8);
    return out;
}

inline void put16(std::vector<std::uint8_t>& out, std::uint16_t v) {
    out.push_back(static_cast<std::uint8_t>(v >> 8));
    out.push_back(static_cast<std::uint8_t>(v));
}

inline std::vector<std::uint8_t> opt_record(const QueryOptions& o) {
    std::vector<std::uint8_t> rr{0};
    put16(rr, OPT);
    put16(rr, o.udp_size);
    rr.push_back(0);
    rr.push_back(o.version);
    put16(rr, o.dnssec_ok ? 0x8000 : 0);
    std::vector<std::uint8_t> options;
    // An unknown option (ignored), then NSID.
    put16(options, 65001);
    put16(options, 2);
    options.push_back(0xAB);
    options.push_back(0xCD);
    if (o.nsid) {
        put16(options, 3);
        put16(options, 0);
    }
    if (!o.client_subnet.empty()) {
        put16(options, 8);
        put16(options, static_cast<std::uint16_t>(o.client_subnet.size()));
        options.insert(options.end(), o.client_subnet.begin(), o.client_subnet.end());
    }
    put16(rr, static_cast<std::uint16_t>(options.size()));
    rr.insert(rr.end(), options.begin(), options.end());
    return rr;
}

inline std::vector<std::uint8_t> make_query(const char* name, std::uint16_t qtype, const QueryOptions& o = {}) {
    std::vector<std::uint8_t> q;
    put16(q, o.id);
    q.push_back(static_cast<std::uint8_t>(o.opcode << 3 | (o.rd ? 1 : 0)));
    q.push_back(0);
    put16(q, 1);
    put16(q, 0);
    put16(q, 0);
    put16(q, o.edns ? 1 : 0);
    std::string n = wire_name(name);
    q.insert(q.end(), n.begin(), n.end());
    put16(q, qtype);
    put16(q, o.qclass);
    if (o.edns) {
        auto rr = opt_record(o);
        q.insert(q.end(), rr.begin(), rr.end());
    }
    return q;
}

inline std::string rr_text(ldns_rr* rr) {
    char* s = ldns_rr2str(rr);
    std::string text(s);
    free(s);
    std::replace(text.begin(), text.end(), '\t', ' ');
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
    return text;
}

inline std::vector<std::string> section(ldns_rr_list* list) {
    std::vector<std::string> out;
    for (size_t i = 0; i < ldns_rr_list_rr_count(list); ++i) out.push_back(rr_text(ldns_rr_list_rr(list, i)));
    return out;
}

struct Reply {
    std::vector<std::uint8_t> wire;
    std::unique_ptr<ldns_pkt, decltype(&ldns_pkt_free)> pkt{nullptr, ldns_pkt_free};
    std::vector<std::string> answer, authority, additional;

    [[nodiscard]] int rcode() const { return ldns_pkt_get_rcode(pkt.get()); }
    [[nodiscard]] bool aa() const { return ldns_pkt_aa(pkt.get()); }
    [[nodiscard]] bool tc() const { return ldns_pkt_tc(pkt.get()); }
    [[nodiscard]] bool has_opt() const { return ldns_pkt_edns(pkt.get()); }
};

// The payload of the first option `code` in a reply's OPT, if it has one.
inline std::optional<std::vector<std::uint8_t>> reply_option(const Reply& reply, std::size_t code) {
    ldns_rdf* data = reply.pkt ? ldns_pkt_edns_data(reply.pkt.get()) : nullptr;
    if (data == nullptr) return std::nullopt;
    const std::uint8_t* bytes = ldns_rdf_data(data);
    std::size_t size = ldns_rdf_size(data);
    for (std::size_t at = 0; at + 4 <= size;) {
        std::size_t found = std::size_t{bytes[at]} << 8 | bytes[at + 1];
        std::size_t length = std::size_t{bytes[at + 2]} << 8 | bytes[at + 3];
        if (at + 4 + length > size) break;
        if (found == code) return std::vector<std::uint8_t>(bytes + at + 4, bytes + at + 4 + length);
        at += 4 + length;
    }
    return std::nullopt;
}

// The Extended DNS Error option (RFC 8914) of a reply's OPT, as
// "INFO-CODE EXTRA-TEXT", or "" when there is none.
inline std::string extended_error(const Reply& reply) {
    const auto option = reply_option(reply, 15);
    if (!option || option->size() < 2) return "";
    const std::size_t info = std::size_t{(*option)[0]} << 8 | (*option)[1];
    return std::to_string(info) + " " + std::string(option->begin() + 2, option->end());
}

// A client asking over `transport`, as a listener would describe it.
inline Client client_over(Transport transport) {
    return {*IpAddress::parse("192.0.2.53"), 40053, transport};
}

// Answers `query` from `zone_set` (filtered by `health`, with the keys and
// rules of `transfers`, when given; from `from` rather than 192.0.2.53)
// and parses the reply.
inline Reply ask_zones(const std::vector<std::uint8_t>& query, const ZoneSet& zone_set, Transport transport,
                       const AnswerOptions& options = {}, const HealthView* health = nullptr,
                       const TransferState* transfers = nullptr, const char* from = nullptr) {
    AnswerEngine engine(options);
    std::vector<std::uint8_t> buffer(max_message_size);
    Client client = client_over(transport);
    if (from != nullptr) client.address = *IpAddress::parse(from);
    std::size_t n = engine.answer(query, zone_set, client, buffer, health, nullptr, transfers);
    Reply reply;
    reply.wire.assign(buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(n));
    if (n == 0) return reply;
    ldns_pkt* pkt = nullptr;
    REQUIRE(ldns_wire2pkt(&pkt, reply.wire.data(), reply.wire.size()) == LDNS_STATUS_OK);
    reply.pkt.reset(pkt);
    reply.answer = section(ldns_pkt_answer(pkt));
    reply.authority = section(ldns_pkt_authority(pkt));
    reply.additional = section(ldns_pkt_additional(pkt));
    CHECK_FALSE(ldns_pkt_ra(pkt));
    CHECK(ldns_pkt_qr(pkt));
    return reply;
}

inline Reply ask(const std::vector<std::uint8_t>& query, Transport transport = Transport::udp,
                 const AnswerOptions& options = {}) {
    return ask_zones(query, zones(), transport, options);
}

inline Reply ask(const char* name, std::uint16_t qtype, const QueryOptions& o = {}, Transport t = Transport::udp,
          const AnswerOptions& options = {}) {
    return ask(make_query(name, qtype, o), t, options);
}

using Lines = std::vector<std::string>;
inline const std::string soa_300 = "example.com. 300 IN SOA ns1.example.com. hostmaster.example.com. 2024010101 7200 3600 1209600 300";

}  // namespace azdns::answer_test
