// Differential test: the same zones in azdns, NSD and Knot, a few thousand
// generated queries to all three, the normalised answers compared
// (differential_compare.cpp). azdns fails where NSD and Knot agree with each
// other and azdns answers otherwise; where NSD and Knot disagree, the test
// prints the case as information and does not judge azdns. Each difference
// is printed as a diff ("- azdns", "+ nsd and knot") under its query, and
// all are counted by zone and by what differs.
#include <doctest/doctest.h>

#include <algorithm>

#include "differential_compare.hpp"
#include "differential_queries.hpp"
#include "e2e_fixture.hpp"
#include "peer_server.hpp"
#include "process.hpp"

using namespace azdns::e2e;

namespace {

// origin -> file in test/data/e2e. Each new zone covers one area, so that a
// zone a server cannot load costs only that area.
const std::vector<std::pair<std::string, std::string>> zones = {
    {"example.com.", "example.com.zone"},     {"example.net.", "example.net.zone"},
    {"types.test.", "types.test.zone"},       {"dname.test.", "dname.test.zone"},
    {"cuts.test.", "cuts.test.zone"},         {"child.cuts.test.", "child.cuts.test.zone"},
    {"caa.test.", "caa.test.zone"},
};

// Below a DNAME no name can be listed (NSD and Knot refuse data there,
// RFC 6672 section 2.3), so its questions are written out here.
std::vector<std::pair<std::string, std::uint16_t>> dname_questions() {
    const std::string label40(40, 'x'), label60(60, 'y');
    return {
        {"www.d.dname.test.", rrtype::A},
        {"www.d.dname.test.", rrtype::TXT},
        {"www.d.dname.test.", rrtype::AAAA},
        {"alias.d.dname.test.", rrtype::A},
        {"mail.d.dname.test.", rrtype::MX},
        {"deep.sub.d.dname.test.", rrtype::AAAA},
        {"sub.d.dname.test.", rrtype::A},
        {"www.dd.dname.test.", rrtype::A},
        {"alias.dd.dname.test.", rrtype::A},
        {"host.away.dname.test.", rrtype::A},
        {"www.empty.dname.test.", rrtype::A},
        // 41 + 204 octets after substitution: fits; 61 + 204: over 255 (YXDOMAIN, RFC 6672 section 2.2).
        {label40 + ".long.dname.test.", rrtype::A},
        {label60 + ".long.dname.test.", rrtype::A},
    };
}

constexpr unsigned query_count = 5000;
constexpr unsigned seed = 20260101;  // fixed: a failure reproduces

std::optional<Response> ask(const Endpoint& server, const GeneratedQuery& generated) {
    Query query = generated.query;
    auto wire = encode(query);
    auto reply = generated.via == Via::tcp ? tcp_exchange(server, wire) : udp_exchange(server, wire);
    if (!reply) return std::nullopt;
    return parse_response(*reply);
}

// TC is for a response that does not fit (RFC 2181 section 9). azdns
// compresses every name in NS, CNAME, PTR, MX and SOA RDATA against the
// whole message, a synthesised CNAME's target against the DNAME's included,
// so a long DNAME answer that both peers cut at the client's size can fit
// whole: not a difference, as long as it really is within that size.
bool fits_where_peers_truncate(const Query& query, const Response& ours, const Response& nsd, const Response& knot) {
    if (ours.tc || !nsd.tc || !knot.tc) return false;
    const std::size_t limit = query.edns ? std::max<std::size_t>(query.udp_size, 512) : 512;
    return ours.wire.size() <= limit;
}

// The served zone a name falls in (the longest origin it ends with), for the summary.
std::string zone_of(const std::string& name) {
    std::string found = "(outside)";
    const std::string lowered = lower(name);
    for (const auto& [origin, file] : zones) {
        bool inside = lowered == origin || (lowered.size() > origin.size() &&
                                            lowered.ends_with("." + origin));
        if (inside && (found == "(outside)" || origin.size() > found.size())) found = origin;
    }
    return found;
}

// `azdns check` on a config with this zone alone: empty when it loads, else what it printed.
std::string azdns_refuses(const std::string& origin, const std::string& file) {
    TempDir dir("azdns-e2e-check");
    write_text(dir.path / "azdns.toml",
               "[[zone]]\norigin = \"" + origin + "\"\nfile = \"" + (e2e_data_dir() / file).string() + "\"\n");
    auto checked = azdns::test::run_process({AZDNS_BINARY, "check", "-c", (dir.path / "azdns.toml").string()});
    return checked.exit_code == 0 ? "" : checked.out + checked.err;
}

}  // namespace

