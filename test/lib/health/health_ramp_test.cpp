// A gentle return after restore (docs/health.md): after its fence ends, an
// AZ with `ramp` set is in a growing share of answers, 100 per mille at
// first and 1000 when the ramp is over; a fence ends a ramp, and
// `unfence --now` skips it. The clock is seconds the tests pass in.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "health_state.hpp"
#include "ramp_share.hpp"
#include "state_test_support.hpp"

using namespace azdns;
using namespace std::chrono_literals;
using namespace azdns::state_test;

namespace {

using Kind = HealthTransition::Kind;

AzConfig ramping(const std::string& name, Duration ramp) {
    AzConfig config = az(name, 0.5, 10s);
    config.ramp = ramp;
    return config;
}

// AZ "a" with a 100 s ramp and two endpoints, AZ "b" without a ramp; the
// service is in both, so either can be fenced.
struct RampInA {
    HealthState state{{ramping("a", 100s), az("b")}, {{"www.example.com.", {"a", "b"}}}, at(0)};
    RampInA() {
        for (const char* address : {"192.0.2.1", "192.0.2.2"})
            state.add_endpoint(ep(address), "a", web_check(1, 1), EndpointStatus::up, at(0));
    }
    const AzView& view(const std::string& name, int seconds) {
        snap = state.snapshot(at(seconds));
        return *snap.az(name);
    }
    // Both endpoints of a down at `seconds`, up again a second later:
    // fenced for health, restored 10 s (restore_after) after that.
    void outage(int seconds) {
        for (const char* address : {"192.0.2.1", "192.0.2.2"}) state.record_probe(ep(address), refused, at(seconds));
        for (const char* address : {"192.0.2.1", "192.0.2.2"})
            state.record_probe(ep(address), pass, at(seconds + 1));
    }
    HealthSnapshot snap;
};

}  // namespace

