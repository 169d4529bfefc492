#include "fleet_quorum.hpp"

#include <cassert>

#include "config.hpp"

namespace azdns {

QuorumVerdict quorum_verdict(std::span<const VantageVote> votes, unsigned quorum) {
    assert(quorum >= 1);
    QuorumVerdict verdict;
    for (const auto& vote : votes) {
        if (!vote.counts || vote.vote == Vote::none) continue;
        ++verdict.voters;
        if (vote.vote == Vote::down) ++verdict.down_votes;
    }
    verdict.alone = verdict.voters < quorum;
    if (verdict.voters == 0) return verdict;
    // Alone, a majority of what is left decides: a tie keeps the endpoint up,
    // as a fence needs more evidence than an answer with the endpoint in it.
    const unsigned needed = verdict.alone ? majority_of(verdict.voters) : quorum;
    verdict.outcome = verdict.down_votes >= needed ? QuorumVerdict::Outcome::down : QuorumVerdict::Outcome::up;
    return verdict;
}

}  // namespace azdns