TEST_CASE("azdns answers like NSD and Knot wherever the two agree") {
    for (Peer peer : {Peer::nsd, Peer::knot})
        REQUIRE_MESSAGE(std::filesystem::exists(peer_binary(peer)), std::string(peer_name(peer)),
                        " is not installed at ", std::string(peer_binary(peer)));
    Findings differences(40), disagreements(5), unanswered(10);

    // A zone azdns refuses is a difference in itself; the others are still compared.
    ServerOptions options;
    options.zones.clear();
    for (const auto& [origin, file] : zones) {
        auto refusal = azdns_refuses(origin, file);
        if (refusal.empty()) options.zones.emplace_back(origin, file);
        else differences.add(origin + " not loaded by azdns", "azdns does not load " + origin + ":\n" + refusal);
    }
    AzdnsServer azdns(options);
    REQUIRE_SERVER(azdns);
    PeerServer nsd(Peer::nsd, zones), knot(Peer::knot, zones);
    for (auto* peer : {&nsd, &knot})
        REQUIRE_MESSAGE(peer->ready(), std::string(peer_name(peer->peer())), " did not serve every zone:\n",
                        peer->log());

    std::vector<ZoneFile> zone_files;
    for (const auto& [origin, file] : zones) zone_files.push_back({e2e_data_dir() / file, origin});
    auto queries = generate_queries(zone_files, dname_questions(), query_count, seed);
    REQUIRE(queries.size() >= query_count);
    // The same id to all three servers.
    for (auto& generated : queries) encode(generated.query);

    for (const auto& generated : queries) {
        const std::string query = "query " + generated.describe() + "\n";
        auto ours = ask(azdns.v4(), generated);
        auto from_nsd = ask(nsd.v4(), generated), from_knot = ask(knot.v4(), generated);
        if (!ours || !from_nsd || !from_knot) {
            std::string silent = std::string(ours ? "" : " azdns") + (from_nsd ? "" : " nsd") + (from_knot ? "" : " knot");
            unanswered.add("no answer from" + silent, query);
            continue;
        }
        auto left = normalise(*ours), by_nsd = normalise(*from_nsd), by_knot = normalise(*from_knot);
        const std::string zone = zone_of(generated.query.name) + ": ";
        if (auto between_peers = diff(by_nsd, by_knot); !between_peers.empty()) {
            const char* azdns_is = diff(left, by_nsd).empty()    ? "like nsd"
                                   : diff(left, by_knot).empty() ? "like knot"
                                                                 : "like neither";
            disagreements.add(zone + what_differs(by_nsd, by_knot),
                              query + between_peers + "  (azdns answers " + azdns_is + ")\n");
            continue;
        }
        if (fits_where_peers_truncate(generated.query, *ours, *from_nsd, *from_knot)) continue;
        if (auto text = diff(left, by_nsd); !text.empty()) differences.add(zone + what_differs(left, by_nsd), query + text);
    }
    MESSAGE("seed ", seed, ", ", queries.size(), " queries. Where NSD and Knot disagree (information; - nsd, + knot):\n",
            disagreements.report());
    INFO("differences (- azdns, + nsd and knot):\n", differences.report(), "\nunanswered:\n", unanswered.report());
    CHECK(unanswered.count() == 0);
    CHECK(differences.count() == 0);
    CHECK(azdns.running());
}
