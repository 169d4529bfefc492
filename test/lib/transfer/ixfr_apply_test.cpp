// Applying IXFR steps (ixfr_apply.hpp) to the records a secondary holds:
// the steps in order, a step from another serial refused, a removal of a
// record the zone lacks refused (the secondary then asks for an AXFR).
#include "ixfr_apply.hpp"

#include "transfer_in_test_support.hpp"

using namespace azdns;
using namespace azdns::transfer_in_test;

namespace {

const std::vector<std::string> zone_at_10 = {soa(10), "example.com. 3600 IN NS ns1.example.com.",
                                             "ns1.example.com. 3600 IN A 192.0.2.1",
                                             "www.example.com. 3600 IN A 192.0.2.80"};

ZoneRecords held(const std::vector<std::string>& lines) {
    TransferReader reader(asked(AXFR));
    std::vector<std::string> stream = lines;
    stream.push_back(lines.front());
    TransferContent content = read_all(reader, {ldns_message(stream)});
    REQUIRE(content.error.empty());
    return std::move(content.zone);
}

// The steps of an IXFR response whose answer records are `lines`.
std::vector<IxfrStep> steps_of(const std::vector<std::string>& lines) {
    TransferReader reader(asked(IXFR));
    TransferContent content = read_all(reader, {ldns_message(lines, IXFR)});
    REQUIRE_MESSAGE(content.error.empty(), content.error);
    REQUIRE(content.kind == TransferContent::Kind::incremental);
    return std::move(content.steps);
}

Lines zone_lines(ZoneRecords records, std::uint32_t serial) {
    return sorted(view_lines(*built(std::move(records)), nullptr, serial));
}

}  // namespace

TEST_SUITE("ixfr apply") {
    TEST_CASE("steps apply in order: a record added by one and removed by the next is gone") {
        auto steps = steps_of({soa(12),
                               soa(10), "www.example.com. 3600 IN A 192.0.2.80",
                               soa(11), "www.example.com. 3600 IN A 192.0.2.81", "tmp.example.com. 3600 IN A 192.0.2.9",
                               soa(11), "tmp.example.com. 3600 IN A 192.0.2.9", "ns1.example.com. 3600 IN A 192.0.2.1",
                               soa(12), "ns1.example.com. 600 IN A 192.0.2.1",
                               soa(12)});
        REQUIRE(steps.size() == 2);
        IxfrApplied applied = apply_ixfr(held(zone_at_10), steps);
        REQUIRE_MESSAGE(applied.error.empty(), applied.error);
        CHECK(zone_lines(std::move(applied.zone), 12) ==
              zone_lines(held({soa(12), "example.com. 3600 IN NS ns1.example.com.",
                               "ns1.example.com. 600 IN A 192.0.2.1", "www.example.com. 3600 IN A 192.0.2.81"}),
                         12));
    }

    TEST_CASE("a step that removes a record the zone does not hold is refused") {
        auto steps = steps_of({soa(11), soa(10), "gone.example.com. 3600 IN A 192.0.2.99", soa(11), soa(11)});
        IxfrApplied applied = apply_ixfr(held(zone_at_10), steps);
        CHECK(applied.error == "IXFR step 1: removes a record the zone does not hold: gone.example.com. type 1");
        CHECK(applied.zone.empty());
    }

    TEST_CASE("a step from another serial than the zone's is refused, the first or a later one") {
        auto from_9 = steps_of({soa(11), soa(9), soa(11), soa(11)});
        CHECK(apply_ixfr(held(zone_at_10), from_9).error ==
              "IXFR step 1: starts at serial 9, the zone is at serial 10");

        auto gap = steps_of({soa(13), soa(10), soa(11), soa(12), soa(13), soa(13)});
        CHECK(apply_ixfr(held(zone_at_10), gap).error == "IXFR step 2: starts at serial 12, the zone is at serial 11");
    }
}
