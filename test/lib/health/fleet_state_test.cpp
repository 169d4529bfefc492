// The fleet in the health state (docs/fleet.md): peers' reports become
// votes, a quorum of fresh vantage points decides, a stale peer or an
// impaired prober steps aside, and fleet-wide fences follow their versions.
// The clock is a number of seconds the tests pass in; nothing sleeps.
#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "health_state.hpp"
#include "state_test_support.hpp"

using namespace azdns;
using namespace std::chrono_literals;
using namespace azdns::state_test;

namespace {

FleetConfig fleet_of(const char* self, std::vector<const char*> peers, unsigned quorum) {
    FleetConfig fleet;
    fleet.name = self;
    for (const char* peer : peers) fleet.peers.push_back(FleetPeer{peer, "http://127.0.0.1:1", false, "127.0.0.1", 1, {}});
    fleet.quorum = quorum;
    fleet.stale_after = 5s;
    fleet.fail_static_max = 60s;
    return fleet;
}

using Kind = HealthTransition::Kind;

bool has(const std::vector<HealthTransition>& out, Kind kind, const std::string& subject) {
    return std::any_of(out.begin(), out.end(), [&](const HealthTransition& t) { return t.kind == kind && t.subject == subject; });
}

// ns1 of a fleet of three (quorum 2): AZ a holds 10.1.0.1-2, AZ b 10.2.0.1-2,
// all up from here at first.
struct Ns1 {
    HealthState state{{az("a", 0.5, 0s), az("b", 0.5, 0s)}, {{"www.example.com.", {"a", "b"}}}, at(0)};
    std::uint64_t sequence = 0;
    Ns1() {
        state.set_fleet(fleet_of("ns1", {"ns2", "ns3"}, 2), at(0));
        for (const char* address : all) state.add_endpoint(ep(address), address[3] == '1' ? "a" : "b", web_check(1, 1),
                                                           EndpointStatus::up, at(0));
    }
    static constexpr const char* all[] = {"10.1.0.1", "10.1.0.2", "10.2.0.1", "10.2.0.2"};

    // A full report from `peer` seeing `down` down and the rest up.
    std::vector<HealthTransition> report(const char* peer, std::vector<const char*> down, int now,
                                         bool impaired = false) {
        FleetReport report;
        report.name = peer;
        report.generation = 1;
        report.sequence = ++sequence;
        report.impaired = impaired;
        for (const char* address : all) {
            bool is_down = std::find_if(down.begin(), down.end(), [&](const char* d) { return std::string(d) == address; }) != down.end();
            report.endpoints.push_back({ep(address), is_down ? EndpointStatus::down : EndpointStatus::up, 1s, 0s, ""});
        }
        return state.receive_report(report, at(now)).transitions;
    }
    void probe(const char* address, const ProbeResult& result, int now) { state.record_probe(ep(address), result, at(now)); }
    // Both peers report every endpoint up.
    void peers_see_all_up(int now) {
        report("ns2", {}, now);
        report("ns3", {}, now);
    }
    EndpointStatus verdict(const char* address) const { return state.snapshot().endpoint(ep(address))->status; }
    FenceReason fenced(const char* name) const { return state.snapshot().az(name)->fenced; }
};

}  // namespace

