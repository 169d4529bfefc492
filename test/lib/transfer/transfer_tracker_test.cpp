// TransferTracker (docs/transfers.md, "Serials" and "IXFR"): the serial of
// the filtered view and the journals, publish after publish, as the
// publisher drives it: health changes, reloads, rules that come and go, a
// restart from saved serials; and view_digest.
#include "transfer_tracker.hpp"

#include "transfer_state_test_support.hpp"
#include "transfer_test_support.hpp"
#include "zone_test_support.hpp"

using namespace azdns;
using namespace azdns::transfer_test;

namespace {

const char* const serial_1 = R"(
@      SOA   ns1 hostmaster 1 7200 3600 1209600 300
@      NS    ns1
ns1    A     192.0.2.1
www    A     10.1.0.10
www    A     10.2.0.10
www    TXT   "one"
plain  A     192.0.2.99
)";

// serial_1 with its records in another order.
const char* const serial_1_reordered = R"(
plain  A     192.0.2.99
www    TXT   "one"
www    A     10.2.0.10
ns1    A     192.0.2.1
@      NS    ns1
www    A     10.1.0.10
@      SOA   ns1 hostmaster 1 7200 3600 1209600 300
)";

// An edit of serial_1 with the serial bumped to 5.
const char* const serial_5 = R"(
@      SOA   ns1 hostmaster 5 7200 3600 1209600 300
@      NS    ns1
ns1    A     192.0.2.1
www    A     10.1.0.10
www    A     10.2.0.10
www    TXT   "five"
plain  A     192.0.2.99
)";

// 192.0.2.53 takes the filtered view, 198.51.100.1 the raw one.
Config both_views() {
    return transfer_config({transfer_rule("192.0.2.53/32", TransferView::filtered),
                            transfer_rule("198.51.100.1/32", TransferView::raw)});
}

const ZoneTransfers& only_zone(const TransferState& state) {
    REQUIRE(state.zones().size() == 1);
    return state.zones().front();
}

}  // namespace

