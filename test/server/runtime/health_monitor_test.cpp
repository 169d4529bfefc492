// The health monitor without threads: probe results, probe-loop turns, ticks
// and fences handed in directly, time from a fake clock (no sleeps).
#include <doctest/doctest.h>

#include "runtime_test_support.hpp"

using namespace azdns;
using namespace azdns::runtime_test;
using namespace std::chrono_literals;

TEST_SUITE("health_monitor") {
    TEST_CASE("restore publishes the zones with a view of their endpoints") {
        World world;
        CHECK(world.publisher->rebuilds() == 1);
        CHECK(world.publisher->serving().health != nullptr);
        CHECK(world.health->snapshot().endpoints.size() == 4);
        CHECK(world.www_addresses_served() == 4);
    }

    TEST_CASE("a burst of transitions in one probe turn costs exactly one rebuild") {
        constexpr int endpoints_in_a = 300;
        World world(endpoints_in_a);
        const std::vector<EndpointId> a = world.endpoints_of_a();
        REQUIRE(a.size() == endpoints_in_a);
        const std::uint64_t before = world.publisher->rebuilds();
        const std::uint64_t generation = world.snapshot->generation();

        for (const EndpointId& id : a) world.health->record_probe(id, probe_result(false));
        // Judged at once, published at the end of the turn.
        CHECK(world.health->snapshot().az("a")->fenced == FenceReason::health);
        CHECK(world.publisher->rebuilds() == before);
        CHECK(world.snapshot->generation() == generation);

        world.health->end_of_probe_turn();
        CHECK(world.publisher->rebuilds() == before + 1);
        CHECK(world.snapshot->generation() == generation + 1);
        CHECK(world.www_addresses_served() == 1);  // AZ b's address only

        world.health->end_of_probe_turn();  // a turn with nothing new
        CHECK(world.publisher->rebuilds() == before + 1);
    }

    TEST_CASE("results that change nothing cost no rebuild") {
        World world;
        const std::vector<EndpointId> a = world.endpoints_of_a();
        for (const EndpointId& id : a) world.health->record_probe(id, probe_result(true));
        world.health->end_of_probe_turn();
        const std::uint64_t before = world.publisher->rebuilds();
        for (const EndpointId& id : a) world.health->record_probe(id, probe_result(true));
        world.health->end_of_probe_turn();
        CHECK(world.publisher->rebuilds() == before);
    }

    TEST_CASE("a fence with --for ends when the clock passes it, on the next tick") {
        World world;
        const std::uint64_t before = world.publisher->rebuilds();
        FenceOutcome outcome = world.health->fence("a", "maintenance", std::chrono::duration_cast<Duration>(60s), false);
        REQUIRE(outcome.status == FenceOutcome::Status::applied);
        CHECK(world.publisher->rebuilds() == before + 1);  // published at once, not at a tick
        CHECK(world.health->snapshot().az("a")->fenced == FenceReason::manual);
        CHECK(world.www_addresses_served() == 1);

        world.clock.now += 59s;
        world.health->tick();
        CHECK(world.health->snapshot().az("a")->fenced == FenceReason::manual);
        CHECK(world.publisher->rebuilds() == before + 1);

        world.clock.now += 2s;
        world.health->tick();
        CHECK(world.health->snapshot().az("a")->fenced == FenceReason::none);
        CHECK(world.publisher->rebuilds() == before + 2);
        CHECK(world.www_addresses_served() == 4);
    }

    TEST_CASE("an AZ fenced by health comes back restore_after after it recovered") {
        World world;
        const std::vector<EndpointId> a = world.endpoints_of_a();
        for (const EndpointId& id : a) world.health->record_probe(id, probe_result(false));
        world.health->end_of_probe_turn();
        REQUIRE(world.health->snapshot().az("a")->fenced == FenceReason::health);

        for (const EndpointId& id : a) world.health->record_probe(id, probe_result(true));
        world.health->end_of_probe_turn();
        world.health->tick();
        CHECK(world.health->snapshot().az("a")->fenced == FenceReason::health);
        CHECK(world.www_addresses_served() == 1);

        world.clock.now += 29s;
        world.health->tick();
        CHECK(world.health->snapshot().az("a")->fenced == FenceReason::health);

        const std::uint64_t before = world.publisher->rebuilds();
        world.clock.now += 2s;
        world.health->tick();
        CHECK(world.health->snapshot().az("a")->fenced == FenceReason::none);
        CHECK(world.publisher->rebuilds() == before + 1);
        CHECK(world.www_addresses_served() == 4);
    }

    TEST_CASE("while an AZ ramps, the answers are rebuilt every ramp/20 and once at its end, then rest") {
        World world;
        auto config = std::make_shared<Config>(*world.publisher->config());
        config->azs[0].ramp = std::chrono::duration_cast<Duration>(10s);  // AZ a, by a reload
        world.health->set_zones(world.zones.set, config);
        REQUIRE(world.health->fence("a", "maintenance", std::nullopt, false).status == FenceOutcome::Status::applied);
        const std::uint64_t before = world.publisher->rebuilds();
        REQUIRE(world.health->unfence("a").status == FenceOutcome::Status::applied);
        CHECK(world.publisher->rebuilds() == before + 1);
        CHECK(world.health->snapshot().az("a")->answer_permille == 100);

        // The ticker's 50 ms for 10 s: a rebuild each 500 ms, the last when the ramp ends.
        for (int tick = 1; tick <= 9; ++tick) {
            world.clock.now += 50ms;
            world.health->tick();
        }
        CHECK(world.publisher->rebuilds() == before + 1);
        world.clock.now += 50ms;
        world.health->tick();
        CHECK(world.publisher->rebuilds() == before + 2);
        CHECK(world.health->snapshot().az("a")->answer_permille == 145);
        for (int tick = 11; tick <= 200; ++tick) {
            world.clock.now += 50ms;
            world.health->tick();
        }
        CHECK(world.publisher->rebuilds() == before + 21);
        CHECK_FALSE(world.health->snapshot().az("a")->ramp_since.has_value());
        CHECK(world.health->snapshot().az("a")->answer_permille == 1000);
        for (int tick = 0; tick < 40; ++tick) {
            world.clock.now += 50ms;
            world.health->tick();
        }
        CHECK(world.publisher->rebuilds() == before + 21);
    }

    TEST_CASE("unfence --now: no ramp, no rebuilds while time passes") {
        World world;
        auto config = std::make_shared<Config>(*world.publisher->config());
        config->azs[0].ramp = std::chrono::duration_cast<Duration>(10s);
        world.health->set_zones(world.zones.set, config);
        REQUIRE(world.health->fence("a", "maintenance", std::nullopt, false).status == FenceOutcome::Status::applied);
        REQUIRE(world.health->unfence("a", FenceScope::fleet, true).status == FenceOutcome::Status::applied);
        CHECK(world.health->snapshot().az("a")->answer_permille == 1000);
        const std::uint64_t before = world.publisher->rebuilds();
        for (int tick = 0; tick < 40; ++tick) {
            world.clock.now += 50ms;
            world.health->tick();
        }
        CHECK(world.publisher->rebuilds() == before);
    }

    TEST_CASE("a manual fence is saved at once and restored by the next monitor") {
        World world;
        REQUIRE(world.health->fence("a", "maintenance", std::nullopt, false).status ==
                FenceOutcome::Status::applied);
        HealthMonitor next(*world.publisher, world.clock.reader());
        next.restore(world.zones.set);
        const HealthSnapshot restored = next.snapshot();
        const AzView* a = restored.az("a");
        REQUIRE(a != nullptr);
        CHECK(a->fenced == FenceReason::manual);
        REQUIRE(a->manual);
        CHECK(a->manual->reason == "maintenance");
    }
}
