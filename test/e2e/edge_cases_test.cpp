// Malformed and unusual queries, sent byte for byte to azdns and to NSD: both
// must either stay silent or give the same RCODE and flags. Where NSD's choice
// is one of several the RFCs allow, the case lists what azdns may answer.
#include <doctest/doctest.h>

#include <functional>
#include <set>

#include "differential_compare.hpp"
#include "e2e_fixture.hpp"
#include "peer_server.hpp"

using namespace azdns::e2e;

namespace {

const std::vector<std::pair<std::string, std::string>> zones = {{"example.com.", "example.com.zone"},
                                                                {"example.net.", "example.net.zone"}};

Bytes query_bytes(Query query) { return encode(query); }

Bytes with(Bytes wire, const std::function<void(Bytes&)>& change) {
    change(wire);
    return wire;
}

const Query www{.name = "www.example.com.", .type = rrtype::A, .id = 0x4242};
const Query www_edns{.name = "www.example.com.", .type = rrtype::A, .id = 0x4243, .edns = true};

struct EdgeCase {
    std::string what;
    Bytes packet;
    // RCODEs azdns may give besides NSD's (RFC leeway); "silence" = -1.
    std::set<int> also_allowed = {};
};

std::string outcome(const std::optional<Bytes>& reply) {
    if (!reply) return "silence";
    auto response = parse_response(*reply);
    auto lines = normalise(response);
    std::string text;
    for (const auto& line : lines) text += line + "\n";
    if (response.opt && response.opt->extended_error) {
        text += "ede: " + response.opt->extended_error->to_string() + "\n";
    }
    return text;
}

std::vector<EdgeCase> edge_cases() {
    Bytes base = query_bytes(www);
    Bytes edns = query_bytes(www_edns);
    std::size_t opt_at = edns.size() - 11;
    return {
        {"QDCOUNT 0", with(Bytes(base.begin(), base.begin() + 12), [](Bytes& w) { w[5] = 0; })},
        {"header only but QDCOUNT 1", Bytes(base.begin(), base.begin() + 12)},
        {"question cut in the name", Bytes(base.begin(), base.begin() + 17)},
        {"question without QCLASS", Bytes(base.begin(), base.end() - 2)},
        // NSD ignores bytes after the counted records; FORMERR is as right (RFC 1035 §4.1: the
        // message is not in the format the counts describe).
        {"trailing garbage after the question", with(base, [](Bytes& w) { w.insert(w.end(), {1, 2, 3}); }),
         {rcode::FORMERR}},
        {"ANCOUNT 1 in a query with no answer RR", with(base, [](Bytes& w) { w[7] = 1; })},
        {"TC=1 in the query", with(base, [](Bytes& w) { w[2] |= 0x02; }), {rcode::NOERROR}},
        {"AA=1 in the query", with(base, [](Bytes& w) { w[2] |= 0x04; })},
        {"Z bit set", with(base, [](Bytes& w) { w[3] |= 0x40; })},
        // RCODE has no meaning in a query (RFC 1035 §4.1.1 "set as part of responses"): NSD
        // calls it FORMERR, answering normally is as defensible.
        {"RCODE 3 in the query", with(base, [](Bytes& w) { w[3] |= 0x03; }), {rcode::NOERROR}},
        {"opcode 1 (IQUERY)", with(base, [](Bytes& w) { w[2] = static_cast<std::uint8_t>(1 << 3); })},
        {"opcode 3 (unassigned)", with(base, [](Bytes& w) { w[2] = static_cast<std::uint8_t>(3 << 3); })},
        {"opcode 15", with(base, [](Bytes& w) { w[2] = static_cast<std::uint8_t>(15 << 3); })},
        {"opcode 2 (STATUS) with no question", with(Bytes(base.begin(), base.begin() + 12), [](Bytes& w) {
             w[2] = static_cast<std::uint8_t>(2 << 3);
             w[5] = 0;
         })},
        {"opcode 5 (UPDATE) with no question", with(Bytes(base.begin(), base.begin() + 12), [](Bytes& w) {
             w[2] = static_cast<std::uint8_t>(5 << 3);
             w[5] = 0;
         })},
        {"label longer than 63", with(base, [](Bytes& w) { w[12] = 64; })},
        {"compression pointer in the question (to itself)", with(Bytes(base.begin(), base.begin() + 12), [](Bytes& w) {
             w.insert(w.end(), {0xc0, 12, 0, 1, 0, 1});
         })},
        {"class CH for a name in the zone", query_bytes({.name = "www.example.com.", .type = rrtype::A, .qclass = 3})},
        // QCLASS * (RFC 1035 §3.2.5): NSD answers from class IN with AA=0; an authoritative-only
        // server may also decline it (REFUSED, or NOTIMP as Knot does).
        {"class ANY (255)", query_bytes({.name = "www.example.com.", .type = rrtype::A, .qclass = 255}),
         {rcode::REFUSED, rcode::NOTIMP}},
        {"class 42", query_bytes({.name = "www.example.com.", .type = rrtype::A, .qclass = 42})},
        {"type 0", query_bytes({.name = "www.example.com.", .type = 0})},
        {"type MAILB (253)", query_bytes({.name = "www.example.com.", .type = 253})},
        // OPT is a pseudo-RR that exists only in the additional section (RFC 6891 §6.1.1): asking
        // for it is a malformed query to BIND (FORMERR); NSD answers NODATA.
        {"type OPT (41) as QTYPE", query_bytes({.name = "www.example.com.", .type = rrtype::OPT}), {rcode::FORMERR}},
        // No transfers served yet: azdns answers transfer queries as NSD does.
        {"IXFR over UDP", query_bytes({.name = "example.com.", .type = rrtype::IXFR})},
        {"IXFR over UDP with EDNS", query_bytes({.name = "example.com.", .type = rrtype::IXFR, .edns = true})},
        {"IXFR over UDP, not a zone's apex", query_bytes({.name = "www.example.com.", .type = rrtype::IXFR})},
        {"IXFR over UDP, outside the zones", query_bytes({.name = "www.example.org.", .type = rrtype::IXFR})},
        {"AXFR over UDP", query_bytes({.name = "example.com.", .type = rrtype::AXFR})},
        {"AXFR over UDP, outside the zones", query_bytes({.name = "www.example.org.", .type = rrtype::AXFR})},
        {"two OPT records", with(edns, [&](Bytes& w) {
             w.insert(w.end(), edns.begin() + static_cast<long>(opt_at), edns.end());
             w[11] = 2;
         })},
        {"OPT with an owner that is not the root", with(base, [](Bytes& w) {
             w.insert(w.end(), {1, 'x', 0, 0, 41, 0x04, 0xd0, 0, 0, 0, 0, 0, 0});
             w[11] = 1;
         })},
        {"OPT with an unknown option", with(edns, [](Bytes& w) {
             w[w.size() - 1] = 8;  // RDLENGTH 8: one option of 4 bytes
             w.insert(w.end(), {0xfd, 0xe9, 0, 4, 1, 2, 3, 4});
         })},
        {"OPT RDLENGTH past the end", with(edns, [](Bytes& w) { w[w.size() - 1] = 20; })},
        {"DO bit", query_bytes({.name = "www.example.com.", .type = rrtype::A, .edns = true, .do_bit = true})},
        // REFUSED with Extended DNS Error 20 (Not Authoritative), no EXTRA-TEXT.
        {"EDNS for a name outside the zones",
         query_bytes({.name = "www.example.org.", .type = rrtype::A, .edns = true})},
        {"EDNS version 1 for a name outside the zones",
         query_bytes({.name = "www.example.org.", .type = rrtype::A, .edns = true, .edns_version = 1})},
        // Same TXT; NSD clears AA for hostname.bind, BIND sets it for its CHAOS data: either is fine.
        {"CH TXT hostname.bind", query_bytes({.name = "hostname.bind.", .type = rrtype::TXT, .qclass = 3}),
         {rcode::NOERROR}},
        {"CH TXT version.server", query_bytes({.name = "version.server.", .type = rrtype::TXT, .qclass = 3})},
        {"CH A id.server", query_bytes({.name = "id.server.", .type = rrtype::A, .qclass = 3})},
    };
}

}  // namespace

