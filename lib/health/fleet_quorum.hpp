// The fleet's verdict on one endpoint (docs/fleet.md, "The arithmetic"): each
// vantage point (this instance and its peers) votes up or down, and the
// endpoint counts as down in the answers when a quorum of them sees it down.
// Pure: the caller says which votes count (fresh and not impaired), so tests
// and the exchange share one rule and nothing here reads a clock.
#pragma once

#include <span>
#include <string>
#include <vector>

namespace azdns {

// One vantage point's view of the endpoint; `none` until it has probed it.
enum class Vote { none, up, down };

struct VantageVote {
    Vote vote = Vote::none;
    // Its state is younger than fleet.stale_after and its prober is not
    // impaired; a vote that does not count is left out entirely.
    bool counts = true;
};

struct QuorumVerdict {
    // `no_decision`: no vantage point that counts has a verdict, so the
    // caller keeps the last one it had (fail-static).
    enum class Outcome { up, down, no_decision };
    Outcome outcome = Outcome::no_decision;
    unsigned down_votes = 0;  // among the voters
    unsigned voters = 0;      // vantage points that count and have a verdict
    // Fewer voters than the quorum: the outcome is a majority of the voters
    // this instance has, not of the fleet (status and log say so).
    bool alone = false;
};

// Voters >= quorum: down iff down votes >= quorum. Fewer voters: down iff
// the down votes are a majority of the voters (floor(voters/2)+1); no voter
// at all is no decision. `quorum` is at least 1.
[[nodiscard]] QuorumVerdict quorum_verdict(std::span<const VantageVote> votes, unsigned quorum);

// One vantage point's vote on an endpoint, named, as status and explain
// show it.
struct VantageView {
    std::string vantage;
    Vote vote = Vote::none;
    bool counts = false;  // fresh and not impaired
    bool stale = false;
};

// "seen down by ns1 and ns2 of 3 (quorum 2)", with "deciding alone" when
// fewer voted than the quorum, and the vantage points that did not count.
[[nodiscard]] std::string describe_votes(const std::vector<VantageView>& votes, const QuorumVerdict& verdict,
                                         unsigned quorum);

}  // namespace azdns
