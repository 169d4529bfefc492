// The fleet's arithmetic (docs/fleet.md, "The arithmetic"): when an endpoint
// counts as down given each vantage point's vote, for fleets of 1, 2, 3 and
// 5 nameservers, with stale or impaired vantage points, ties and no voters.
#include <doctest/doctest.h>

#include <vector>

#include "config.hpp"
#include "fleet_quorum.hpp"

using namespace azdns;

namespace {

using Outcome = QuorumVerdict::Outcome;

const VantageVote up{Vote::up, true};
const VantageVote down{Vote::down, true};
const VantageVote no_verdict{Vote::none, true};
// Stale or impaired: what it says does not count.
const VantageVote stale_down{Vote::down, false};
const VantageVote stale_up{Vote::up, false};

QuorumVerdict verdict(std::vector<VantageVote> votes, unsigned quorum) { return quorum_verdict(votes, quorum); }

}  // namespace

TEST_CASE("the default quorum is a majority of the vantage points") {
    CHECK(majority_of(1) == 1);
    CHECK(majority_of(2) == 2);
    CHECK(majority_of(3) == 2);
    CHECK(majority_of(4) == 3);
    CHECK(majority_of(5) == 3);
}

TEST_CASE("a fleet of one decides on its own verdict, as a single instance always did") {
    const auto seen_down = verdict({down}, 1);
    CHECK(seen_down.outcome == Outcome::down);
    CHECK(seen_down.down_votes == 1);
    CHECK(seen_down.voters == 1);
    CHECK_FALSE(seen_down.alone);
    CHECK(verdict({up}, 1).outcome == Outcome::up);
    const auto not_probed = verdict({no_verdict}, 1);
    CHECK(not_probed.outcome == Outcome::no_decision);
    CHECK(not_probed.voters == 0);
}

TEST_CASE("two nameservers, quorum 2: both must see the endpoint down") {
    CHECK(verdict({down, down}, 2).outcome == Outcome::down);
    // One vantage point cut off from the AZ does not fence it.
    const auto one_sees_down = verdict({down, up}, 2);
    CHECK(one_sees_down.outcome == Outcome::up);
    CHECK(one_sees_down.down_votes == 1);
    CHECK(one_sees_down.voters == 2);
    CHECK_FALSE(one_sees_down.alone);
    // The peer is stale: alone, this instance's own verdict is the majority.
    const auto peer_stale = verdict({down, stale_up}, 2);
    CHECK(peer_stale.outcome == Outcome::down);
    CHECK(peer_stale.voters == 1);
    CHECK(peer_stale.alone);
    CHECK(verdict({up, stale_down}, 2).outcome == Outcome::up);
}

TEST_CASE("two nameservers, quorum 1: either one seeing it down is enough") {
    CHECK(verdict({down, up}, 1).outcome == Outcome::down);
    CHECK(verdict({up, down}, 1).outcome == Outcome::down);
    CHECK(verdict({up, up}, 1).outcome == Outcome::up);
}

TEST_CASE("three nameservers, quorum 2") {
    CHECK(verdict({down, down, up}, 2).outcome == Outcome::down);
    CHECK(verdict({up, down, down}, 2).outcome == Outcome::down);
    // One vantage point cut off from the AZ: no fence, whichever it is.
    CHECK(verdict({down, up, up}, 2).outcome == Outcome::up);
    CHECK(verdict({up, up, down}, 2).outcome == Outcome::up);
    // One peer stale: the two left are still a quorum, and both must agree.
    const auto one_stale = verdict({down, stale_down, up}, 2);
    CHECK(one_stale.outcome == Outcome::up);
    CHECK(one_stale.voters == 2);
    CHECK(one_stale.down_votes == 1);
    CHECK_FALSE(one_stale.alone);
    CHECK(verdict({down, stale_up, down}, 2).outcome == Outcome::down);
    // Both peers stale: alone on its own verdict.
    const auto cut_off = verdict({down, stale_up, stale_up}, 2);
    CHECK(cut_off.outcome == Outcome::down);
    CHECK(cut_off.alone);
}

TEST_CASE("three nameservers: this instance impaired follows its peers") {
    // Its own vote does not count (impaired is counts = false too).
    CHECK(verdict({stale_down, up, up}, 2).outcome == Outcome::up);
    CHECK(verdict({stale_up, down, down}, 2).outcome == Outcome::down);
    // Alone with one peer that counts: the peer decides.
    const auto one_peer = verdict({stale_down, up, stale_down}, 2);
    CHECK(one_peer.outcome == Outcome::up);
    CHECK(one_peer.voters == 1);
    CHECK(one_peer.alone);
}

TEST_CASE("five nameservers, quorum 3") {
    CHECK(verdict({down, down, down, up, up}, 3).outcome == Outcome::down);
    CHECK(verdict({down, down, up, up, up}, 3).outcome == Outcome::up);
    // Two stale: the three left are a quorum, all three must see it down.
    CHECK(verdict({down, down, up, stale_down, stale_down}, 3).outcome == Outcome::up);
    CHECK(verdict({down, down, down, stale_up, stale_up}, 3).outcome == Outcome::down);
    // Three stale: alone with two voters, down needs both (a majority of 2).
    const auto two_left = verdict({down, up, stale_down, stale_down, stale_down}, 3);
    CHECK(two_left.outcome == Outcome::up);
    CHECK(two_left.voters == 2);
    CHECK(two_left.alone);
    CHECK(verdict({down, down, stale_up, stale_up, stale_up}, 3).outcome == Outcome::down);
}

TEST_CASE("a vantage point without a verdict yet is no voter") {
    const auto verdicts = verdict({down, no_verdict, down}, 2);
    CHECK(verdicts.outcome == Outcome::down);
    CHECK(verdicts.voters == 2);
    const auto one_voter = verdict({down, no_verdict, no_verdict}, 2);
    CHECK(one_voter.outcome == Outcome::down);
    CHECK(one_voter.alone);
}

TEST_CASE("alone, a tie keeps the endpoint up") {
    // Four of five stale or silent would leave two; two voters that disagree
    // are a tie, and a majority of two is two.
    const auto tie = verdict({down, up, no_verdict, stale_down, stale_down}, 3);
    CHECK(tie.outcome == Outcome::up);
    CHECK(tie.down_votes == 1);
    CHECK(tie.voters == 2);
    CHECK(tie.alone);
    // Four voters, two down, against a quorum of 5 of 7: a tie again.
    CHECK(verdict({down, down, up, up, stale_down, stale_down, stale_down}, 5).outcome == Outcome::up);
    CHECK(verdict({down, down, down, up, stale_up, stale_up, stale_up}, 5).outcome == Outcome::down);
}

TEST_CASE("no vantage point that counts has a verdict: no decision") {
    const auto nobody = verdict({stale_down, stale_down, no_verdict}, 2);
    CHECK(nobody.outcome == Outcome::no_decision);
    CHECK(nobody.voters == 0);
    CHECK(nobody.down_votes == 0);
    CHECK(nobody.alone);
    CHECK(verdict({}, 1).outcome == Outcome::no_decision);
}
