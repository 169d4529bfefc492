// Health as a pure state machine (spec: "Health"): rise/fall hysteresis, AZ
// auto-fencing and restore, manual fences and their safety check. The clock
// is a number of seconds the tests pass in; nothing sleeps.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "health_state.hpp"
#include "state_test_support.hpp"

using namespace azdns;
using namespace std::chrono_literals;
using namespace azdns::state_test;

namespace {

using Kind = HealthTransition::Kind;

// One AZ "a" with three endpoints, all starting up; service www is in a and b.
struct ThreeInA {
    HealthState state{{az("a"), az("b")}, {{"www.example.com.", {"a", "b"}}}, at(0)};
    ThreeInA() {
        for (const char* address : {"192.0.2.1", "192.0.2.2", "192.0.2.3"})
            state.add_endpoint(ep(address), "a", web_check(), EndpointStatus::up, at(0));
    }
    void fail(const char* address, int times, int start) {
        for (int i = 0; i < times; ++i) state.record_probe(ep(address), refused, at(start + i));
    }
    void pass_n(const char* address, int times, int start) {
        for (int i = 0; i < times; ++i) state.record_probe(ep(address), pass, at(start + i));
    }
    FenceReason fenced(const std::string& name) const { return state.snapshot().az(name)->fenced; }
};

}  // namespace