TEST_SUITE("health_state") {
    TEST_CASE("ramp_permille: 100 at the start, linear, 1000 at the end and without a ramp") {
        CHECK(ramp_permille(100s, 0s) == 100);
        CHECK(ramp_permille(100s, 50s) == 550);
        CHECK(ramp_permille(100s, 99s) == 991);
        CHECK(ramp_permille(100s, 100s) == 1000);
        CHECK(ramp_permille(100s, 1h) == 1000);
        CHECK(ramp_permille(0s, 0s) == 1000);
        CHECK(ramp_permille(1h, 30min) == 550);
        CHECK(ramp_republish_period(2min) == 1s);  // at least once a second
        CHECK(ramp_republish_period(10s) == 500ms);  // and in steps of 1/20
    }

    TEST_CASE("a restore after restore_after starts a ramp whose share grows to every answer") {
        RampInA t;
        CHECK_FALSE(t.view("a", 0).ramp_since.has_value());
        CHECK(t.view("a", 0).answer_permille == 1000);
        t.outage(1);
        CHECK(t.view("a", 5).fenced == FenceReason::health);
        CHECK(t.state.advance(at(11)).empty());
        auto restored = t.state.advance(at(12));
        REQUIRE(restored.size() == 1);
        CHECK(restored[0].kind == Kind::az_restored);
        CHECK(restored[0].why == "100% of endpoints up; back in every answer over 100s");

        CHECK(t.view("a", 12).fenced == FenceReason::none);
        CHECK(t.view("a", 12).ramp_since == at(12));
        CHECK(t.view("a", 12).ramp == 100s);
        CHECK(t.view("a", 12).answer_permille == 100);
        CHECK(t.view("a", 62).answer_permille == 550);
        CHECK(t.state.ramp_republish_period() == 1s);
        CHECK(t.state.advance(at(111)).empty());
        CHECK(t.view("a", 111).answer_permille == 991);

        auto done = t.state.advance(at(112));
        REQUIRE(done.size() == 1);
        CHECK(done[0].kind == Kind::az_ramp_end);
        CHECK(done[0].subject == "a");
        CHECK(done[0].why == "ramp of 100s done");
        CHECK_FALSE(t.view("a", 112).ramp_since.has_value());
        CHECK(t.view("a", 112).answer_permille == 1000);
        CHECK_FALSE(t.state.ramp_republish_period().has_value());
    }

    TEST_CASE("without a ramp a restored AZ is in every answer at once") {
        RampInA t;
        t.state.fence("b", "maintenance", std::nullopt, false, at(1));
        CHECK(t.state.unfence("b", at(2)).transitions.size() == 1);
        CHECK_FALSE(t.view("b", 2).ramp_since.has_value());
        CHECK(t.view("b", 2).answer_permille == 1000);
        CHECK_FALSE(t.state.ramp_republish_period().has_value());
    }

    TEST_CASE("every end of a fence starts the ramp: unfence and expiry") {
        RampInA t;
        t.state.fence("a", "maintenance", std::nullopt, false, at(1));
        CHECK(t.view("a", 1).answer_permille == 1000);  // fenced, not ramping: `fenced` says it all
        t.state.unfence("a", at(2));
        CHECK(t.view("a", 2).ramp_since == at(2));

        RampInA expiring;
        expiring.state.fence("a", "deploy", at(60), false, at(0), FenceScope::local);
        expiring.state.advance(at(60));
        CHECK(expiring.view("a", 60).ramp_since == at(60));
        CHECK(expiring.view("a", 80).answer_permille == 280);
    }

    TEST_CASE("a fence during a ramp ends it; the next restore ramps from 10 % again") {
        RampInA t;
        t.state.fence("a", "maintenance", std::nullopt, false, at(1));
        t.state.unfence("a", at(2));
        REQUIRE(t.view("a", 52).answer_permille == 550);
        t.outage(52);
        CHECK(t.view("a", 53).fenced == FenceReason::health);
        CHECK_FALSE(t.view("a", 53).ramp_since.has_value());
        CHECK_FALSE(t.state.ramp_republish_period().has_value());
        t.state.advance(at(63));  // 10 s healthy
        CHECK(t.view("a", 63).fenced == FenceReason::none);
        CHECK(t.view("a", 63).answer_permille == 100);
    }

    TEST_CASE("unfence --now skips the ramp, and ends one under way on an AZ no longer fenced") {
        RampInA t;
        t.state.fence("a", "maintenance", std::nullopt, false, at(1));
        auto now = t.state.unfence("a", at(2), FenceScope::fleet, true);
        CHECK(now.status == FenceOutcome::Status::applied);
        REQUIRE(now.transitions.size() == 1);
        CHECK(now.transitions[0].why == "100% of endpoints up");  // no word of a ramp
        CHECK_FALSE(t.view("a", 2).ramp_since.has_value());
        CHECK(t.view("a", 2).answer_permille == 1000);

        t.state.fence("a", "maintenance", std::nullopt, false, at(3), FenceScope::local);
        t.state.unfence("a", at(4), FenceScope::local);
        REQUIRE(t.view("a", 4).ramp_since == at(4));
        auto ended = t.state.unfence("a", at(5), FenceScope::local, true);
        CHECK(ended.status == FenceOutcome::Status::applied);
        REQUIRE(ended.transitions.size() == 1);
        CHECK(ended.transitions[0].kind == Kind::az_ramp_end);
        CHECK(ended.transitions[0].why == "skipped (unfence --now)");
        CHECK(t.view("a", 5).answer_permille == 1000);
    }

    TEST_CASE("a reload applies a changed or removed ramp to the ramp under way") {
        RampInA t;
        t.state.fence("a", "maintenance", std::nullopt, false, at(1));
        t.state.unfence("a", at(2));
        // Longer: the same start, a slower share.
        CHECK(t.state.set_azs({ramping("a", 200s), az("b")}, at(12)).empty());
        CHECK(t.view("a", 102).answer_permille == 550);
        CHECK(t.state.ramp_republish_period() == 1s);
        // Shorter than what has passed: over at once.
        auto shorter = t.state.set_azs({ramping("a", 5s), az("b")}, at(12));
        REQUIRE(shorter.size() == 1);
        CHECK(shorter[0].kind == Kind::az_ramp_end);
        CHECK(t.view("a", 12).answer_permille == 1000);

        t.state.fence("a", "maintenance", std::nullopt, false, at(20));
        t.state.set_azs({ramping("a", 100s), az("b")}, at(21));
        t.state.unfence("a", at(22));
        REQUIRE(t.view("a", 22).ramp_since == at(22));
        auto removed = t.state.set_azs({az("a", 0.5, 10s), az("b")}, at(23));
        REQUIRE(removed.size() == 1);
        CHECK(removed[0].why == "ramp removed from the config");
        CHECK(t.view("a", 23).answer_permille == 1000);
    }
}
