// libFuzzer target for loading one zone as `azdns check` does: the input is
// the text of the zone file of example.com. It is read ($ORIGIN, $TTL,
// $INCLUDE, every RR type ldns knows, RFC 3597 RDATA), then built and
// checked (lib/zone). The file sits in a sandbox beside the include files
// of test/data/zones/reader/include, and nothing outside it can be opened
// (fuzz_support.hpp). Aborts when:
//   - a problem has no FILE:LINE:COL that exists in a file read (or is not
//     exactly the config's place, for the zone as a whole);
//   - the zone loads although an error was reported, or fails without one;
//   - a zone that loaded breaks what the checks promise: one SOA and some
//     NS at the apex, every name at or below the origin and found again by
//     its name, a CNAME alone at its name, RRsets sorted by type whose RRs
//     fill their bytes exactly, TTLs of 31 bits;
//   - an answer from such a zone, for any of its names and types, is not a
//     well-formed response (response_check.hpp).
// Sanitizers (ASan, UBSan) catch the rest.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "answer_engine.hpp"
#include "diagnostics.hpp"
#include "dns_name.hpp"
#include "fuzz_support.hpp"
#include "response_check.hpp"
#include "rr_type.hpp"
#include "zone_load.hpp"
#include "zone_set.hpp"

namespace {

using azdns::fuzz::fail;

constexpr std::string_view input_name = "example.com.zone";
constexpr std::uint32_t max_ttl = 0x7fffffff;
// Names asked per zone: enough for every seed, bounded for the fuzzer's speed.
constexpr std::size_t max_nodes_asked = 64;

struct Fixture {
    azdns::fuzz::Sandbox sandbox{"zone"};
    std::string origin = *azdns::name_from_text("example.com.");
    std::string input_path = sandbox.path(input_name);
    // Where a config names the file: problems about the zone as a whole go there.
    azdns::SourceLocation declared_at{"azdns.toml", 21, 8};
    azdns::fuzz::KnownFiles files;
    azdns::AnswerEngine engine{azdns::AnswerOptions{}};
    std::unique_ptr<std::uint8_t[]> response{new std::uint8_t[azdns::max_message_size]};

    Fixture() {
        for (std::string_view name : {"include/hosts.zone", "include/nested.zone"}) {
            const std::string text = sandbox.copy_in("test/data/zones/reader/" + std::string(name), name);
            files[sandbox.path(name)] = azdns::fuzz::line_lengths(text);
        }
        // The sandbox holds: a file outside it cannot be included.
        azdns::Diagnostics outside;
        load("$INCLUDE " AZDNS_SOURCE_DIR "/zones/example.com.zone\n", outside);
        azdns::fuzz::expect_error(outside, "Permission denied", "$INCLUDE of a file outside the sandbox");
    }

