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

namespace {

// "a", "a and b", "a, b and c".
std::string joined(const std::vector<std::string>& names) {
    std::string out;
    for (std::size_t i = 0; i < names.size(); ++i) {
        if (i > 0) out += i + 1 == names.size() ? " and " : ", ";
        out += names[i];
    }
    return out;
}

}  // namespace

std::string describe_votes(const std::vector<VantageView>& votes, const QuorumVerdict& verdict, unsigned quorum) {
    std::vector<std::string> down;
    std::vector<std::string> stale;
    std::vector<std::string> impaired;
    for (const VantageView& v : votes) {
        if (v.counts && v.vote == Vote::down) down.push_back(v.vantage);
        if (!v.counts) (v.stale ? stale : impaired).push_back(v.vantage);
    }
    std::string text = down.empty() ? "seen down by none" : "seen down by " + joined(down);
    text += " of " + std::to_string(verdict.voters) + " (quorum " + std::to_string(quorum) +
            (verdict.alone ? ", deciding alone)" : ")");
    if (!stale.empty()) text += "; stale: " + joined(stale);
    if (!impaired.empty()) text += "; impaired: " + joined(impaired);
    return text;
}

}  // namespace azdns