TEST_SUITE("fleet_state") {
    TEST_CASE("an endpoint is down in the answers when a quorum of fresh vantage points sees it down") {
        Ns1 ns1;
        ns1.peers_see_all_up(1);
        auto out = ns1.report("ns2", {"10.1.0.1"}, 2);
        CHECK(ns1.verdict("10.1.0.1") == EndpointStatus::up);  // 1 of 3
        CHECK_FALSE(has(out, Kind::verdict_down, "10.1.0.1 web"));
        out = ns1.report("ns3", {"10.1.0.1"}, 3);
        CHECK(ns1.verdict("10.1.0.1") == EndpointStatus::down);  // 2 of 3, though ns1 sees it up
        REQUIRE(has(out, Kind::verdict_down, "10.1.0.1 web"));
        auto t = std::find_if(out.begin(), out.end(), [](const HealthTransition& t) { return t.kind == Kind::verdict_down; });
        CHECK(t->why == "seen down by ns2 and ns3 of 3 (quorum 2)");
        const HealthSnapshot snap = ns1.state.snapshot();
        const EndpointView* view = snap.endpoint(ep("10.1.0.1"));
        CHECK(view->local == EndpointStatus::up);
        REQUIRE(view->votes.size() == 3);
        CHECK(view->votes[0].vantage == "ns1");
    }

    TEST_CASE("one vantage point cut off from an AZ fences nothing") {
        Ns1 ns1;
        ns1.peers_see_all_up(1);
        ns1.probe("10.1.0.1", refused, 2);
        ns1.probe("10.1.0.2", refused, 2);
        CHECK(ns1.state.snapshot().endpoint(ep("10.1.0.1"))->local == EndpointStatus::down);
        CHECK(ns1.verdict("10.1.0.1") == EndpointStatus::up);
        CHECK(ns1.fenced("a") == FenceReason::none);
        // The AZ really fails: the peers see it too, and all agree.
        ns1.report("ns2", {"10.1.0.1", "10.1.0.2"}, 3);
        CHECK(ns1.fenced("a") == FenceReason::health);
    }

    TEST_CASE("stale peers leave an instance deciding alone, and their return ends it") {
        Ns1 ns1;
        auto out = ns1.report("ns2", {}, 1);
        CHECK(has(out, Kind::peer_found, "ns2"));
        CHECK(has(out, Kind::alone_end, "ns1"));  // ns1 and ns2 make the quorum
        ns1.report("ns3", {}, 1);
        CHECK_FALSE(ns1.state.snapshot().fleet.alone);
        out = ns1.state.advance(at(7));  // both silent for more than stale_after
        CHECK(has(out, Kind::peer_lost, "ns2"));
        CHECK(has(out, Kind::alone_start, "ns1"));
        HealthSnapshot snap = ns1.state.snapshot();
        CHECK(snap.fleet.alone);
        CHECK(*snap.fleet.alone_since == at(7));
        // Alone, its own probes decide.
        ns1.probe("10.1.0.1", refused, 8);
        CHECK(ns1.verdict("10.1.0.1") == EndpointStatus::down);
        out = ns1.report("ns2", {}, 9);
        CHECK(has(out, Kind::alone_end, "ns1"));
        CHECK(ns1.verdict("10.1.0.1") == EndpointStatus::up);  // 1 down of 2, quorum 2
    }

    TEST_CASE("an impaired prober follows its peers; alone, it holds its last verdicts for fail_static_max") {
        Ns1 ns1;
        ns1.peers_see_all_up(1);
        for (const char* address : Ns1::all) ns1.probe(address, refused, 2);
        auto out = ns1.state.advance(at(2));
        CHECK(has(out, Kind::impaired_start, "ns1"));
        HealthSnapshot snap = ns1.state.snapshot();
        CHECK(snap.fleet.impaired);
        CHECK(ns1.verdict("10.1.0.1") == EndpointStatus::up);
        // Its report says so, and a peer that is impaired does not count.
        CHECK(ns1.state.own_report(at(2)).impaired);
        // The peers go silent: no one to follow, the last verdicts hold.
        out = ns1.state.advance(at(8));
        CHECK(has(out, Kind::peer_lost, "ns3"));
        CHECK(ns1.state.snapshot().fleet.fail_static);
        CHECK(ns1.verdict("10.1.0.1") == EndpointStatus::up);
        CHECK(ns1.fenced("a") == FenceReason::none);
        // fail_static_max (60 s) later it falls back to its own probes.
        ns1.state.advance(at(67));
        CHECK(ns1.state.snapshot().fleet.fail_static);
        ns1.state.advance(at(68));
        CHECK_FALSE(ns1.state.snapshot().fleet.fail_static);
        CHECK(ns1.verdict("10.1.0.1") == EndpointStatus::down);
        CHECK(ns1.fenced("a") == FenceReason::health);
    }

    TEST_CASE("a prober that sees one AZ down while peers see it up is not impaired") {
        Ns1 ns1;
        ns1.peers_see_all_up(1);
        ns1.probe("10.1.0.1", refused, 2);
        ns1.probe("10.1.0.2", refused, 2);
        CHECK_FALSE(has(ns1.state.advance(at(2)), Kind::impaired_start, "ns1"));
    }

    TEST_CASE("a delta that says its sender became impaired takes all its votes out") {
        Ns1 ns1;
        ns1.report("ns2", {"10.1.0.1"}, 1);
        ns1.report("ns3", {"10.1.0.1"}, 1);
        REQUIRE(ns1.verdict("10.1.0.1") == EndpointStatus::down);
        FleetReport delta;
        delta.name = "ns2";
        delta.generation = 1;
        delta.base = 1;  // ns2's report above: the fixture numbers every report it sends
        delta.sequence = ++ns1.sequence;
        delta.impaired = true;
        REQUIRE(ns1.state.receive_report(delta, at(2)).received.receipt == FleetPeers::Receipt::accepted);
        CHECK(ns1.verdict("10.1.0.1") == EndpointStatus::up);  // ns1 up, ns3 down: 1 of 2
    }

    TEST_CASE("a peer's impaired report does not count") {
        Ns1 ns1;
        ns1.report("ns2", {"10.1.0.1"}, 1, true);
        ns1.report("ns3", {"10.1.0.1"}, 1);
        // ns2 impaired: voters ns1 (up) and ns3 (down), 1 down of 2.
        CHECK(ns1.verdict("10.1.0.1") == EndpointStatus::up);
    }

    TEST_CASE("replayed and unknown reports are refused; a heartbeat confirms only what is held") {
        Ns1 ns1;
        ns1.report("ns2", {}, 1);
        ns1.report("ns2", {}, 1);  // sequence 2
        FleetReport old;
        old.name = "ns2";
        old.generation = 1;
        old.sequence = 1;
        CHECK(ns1.state.receive_report(old, at(2)).received.receipt == FleetPeers::Receipt::replayed);
        old.name = "ns9";
        CHECK(ns1.state.receive_report(old, at(2)).received.receipt == FleetPeers::Receipt::unknown_peer);
        FleetReport beat;
        beat.name = "ns2";
        beat.generation = 1;
        beat.sequence = 3;
        beat.full = false;
        auto receipt = ns1.state.receive_report(beat, at(2)).received;
        CHECK(receipt.receipt == FleetPeers::Receipt::behind);
        CHECK(receipt.have == FleetReportKey{1, 2});
        beat.sequence = 2;
        CHECK(ns1.state.receive_report(beat, at(2)).received.receipt == FleetPeers::Receipt::confirmed);
        // A restarted peer starts a new generation, with sequences anew.
        FleetReport restarted;
        restarted.name = "ns2";
        restarted.generation = 2;
        restarted.sequence = 1;
        CHECK(ns1.state.receive_report(restarted, at(3)).received.receipt == FleetPeers::Receipt::accepted);
    }

    TEST_CASE("fleet-wide fences: the newer version wins everywhere, ties go to the greater instance name") {
        HealthState ns1{{az("a", 0.5, 0s), az("b", 0.5, 0s)}, {}, at(0)};
        ns1.set_fleet(fleet_of("ns1", {"ns2"}, 2), at(0));
        HealthState ns2{{az("a", 0.5, 0s), az("b", 0.5, 0s)}, {}, at(0)};
        ns2.set_fleet(fleet_of("ns2", {"ns1"}, 2), at(0));
        auto send = [](const HealthState& from, HealthState& to, std::uint64_t sequence, int now) {
            FleetReport report = from.own_report(at(now));
            report.generation = 1;
            report.sequence = sequence;
            return to.receive_report(report, at(now)).transitions;
        };
        REQUIRE(ns1.fence("a", "maintenance", std::nullopt, false, at(1)).status == FenceOutcome::Status::applied);
        CHECK(ns1.snapshot().az("a")->fleet_fence.version == FenceVersion{1, "ns1"});
        auto out = send(ns1, ns2, 1, 1);
        CHECK(has(out, Kind::fence_adopted, "a"));
        CHECK(ns2.snapshot().az("a")->fenced == FenceReason::manual);
        CHECK(ns2.snapshot().az("a")->manual->reason == "maintenance");
        // At the same moment ns1 lifts it and ns2 sets it again: both version 2.
        ns1.unfence("a", at(2));
        ns2.fence("a", "again", std::nullopt, true, at(2));
        send(ns1, ns2, 2, 2);
        send(ns2, ns1, 1, 2);
        // "ns2" > "ns1": the fence stands on both.
        CHECK(ns1.snapshot().az("a")->fenced == FenceReason::manual);
        CHECK(ns2.snapshot().az("a")->fenced == FenceReason::manual);
        CHECK(ns1.snapshot().az("a")->fleet_fence.version == FenceVersion{2, "ns2"});
        // An older version that arrives late changes nothing.
        FleetReport late;
        late.name = "ns2";
        late.generation = 1;
        late.sequence = 5;
        late.fences.push_back({"a", false, "", std::nullopt, {1, "ns2"}});
        ns1.receive_report(late, at(3));
        CHECK(ns1.snapshot().az("a")->fenced == FenceReason::manual);
    }

    TEST_CASE("a fleet-wide lifting starts each instance's own ramp; with --now, none anywhere") {
        AzConfig a = az("a", 0.5, 0s);
        a.ramp = 100s;
        HealthState ns1{{a, az("b", 0.5, 0s)}, {}, at(0)};
        ns1.set_fleet(fleet_of("ns1", {"ns2"}, 2), at(0));
        HealthState ns2{{a, az("b", 0.5, 0s)}, {}, at(0)};
        ns2.set_fleet(fleet_of("ns2", {"ns1"}, 2), at(0));
        std::uint64_t sequence = 0;
        auto send = [&](int now) {
            FleetReport report = ns1.own_report(at(now));
            report.generation = 1;
            report.sequence = ++sequence;
            return ns2.receive_report(report, at(now)).transitions;
        };
        ns1.fence("a", "maintenance", std::nullopt, true, at(1));
        send(1);
        ns1.unfence("a", at(2));
        send(3);
        CHECK(ns2.snapshot(at(3)).az("a")->ramp_since == at(3));  // from when it heard
        CHECK(ns2.snapshot(at(53)).az("a")->answer_permille == 550);

        // --now on an AZ no longer fenced: the ramps end on both.
        ns1.unfence("a", at(4), FenceScope::fleet, true);
        CHECK(ns1.snapshot(at(4)).az("a")->answer_permille == 1000);
        CHECK(has(send(5), Kind::az_ramp_end, "a"));
        CHECK(ns2.snapshot(at(5)).az("a")->answer_permille == 1000);

        ns1.fence("a", "maintenance", std::nullopt, true, at(6));
        send(6);
        ns1.unfence("a", at(7), FenceScope::fleet, true);
        send(7);
        CHECK_FALSE(ns2.snapshot(at(7)).az("a")->ramp_since.has_value());
        CHECK(ns2.snapshot(at(7)).az("a")->fenced == FenceReason::none);
    }

    TEST_CASE("a local fence stays on its instance and outlives a fleet-wide lifting only with --local") {
        HealthState ns1{{az("a", 0.5, 0s), az("b", 0.5, 0s)}, {}, at(0)};
        ns1.set_fleet(fleet_of("ns1", {"ns2"}, 2), at(0));
        ns1.fence("a", "disk", std::nullopt, false, at(1), FenceScope::local);
        HealthSnapshot snap = ns1.snapshot();
        CHECK(snap.az("a")->fenced == FenceReason::manual);
        CHECK(snap.az("a")->manual_local);
        CHECK(ns1.own_report(at(1)).fences.empty());  // peers never hear of it
        ns1.unfence("a", at(2), FenceScope::local);
        CHECK(ns1.snapshot().az("a")->fenced == FenceReason::none);
    }
}