    std::shared_ptr<const azdns::Zone> load(std::string_view text, azdns::Diagnostics& diags) {
        sandbox.write(input_name, text);
        files[input_path] = azdns::fuzz::line_lengths(text);
        azdns::fuzz::Confinement confined(sandbox);
        return azdns::load_zone(origin, input_path, declared_at, diags);
    }
};

Fixture& fixture() {
    static Fixture instance;
    return instance;
}

void check_rrset(const azdns::RRsetView& rrset, const std::string& owner) {
    const std::string where = azdns::name_to_text(owner) + " type " + std::to_string(rrset.type());
    if (rrset.empty()) fail("an empty RRset stored at " + where);
    if (rrset.ttl() > max_ttl) fail("a TTL above 2^31-1 at " + where);
    std::size_t count = 0;
    std::size_t bytes = 0;
    for (auto rr = rrset.begin(); bytes < rrset.wire().size() && count <= rrset.size(); ++rr) {
        bytes += (*rr).wire().size();
        ++count;
    }
    if (count != rrset.size() || bytes != rrset.wire().size())
        fail("the RRs of " + where + " do not fill its bytes: " + std::to_string(count) + " RRs in " +
             std::to_string(bytes) + " bytes, stored as " + std::to_string(rrset.size()) + " in " +
             std::to_string(rrset.wire().size()));
}

void check_zone(const azdns::Zone& zone, const std::string& origin) {
    if (zone.origin() != origin) fail("the zone's origin is not the one asked for");
    if (zone.soa().size() != 1) fail("a zone that loaded without exactly one SOA at its apex");
    if (zone.apex().rrset(azdns::rr_type::ns).empty()) fail("a zone that loaded without NS at its apex");
    for (std::uint32_t i = 0; i < zone.node_count(); ++i) {
        const azdns::NodeView node = zone.node(i);
        const std::string name = node.name();
        if (!azdns::name_is_at_or_below(name, origin))
            fail("a name outside the zone: " + azdns::name_to_text(name));
        if (zone.find(name) != node) fail("a name not found again by its name: " + azdns::name_to_text(name));
        std::uint16_t previous_type = 0;
        for (std::size_t r = 0; r < node.rrset_count(); ++r) {
            const azdns::RRsetView rrset = node.rrset_at(r);
            if (r > 0 && rrset.type() <= previous_type) fail("RRsets not sorted by type at " + azdns::name_to_text(name));
            previous_type = rrset.type();
            check_rrset(rrset, name);
            const bool dnssec = rrset.type() == azdns::rr_type::rrsig || rrset.type() == azdns::rr_type::nsec;
            if (!node.rrset(azdns::rr_type::cname).empty() && rrset.type() != azdns::rr_type::cname && !dnssec)
                fail("a CNAME beside other data at " + azdns::name_to_text(name));
        }
    }
}

// One query for (name, type), with EDNS and a 4096-byte payload.
std::vector<std::uint8_t> query_for(const std::string& name, std::uint16_t type) {
    std::vector<std::uint8_t> query{0xab, 0xcd, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1};
    query.insert(query.end(), name.begin(), name.end());
    query.insert(query.end(), {static_cast<std::uint8_t>(type >> 8), static_cast<std::uint8_t>(type), 0, 1});
    query.insert(query.end(), {0, 0, 41, 0x10, 0, 0, 0, 0x80, 0, 0, 0});  // OPT, DO set
    return query;
}

// Every name's every type, and A, over UDP and TCP: the answers of a zone
// that loaded are well formed whatever its RDATA.
void check_answers(const std::shared_ptr<const azdns::Zone>& zone, Fixture& f) {
    azdns::ZoneSet zones;
    zones.add(zone);
    const std::span<std::uint8_t> response(f.response.get(), azdns::max_message_size);
    const std::uint32_t nodes = static_cast<std::uint32_t>(std::min<std::size_t>(zone->node_count(), max_nodes_asked));
    for (std::uint32_t i = 0; i < nodes; ++i) {
        const azdns::NodeView node = zone->node(i);
        const std::string name = node.name();
        std::vector<std::uint16_t> types{azdns::rr_type::a};
        for (std::size_t r = 0; r < node.rrset_count(); ++r) types.push_back(node.rrset_at(r).type());
        for (std::uint16_t type : types) {
            const auto query = query_for(name, type);
            for (auto transport : {azdns::Transport::udp, azdns::Transport::tcp}) {
                const azdns::Client client{.transport = transport};
                const std::size_t length = f.engine.answer(query, zones, client, response);
                azdns::fuzz::check_response(query, response, length, f.engine.max_response_size(azdns::Transport::udp),
                                            transport);
            }
        }
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    Fixture& f = fixture();
    azdns::Diagnostics diags;
    const auto zone = f.load(std::string_view(reinterpret_cast<const char*>(data), size), diags);
    for (const azdns::Diagnostic& problem : diags.all()) azdns::fuzz::check_location(problem, f.files, &f.declared_at);
    if (zone && diags.has_errors()) fail("the zone loaded although an error was reported");
    if (!zone && !diags.has_errors()) fail("the zone failed to load without an error");
    if (!zone) return 0;
    check_zone(*zone, f.origin);
    check_answers(zone, f);
    return 0;
}