TEST_SUITE("transfer tracker") {
    TEST_CASE("the first publish serves the file's serial, with empty journals") {
        BuiltZone built(serial_1);
        TransferTracker tracker;
        auto state = tracker.advance(both_views(), built.set, all_up(built.set));
        const ZoneTransfers& zone = only_zone(*state);
        CHECK(zone.origin == wire_name("example.com."));
        CHECK(zone.serves_filtered);
        CHECK(zone.filtered_serial == 1);
        CHECK(zone.raw_serial == 1);
        CHECK(zone.filtered_journal->size() == 0);
        CHECK(zone.raw_journal->size() == 0);
        CHECK(state->zone(zone.slot) == &zone);
    }

    TEST_CASE("a health change that changes the filtered view: serial + 1, one filtered step of that change") {
        BuiltZone built(serial_1);
        TransferTracker tracker;
        auto up = all_up(built.set);
        (void)tracker.advance(both_views(), built.set, up);
        auto down = www_a_down(built.set);
        auto state = tracker.advance(both_views(), built.set, down);
        const ZoneTransfers& zone = only_zone(*state);
        CHECK(zone.filtered_serial == 2);
        CHECK(zone.raw_serial == 1);
        CHECK(zone.raw_journal->size() == 0);
        REQUIRE(zone.filtered_journal->size() == 1);
        auto chain = zone.filtered_journal->chain_from(1);
        REQUIRE(chain);
        REQUIRE(chain->size() == 1);
        const JournalEntry& step = *chain->front();
        CHECK(step.from_serial() == 1);
        CHECK(step.to_serial() == 2);
        CHECK(list_lines(step.delta.removed) == Lines{"www.example.com. 60 IN A 10.1.0.10",
                                                      "www.example.com. 60 IN A 10.2.0.10"});
        CHECK(list_lines(step.delta.added) == Lines{"www.example.com. 20 IN A 10.2.0.10"});
        CHECK(zone.served_soa_wire != std::vector<std::uint8_t>{});
    }

    TEST_CASE("a health change the filtered view does not show keeps the serial") {
        BuiltZone built(serial_1);
        TransferTracker tracker;
        (void)tracker.advance(both_views(), built.set, all_up(built.set));
        // An endpoint at an address no record of the zone holds: the view changes, its records do not.
        auto other = built.view(Health()
                                    .endpoint("10.1.0.10", EndpointStatus::up, "a")
                                    .endpoint("10.2.0.10", EndpointStatus::up, "b")
                                    .endpoint("10.1.0.99", EndpointStatus::down, "a"));
        auto state = tracker.advance(both_views(), built.set, other);
        CHECK(only_zone(*state).filtered_serial == 1);
        CHECK(only_zone(*state).filtered_journal->size() == 0);
    }

    TEST_CASE("a reload with a serial bump: a raw step and a filtered step, to the file's newer serial") {
        BuiltZone before(serial_1);
        BuiltZone after(serial_5);
        TransferTracker tracker;
        (void)tracker.advance(both_views(), before.set, all_up(before.set));
        auto state = tracker.advance(both_views(), after.set, all_up(after.set));
        const ZoneTransfers& zone = only_zone(*state);
        CHECK(zone.raw_serial == 5);
        CHECK(zone.filtered_serial == 5);
        for (TransferView view : {TransferView::raw, TransferView::filtered}) {
            CAPTURE(static_cast<int>(view));
            auto chain = zone.journal(view).chain_from(1);
            REQUIRE(chain);
            REQUIRE(chain->size() == 1);
            CHECK(chain->front()->to_serial() == 5);
            CHECK(list_lines(chain->front()->delta.removed) == Lines{"www.example.com. 3600 IN TXT \"one\""});
            CHECK(list_lines(chain->front()->delta.added) == Lines{"www.example.com. 3600 IN TXT \"five\""});
        }
    }

    TEST_CASE("a reload of the same content keeps the serial and adds no step") {
        BuiltZone first(serial_1);
        BuiltZone again(serial_1);
        TransferTracker tracker;
        (void)tracker.advance(both_views(), first.set, all_up(first.set));
        auto state = tracker.advance(both_views(), again.set, all_up(again.set));
        const ZoneTransfers& zone = only_zone(*state);
        CHECK(zone.filtered_serial == 1);
        CHECK(zone.filtered_journal->size() == 0);
        CHECK(zone.raw_journal->size() == 0);
    }

    TEST_CASE("a zone whose rules go away is dropped, and comes back with its journals new") {
        BuiltZone built(serial_1);
        TransferTracker tracker;
        (void)tracker.advance(both_views(), built.set, all_up(built.set));
        (void)tracker.advance(both_views(), built.set, www_a_down(built.set));
        auto state = tracker.advance(transfer_config({}), built.set, www_a_down(built.set));
        CHECK(state->zones().empty());
        CHECK(state->zone(0) == nullptr);
        auto back = tracker.advance(both_views(), built.set, www_a_down(built.set));
        CHECK(only_zone(*back).filtered_serial == 2);  // the serial book remembers
        CHECK(only_zone(*back).filtered_journal->size() == 0);
    }

    TEST_CASE("a filtered rule added to a zone transferred raw: the filtered view starts at the file's serial") {
        BuiltZone built(serial_1);
        TransferTracker tracker;
        auto up = all_up(built.set);
        (void)tracker.advance(transfer_config({transfer_rule("198.51.100.1/32", TransferView::raw)}), built.set, up);
        SUBCASE("a reload of the config alone: the same zone and view") {
            auto state = tracker.advance(both_views(), built.set, up);
            CHECK(only_zone(*state).filtered_serial == 1);
            CHECK(only_zone(*state).served_soa().ttl() == 3600);
            auto next = tracker.advance(both_views(), built.set, www_a_down(built.set));
            CHECK(only_zone(*next).filtered_serial == 2);
        }
        SUBCASE("with a health change") {
            auto state = tracker.advance(both_views(), built.set, www_a_down(built.set));
            CHECK(only_zone(*state).filtered_serial == 1);
            auto next = tracker.advance(both_views(), built.set, up);
            CHECK(only_zone(*next).filtered_serial == 2);
            // A restart serving the same content serves the same serial: the digest is the content's.
            TransferTracker restarted(tracker.serials().entries());
            CHECK(only_zone(*restarted.advance(both_views(), built.set, up)).filtered_serial == 2);
        }
    }

    TEST_CASE("a tracker made from saved serials serves the same serial for the same content") {
        BuiltZone built(serial_1);
        TransferTracker first;
        (void)first.advance(both_views(), built.set, all_up(built.set));
        (void)first.advance(both_views(), built.set, www_a_down(built.set));
        const SerialBook::Entries saved = first.serials().entries();

        SUBCASE("the same content: the same serial") {
            TransferTracker restarted(saved);
            CHECK(only_zone(*restarted.advance(both_views(), built.set, www_a_down(built.set))).filtered_serial == 2);
        }
        SUBCASE("other content: the next serial") {
            TransferTracker restarted(saved);
            CHECK(only_zone(*restarted.advance(both_views(), built.set, all_up(built.set))).filtered_serial == 3);
        }
    }

    TEST_CASE("view_digest does not depend on record order, and does depend on content") {
        BuiltZone one(serial_1);
        BuiltZone reordered(serial_1_reordered);
        BuiltZone edited(serial_5);
        CHECK(view_digest(*one.zone, nullptr) == view_digest(*reordered.zone, nullptr));
        CHECK(view_digest(*one.zone, all_up(one.set).get()) == view_digest(*reordered.zone, all_up(reordered.set).get()));
        CHECK(view_digest(*one.zone, all_up(one.set).get()) != view_digest(*one.zone, www_a_down(one.set).get()));
        CHECK(view_digest(*one.zone, nullptr) != view_digest(*edited.zone, nullptr));
    }
}