namespace {

// ns1 alone (no peers) with one canary, 198.51.100.53, and the four
// endpoints of Ns1, all up; the check has rise 1 and fall 1.
struct LoneWithCanary {
    HealthState state{{az("a", 0.5, 0s), az("b", 0.5, 0s)}, {{"www.example.com.", {"a", "b"}}}, at(0)};
    const CheckConfig check = web_check(1, 1);
    const EndpointId canary{*IpAddress::parse("198.51.100.53"), "web"};
    LoneWithCanary() {
        state.set_fleet(fleet_of("ns1", {}, 1), at(0));
        state.set_canaries({{canary, &check}}, at(0));
        for (const char* address : Ns1::all)
            state.add_endpoint(ep(address), address[3] == '1' ? "a" : "b", check, EndpointStatus::up, at(0));
    }
};

}  // namespace

TEST_SUITE("fleet_state") {
    TEST_CASE("canaries: when every canary fails, the prober is impaired, even alone; alone it holds its verdicts") {
        LoneWithCanary lone;
        HealthState& state = lone.state;
        const EndpointId& canary = lone.canary;
        state.record_probe(canary, pass, at(1));
        CHECK_FALSE(state.snapshot().fleet.impaired);
        // The uplink breaks: the canary and every endpoint fail.
        // Impaired at the canary's first failure, before any endpoint's.
        auto out = state.record_probe(canary, refused, at(2));
        CHECK(has(out, Kind::impaired_start, "ns1"));
        for (const char* address : Ns1::all) state.record_probe(ep(address), refused, at(2));
        HealthSnapshot snap = state.snapshot();
        CHECK(snap.fleet.impaired);
        CHECK(snap.fleet.fail_static);
        CHECK(snap.endpoint(ep("10.1.0.1"))->status == EndpointStatus::up);  // the last verdict holds
        CHECK(snap.az("a")->fenced == FenceReason::none);
        // fail_static_max (60 s) later its own probes decide again.
        state.advance(at(62));
        snap = state.snapshot();
        CHECK_FALSE(snap.fleet.fail_static);
        CHECK(snap.endpoint(ep("10.1.0.1"))->status == EndpointStatus::down);
        // The canary answers again: not impaired, the endpoints are really down.
        out = state.record_probe(canary, pass, at(63));
        CHECK(has(out, Kind::impaired_end, "ns1"));
    }

    TEST_CASE("canaries that answer: endpoints failing everywhere are down, not an impaired prober") {
        LoneWithCanary lone;
        HealthState& state = lone.state;
        const EndpointId& canary = lone.canary;
        state.record_probe(canary, pass, at(1));
        for (const char* address : Ns1::all) state.record_probe(ep(address), refused, at(2));
        CHECK_FALSE(has(state.advance(at(2)), Kind::impaired_start, "ns1"));
        CHECK(state.snapshot().az("a")->fenced == FenceReason::health);
    }
}