TEST_SUITE("health_state") {
    TEST_CASE("fall: exactly `fall` consecutive failures take an endpoint down") {
        ThreeInA t;
        t.fail("192.0.2.1", 2, 1);
        CHECK(t.state.snapshot().endpoint(ep("192.0.2.1"))->status == EndpointStatus::up);
        t.state.record_probe(ep("192.0.2.1"), pass, at(3));  // a success resets the count
        t.fail("192.0.2.1", 2, 4);
        CHECK(t.state.snapshot().endpoint(ep("192.0.2.1"))->status == EndpointStatus::up);
        auto out = t.state.record_probe(ep("192.0.2.1"), refused, at(6));
        REQUIRE(out.size() == 1);
        CHECK(out[0].kind == Kind::endpoint_down);
        CHECK(out[0].subject == "192.0.2.1 web");
        CHECK(out[0].why == "3 failures (connect refused)");
        CHECK(out[0].since == at(6));
        const HealthSnapshot snap = t.state.snapshot();
        auto view = snap.endpoint(ep("192.0.2.1"));
        CHECK(view->status == EndpointStatus::down);
        CHECK(view->since == at(6));
        CHECK(view->last_error == "connect refused");
    }

    TEST_CASE("rise: exactly `rise` consecutive successes bring it back") {
        ThreeInA t;
        t.fail("192.0.2.1", 3, 1);
        CHECK(t.state.record_probe(ep("192.0.2.1"), pass, at(4)).empty());
        t.state.record_probe(ep("192.0.2.1"), refused, at(5));  // resets the successes
        CHECK(t.state.record_probe(ep("192.0.2.1"), pass, at(6)).empty());
        auto out = t.state.record_probe(ep("192.0.2.1"), pass, at(7));
        REQUIRE(out.size() == 1);
        CHECK(out[0].kind == Kind::endpoint_up);
        CHECK(out[0].why == "2 successes");
        const HealthSnapshot snap = t.state.snapshot();
        auto view = snap.endpoint(ep("192.0.2.1"));
        CHECK(view->status == EndpointStatus::up);
        CHECK(view->rtt == 1000us);
    }

    TEST_CASE("an unknown endpoint counts as up, and its first probe decides") {
        HealthState state{{az("a", 1.0)}, {}, at(0)};
        CHECK(state.add_endpoint(ep("192.0.2.1"), "a", web_check(), EndpointStatus::unknown, at(0)).empty());
        CHECK(state.snapshot().az("a")->fenced == FenceReason::none);
        auto out = state.record_probe(ep("192.0.2.1"), refused, at(1));
        REQUIRE(out.size() == 2);
        CHECK(out[0].kind == Kind::endpoint_down);
        CHECK(out[0].why == "first probe failed (connect refused)");
        CHECK(out[1].kind == Kind::az_fenced);
    }

    TEST_CASE("a restored down endpoint is taken as is") {
        HealthState state{{az("a")}, {}, at(0)};
        auto out = state.add_endpoint(ep("192.0.2.1"), "a", web_check(), EndpointStatus::down, at(0));
        CHECK(state.snapshot().endpoint(ep("192.0.2.1"))->status == EndpointStatus::down);
        REQUIRE(out.size() == 1);
        CHECK(out[0].kind == Kind::az_fenced);
    }

    TEST_CASE("fence_below 0.5 with 3 endpoints: one down keeps the AZ, two fence it") {
        ThreeInA t;
        t.fail("192.0.2.1", 3, 1);
        CHECK(t.fenced("a") == FenceReason::none);
        CHECK(t.state.snapshot().az("a")->up_share == doctest::Approx(2.0 / 3));
        t.fail("192.0.2.2", 2, 4);
        auto out = t.state.record_probe(ep("192.0.2.2"), refused, at(6));
        REQUIRE(out.size() == 2);
        CHECK(out[1].kind == Kind::az_fenced);
        CHECK(out[1].subject == "a");
        CHECK(out[1].why == "health: 33% of endpoints up");
        const HealthSnapshot snap = t.state.snapshot();
        auto view = snap.az("a");
        CHECK(view->fenced == FenceReason::health);
        CHECK(view->since == at(6));
        CHECK(t.fenced("b") == FenceReason::none);
    }

    TEST_CASE("restore_after: back only after being healthy that long, a dip restarts the wait") {
        ThreeInA t;
        t.fail("192.0.2.1", 3, 1);
        t.fail("192.0.2.2", 3, 4);  // fenced at 6
        t.pass_n("192.0.2.2", 2, 10);  // up at 11: healthy since 11
        CHECK(t.fenced("a") == FenceReason::health);
        CHECK(t.state.advance(at(40)).empty());
        CHECK(t.fenced("a") == FenceReason::health);
        t.fail("192.0.2.2", 3, 41);    // down at 43
        t.pass_n("192.0.2.2", 2, 44);  // up at 45: the wait starts again
        CHECK(t.state.advance(at(74)).empty());
        auto out = t.state.advance(at(75));
        REQUIRE(out.size() == 1);
        CHECK(out[0].kind == Kind::az_restored);
        CHECK(out[0].since == at(75));
        CHECK(t.fenced("a") == FenceReason::none);
        CHECK(t.state.snapshot().az("a")->since == at(75));
    }

    TEST_CASE("a manual fence wins over health and over restore") {
        ThreeInA t;
        auto fenced = t.state.fence("a", "maintenance", {}, false, at(1));
        CHECK(fenced.status == FenceOutcome::Status::applied);
        REQUIRE(fenced.transitions.size() == 1);
        CHECK(fenced.transitions[0].why == "manual: maintenance");
        t.fail("192.0.2.1", 3, 2);
        t.fail("192.0.2.2", 3, 5);  // health would fence it now
        CHECK(t.fenced("a") == FenceReason::manual);
        t.pass_n("192.0.2.2", 2, 8);
        CHECK(t.state.advance(at(100)).empty());  // healthy long enough, still fenced by hand
        const HealthSnapshot snap = t.state.snapshot();
        auto view = snap.az("a");
        CHECK(view->fenced == FenceReason::manual);
        REQUIRE(view->manual.has_value());
        CHECK(view->manual->reason == "maintenance");
        CHECK(view->since == at(1));
    }

    TEST_CASE("unfence shows the AZ's real health at once") {
        ThreeInA t;
        t.state.fence("a", "maintenance", {}, false, at(1));
        CHECK(t.state.unfence("a", at(2)).transitions.size() == 1);
        CHECK(t.fenced("a") == FenceReason::none);

        t.state.fence("a", "maintenance", {}, false, at(3));
        t.fail("192.0.2.1", 3, 4);
        t.fail("192.0.2.2", 3, 7);
        auto out = t.state.unfence("a", at(10));
        REQUIRE(out.transitions.size() == 1);
        CHECK(out.transitions[0].kind == Kind::az_fenced);
        CHECK(out.transitions[0].why == "health: 33% of endpoints up");
        CHECK(t.fenced("a") == FenceReason::health);
        CHECK(t.state.unfence("nowhere", at(10)).status == FenceOutcome::Status::unknown_az);
    }

    TEST_CASE("a manual fence ends at its expiry") {
        ThreeInA t;
        t.state.fence("a", "deploy", at(60), false, at(0));
        CHECK(t.state.advance(at(59)).empty());
        CHECK(t.fenced("a") == FenceReason::manual);
        auto out = t.state.advance(at(60));
        REQUIRE(out.size() == 1);
        CHECK(out[0].kind == Kind::az_restored);
        CHECK(t.fenced("a") == FenceReason::none);
        CHECK_FALSE(t.state.snapshot().az("a")->manual.has_value());
    }

    TEST_CASE("a fence that leaves a service with no AZ up is refused, naming it, unless forced") {
        HealthState state{{az("a"), az("b"), az("c")},
                          {{"www.example.com.", {"a", "b"}}, {"api.example.com.", {"b", "c"}},
                           {"db.example.com.", {"c"}}},
                          at(0)};
        CHECK(state.fence("a", "first", {}, false, at(1)).status == FenceOutcome::Status::applied);
        auto refused_b = state.fence("b", "second", {}, false, at(2));
        CHECK(refused_b.status == FenceOutcome::Status::would_strand);
        CHECK(refused_b.stranded_services == std::vector<std::string>{"www.example.com."});
        CHECK(refused_b.transitions.empty());
        CHECK(state.snapshot().az("b")->fenced == FenceReason::none);

        auto refused_c = state.fence("c", "third", {}, false, at(2));
        CHECK(refused_c.stranded_services == std::vector<std::string>{"db.example.com."});

        auto forced = state.fence("b", "second", {}, true, at(3));
        CHECK(forced.status == FenceOutcome::Status::applied);
        CHECK(forced.transitions.size() == 1);
        CHECK(state.snapshot().az("b")->fenced == FenceReason::manual);
        CHECK(state.fence("nowhere", "x", {}, true, at(4)).status == FenceOutcome::Status::unknown_az);
    }

    TEST_CASE("an AZ with no endpoints is never auto-fenced") {
        HealthState state{{az("empty", 1.0, 0s)}, {}, at(0)};
        CHECK(state.advance(at(1)).empty());
        const HealthSnapshot snap = state.snapshot();
        auto view = snap.az("empty");
        CHECK(view->fenced == FenceReason::none);
        CHECK(view->up_share == 1.0);
    }

    TEST_CASE("an address in no AZ is tracked without touching any AZ") {
        ThreeInA t;
        t.state.add_endpoint(ep("198.51.100.1"), "", web_check(), EndpointStatus::up, at(0));
        t.fail("198.51.100.1", 2, 1);
        auto out = t.state.record_probe(ep("198.51.100.1"), refused, at(3));
        REQUIRE(out.size() == 1);
        CHECK(out[0].kind == Kind::endpoint_down);
        CHECK(t.state.snapshot().endpoint(ep("198.51.100.1"))->status == EndpointStatus::down);
        CHECK(t.fenced("a") == FenceReason::none);
        CHECK(t.state.record_probe(ep("203.0.113.9"), refused, at(5)).empty());
    }

    TEST_CASE("removing down endpoints (a reload) re-judges their AZ") {
        ThreeInA t;
        t.fail("192.0.2.1", 3, 1);
        t.fail("192.0.2.2", 3, 1);
        REQUIRE(t.fenced("a") == FenceReason::health);
        t.state.remove_endpoint(ep("192.0.2.1"), at(10));
        // 1 of 2 up is healthy again, but a health fence lasts restore_after.
        CHECK(t.fenced("a") == FenceReason::health);
        t.state.remove_endpoint(ep("192.0.2.2"), at(10));
        CHECK(t.state.snapshot().endpoint(ep("192.0.2.2")) == nullptr);
        CHECK(t.state.advance(at(39)).empty());
        auto out = t.state.advance(at(40));
        REQUIRE(out.size() == 1);
        CHECK(out[0].kind == Kind::az_restored);
        CHECK(t.state.remove_endpoint(ep("203.0.113.9"), at(41)).empty());
    }

    TEST_CASE("a restored manual fence keeps its since and skips the safety check") {
        HealthState state{{az("a"), az("b")}, {{"www.example.com.", {"a"}}}, at(0)};
        auto out = state.restore_local_fence("a", ManualFence{"maintenance", at(100)}, at(-50));
        REQUIRE(out.size() == 1);
        CHECK(out[0].kind == Kind::az_fenced);
        const HealthSnapshot snap = state.snapshot();
        CHECK(snap.az("a")->fenced == FenceReason::manual);
        CHECK(snap.az("a")->since == at(-50));
        CHECK(snap.az("a")->manual->reason == "maintenance");
        CHECK(state.restore_local_fence("gone", ManualFence{"x", {}}, at(0)).empty());
        CHECK(state.advance(at(100)).size() == 1);  // the expiry still applies
    }

    TEST_CASE("set_azs (a reload): kept AZs keep fences and waits, new ones start up, removed ones go") {
        ThreeInA t;
        t.state.fence("b", "maintenance", std::nullopt, true, at(1));
        t.fail("192.0.2.1", 3, 1);
        t.fail("192.0.2.2", 3, 1);
        REQUIRE(t.fenced("a") == FenceReason::health);
        auto out = t.state.set_azs({az("a", 0.5, 30s), az("b"), az("c")}, at(5));
        CHECK(out.empty());
        CHECK(t.fenced("a") == FenceReason::health);
        CHECK(t.fenced("b") == FenceReason::manual);  // the manual fence stays
        CHECK(t.fenced("c") == FenceReason::none);
        // A lower threshold applies at once: 1 of 3 up is enough for 0.3, then restore_after runs.
        t.state.set_azs({az("a", 0.3, 10s), az("c")}, at(6));
        CHECK(t.state.snapshot().az("b") == nullptr);
        CHECK(t.fenced("a") == FenceReason::health);
        auto restored = t.state.advance(at(16));
        REQUIRE(restored.size() == 1);
        CHECK(restored[0].kind == Kind::az_restored);
    }

    TEST_CASE("an endpoint re-added with another AZ keeps its state and moves its vote") {
        ThreeInA t;
        t.fail("192.0.2.1", 3, 1);
        t.fail("192.0.2.2", 3, 1);
        REQUIRE(t.fenced("a") == FenceReason::health);
        // The reload moved 192.0.2.2 to AZ b: a has 1 of 2 up (not below 0.5), b has 0 of 1.
        t.state.add_endpoint(ep("192.0.2.2"), "b", web_check(), EndpointStatus::unknown, at(10));
        CHECK(t.state.snapshot().endpoint(ep("192.0.2.2"))->status == EndpointStatus::down);
        CHECK(t.state.snapshot().endpoint(ep("192.0.2.2"))->az == "b");
        CHECK(t.fenced("b") == FenceReason::health);
        CHECK(t.state.advance(at(40)).size() == 1);  // a: restored after restore_after
        CHECK(t.fenced("a") == FenceReason::none);
    }
}