TEST_CASE("malformed and unusual queries: azdns and NSD agree") {
    ServerOptions options;
    options.zones = zones;
    AzdnsServer azdns(options);
    REQUIRE_SERVER(azdns);
    REQUIRE_MESSAGE(std::filesystem::exists(peer_binary(Peer::nsd)), "NSD is not installed at ",
                    std::string(peer_binary(Peer::nsd)));
    PeerServer nsd(Peer::nsd, zones);
    REQUIRE_MESSAGE(nsd.ready(), "NSD did not start:\n", nsd.log());
    std::string report;
    int differences = 0;
    for (const auto& edge : edge_cases()) {
        auto ours = udp_exchange(azdns.v4(), edge.packet, milliseconds(500));
        auto theirs = udp_exchange(nsd.v4(), edge.packet, milliseconds(500));
        auto left = outcome(ours), right = outcome(theirs);
        if (left == right) continue;
        int our_rcode = ours ? parse_response(*ours).rcode : -1;
        if (edge.also_allowed.count(our_rcode)) continue;
        ++differences;
        report += "== " + edge.what + "\n-- azdns:\n" + left + "-- nsd:\n" + right + "\n";
    }
    INFO("differences (azdns vs NSD):\n", report);
    CHECK(differences == 0);
    CHECK(azdns.running());
}
