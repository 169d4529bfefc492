// libFuzzer target for the answer engine: every input is one query message,
// answered over UDP and TCP by engines with a few EDNS payload sizes, against
// test/fuzz/fuzz.zone (wildcards, CNAME chains, a delegation, a big RRset).
// Aborts when a response breaks an invariant every response must keep
// (response_check.hpp: it fits, has the query's ID and QR=1, ldns parses it).
// Sanitizers (ASan, UBSan) catch the rest.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <span>
#include <vector>

#include "answer_engine.hpp"
#include "diagnostics.hpp"
#include "dns_name.hpp"
#include "fuzz_support.hpp"
#include "response_check.hpp"
#include "zone_load.hpp"
#include "zone_set.hpp"

#ifndef AZDNS_FUZZ_ZONE
#error "AZDNS_FUZZ_ZONE must name the zone file"
#endif

namespace {

struct Fixture {
    azdns::ZoneSet zones;
    std::vector<azdns::AnswerEngine> engines;
    std::vector<std::uint16_t> udp_limits;  // largest UDP response of each engine
    // Exactly max_message_size bytes on the heap, so ASan sees any write past it.
    std::unique_ptr<std::uint8_t[]> response{new std::uint8_t[azdns::max_message_size]};

    Fixture() {
        auto origin = azdns::name_from_text("fuzz.example.");
        if (!origin) azdns::fuzz::fail("cannot parse the fuzz origin");
        azdns::Diagnostics diags;
        auto zone = azdns::load_zone(*origin, AZDNS_FUZZ_ZONE, azdns::SourceLocation{AZDNS_FUZZ_ZONE, 0, 0}, diags);
        for (const auto& problem : diags.all())
            if (problem.severity == azdns::Severity::error) std::fprintf(stderr, "%s\n", problem.to_string().c_str());
        if (!zone) azdns::fuzz::fail("cannot load " AZDNS_FUZZ_ZONE);
        zones.add(zone);
        add({"ns1.fuzz", "azdns-fuzz", 1232});
        add({"", "", 512});
        add({"a-rather-long-identity-string-for-nsid", "", 4096});
        add({"", "v", 65535});
    }

    void add(azdns::AnswerOptions options) {
        udp_limits.push_back(options.edns_udp_size < 512 ? 512 : options.edns_udp_size);
        engines.emplace_back(std::move(options));
    }
};

const Fixture& fixture() {
    static const Fixture instance;
    return instance;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const Fixture& f = fixture();
    const std::span<const std::uint8_t> query(data, size);
    const std::span<std::uint8_t> response(f.response.get(), azdns::max_message_size);
    // What a UDP listener does first with every query of a batch.
    azdns::AnswerEngine::prefetch_more(f.engines[0].prefetch(query, f.zones));
    for (std::size_t i = 0; i < f.engines.size(); ++i) {
        for (auto transport : {azdns::Transport::udp, azdns::Transport::tcp}) {
            const azdns::Client client{.transport = transport};
            const std::size_t length = f.engines[i].answer(query, f.zones, client, response);
            azdns::fuzz::check_response(query, response, length, f.udp_limits[i], transport);
        }
    }
    return 0;
}
