// Differential test: the same zones in azdns and in NSD, a few hundred
// generated queries to both, the normalised answers compared. A difference
// is printed as a diff ("- azdns", "+ nsd") with the query that caused it.
#include <doctest/doctest.h>

#include <map>
#include <sstream>

#include "differential_queries.hpp"
#include "e2e_fixture.hpp"
#include "peer_server.hpp"

using namespace azdns::e2e;

namespace {

const std::vector<std::pair<std::string, std::string>> zones = {{"example.com.", "example.com.zone"},
                                                                {"example.net.", "example.net.zone"}};
constexpr unsigned query_count = 800;
constexpr unsigned seed = 20260101;  // fixed: a failure reproduces

std::optional<Response> ask(const Endpoint& server, const GeneratedQuery& generated) {
    Query query = generated.query;
    auto wire = encode(query);
    auto reply = generated.via == Via::tcp ? tcp_exchange(server, wire) : udp_exchange(server, wire);
    if (!reply) return std::nullopt;
    return parse_response(*reply);
}

}  // namespace

TEST_CASE("azdns answers like NSD for a few hundred generated queries") {
    REQUIRE_MESSAGE(std::filesystem::exists(peer_binary(Peer::nsd)), "NSD is not installed at ",
                    std::string(peer_binary(Peer::nsd)));
    ServerOptions options;
    options.zones = zones;
    AzdnsServer azdns(options);
    REQUIRE_SERVER(azdns);
    PeerServer nsd(Peer::nsd, zones);
    REQUIRE_MESSAGE(nsd.ready(), "NSD did not start:\n", nsd.log());

    auto queries = generate_queries(
        {{e2e_data_dir() / "example.com.zone", "example.com."}, {e2e_data_dir() / "example.net.zone", "example.net."}},
        query_count, seed);
    REQUIRE(queries.size() >= query_count);
    // The ids must match for the responses to be comparable byte-free: fix them now.
    for (auto& generated : queries) encode(generated.query);

    unsigned differences = 0, unanswered = 0;
    std::map<std::string, unsigned> by_kind;  // rcode/aa pairs that differed, for the summary
    std::string report;
    for (const auto& generated : queries) {
        auto ours = ask(azdns.v4(), generated);
        auto theirs = ask(nsd.v4(), generated);
        if (!ours || !theirs) {
            ++unanswered;
            report += "no answer from " + std::string(!ours ? "azdns" : "nsd") + " to " + generated.describe() + "\n";
            continue;
        }
        auto left = normalise(*ours), right = normalise(*theirs);
        auto text = diff(left, right);
        if (text.empty()) continue;
        ++differences;
        ++by_kind[left.front() + "  vs nsd  " + right.front().substr(8)];
        if (differences <= 40) report += "query " + generated.describe() + "\n" + text + "\n";
    }
    std::string summary;
    for (const auto& [kind, times] : by_kind) summary += "  " + std::to_string(times) + "x " + kind + "\n";
    INFO("seed ", seed, ", ", queries.size(), " queries; first differences (- azdns, + nsd):\n", report,
         "\nheaders of differing answers (azdns vs nsd):\n", summary);
    CHECK(unanswered == 0);
    CHECK(differences == 0);
    CHECK(azdns.running());
}