TEST_SUITE("fleet_state") {
    TEST_CASE("deltas: only what changed since the report the peer holds; the whole state when one cannot say it") {
        HealthState ns2{{az("a", 0.5, 0s), az("b", 0.5, 0s)}, {}, at(0)};
        ns2.set_fleet(fleet_of("ns2", {"ns1"}, 2), at(0));
        for (const char* address : Ns1::all)
            ns2.add_endpoint(ep(address), address[3] == '1' ? "a" : "b", web_check(1, 1), EndpointStatus::up, at(0));
        Ns1 ns1;
        auto send = [&](FleetReport report) {
            report.generation = 1;
            return ns1.state.receive_report(report, at(1)).received;
        };
        FleetReport whole = ns2.own_report(at(1));
        CHECK_FALSE(whole.base);
        CHECK(whole.endpoints.size() == 4);
        whole.sequence = ns2.changes();
        REQUIRE(send(whole).receipt == FleetPeers::Receipt::accepted);
        const std::uint64_t held = ns2.changes();
        ns2.record_probe(ep("10.1.0.2"), refused, at(2));
        FleetReport delta = ns2.own_report(at(2), true, held);
        REQUIRE(delta.base == std::optional<std::uint64_t>{held});
        REQUIRE(delta.endpoints.size() == 1);
        CHECK(delta.endpoints[0].id == ep("10.1.0.2"));
        delta.sequence = ns2.changes();
        CHECK(send(delta).receipt == FleetPeers::Receipt::accepted);
        // ns1 holds all four of ns2's votes: the delta added to the whole.
        const HealthSnapshot snap = ns1.state.snapshot();
        CHECK(snap.endpoint(ep("10.1.0.1"))->votes[1].vote == Vote::up);
        CHECK(snap.endpoint(ep("10.1.0.2"))->votes[1].vote == Vote::down);
        // A delta from a report the receiver does not hold is refused: it asks for the whole.
        FleetReport stray = ns2.own_report(at(2), true, 1);
        stray.sequence = ns2.changes() + 5;
        auto receipt = send(stray);
        CHECK(receipt.receipt == FleetPeers::Receipt::behind);
        CHECK(receipt.have == FleetReportKey{1, ns2.changes()});
        // An endpoint that left cannot be said in a delta.
        ns2.remove_endpoint(ep("10.2.0.2"), at(3));
        CHECK_FALSE(ns2.own_report(at(3), true, held).base);
    }
}
