// HealthState in a fleet (docs/fleet.md): peers' reports and votes, the
// quorum's verdict on each endpoint, an impaired prober (peers' view and
// canaries), deciding alone, and this instance's own report. The local
// half (probes, AZs, fences) is health_state.cpp.
#include <algorithm>
#include <map>

#include "fleet_quorum.hpp"
#include "health_state.hpp"

namespace azdns {

void HealthState::set_canaries(const std::vector<std::pair<EndpointId, const CheckConfig*>>& canaries,
                               HealthTime now) {
    std::map<EndpointId, Endpoint, EndpointIdLess> next;
    for (const auto& [id, check] : canaries) {
        auto known = canaries_.find(id);
        Endpoint canary = known != canaries_.end() ? known->second
                                                   : Endpoint{EndpointHealth(EndpointStatus::unknown, now), "", 0, 0};
        canary.rise = check->rise;
        canary.fall = check->fall;
        next.insert_or_assign(id, std::move(canary));
    }
    canaries_ = std::move(next);
}

// Every canary's latest probe failed. Not after `fall`: an endpoint flips
// only after `fall` failures, and by then this must already hold, so that
// the failing path's verdicts never reach the answers.
bool HealthState::canaries_down() const {
    if (canaries_.empty()) return false;
    return std::all_of(canaries_.begin(), canaries_.end(),
                       [](const auto& canary) { return canary.second.health.last_failed(); });
}

std::vector<HealthTransition> HealthState::set_fleet(const FleetConfig& fleet, HealthTime now) {
    self_ = fleet.name;
    quorum_ = fleet.quorum;
    fail_static_max_ = fleet.fail_static_max;
    peers_.configure(fleet.peers, fleet.stale_after);
    impaired_dirty_ = true;
    std::vector<HealthTransition> out;
    settle_fleet(now, out);
    judge_all(now, out);
    return out;
}

HealthState::PeerReceipt HealthState::receive_report(const FleetReport& report, HealthTime now) {
    PeerReceipt receipt;
    const unsigned counting_before = peers_.counting();
    receipt.received = peers_.receive(report, now, [&](const EndpointId& id) { return endpoints_.contains(id); });
    impaired_dirty_ = true;
    if (receipt.received.receipt != FleetPeers::Receipt::accepted &&
        receipt.received.receipt != FleetPeers::Receipt::confirmed)
        return receipt;
    for (const FleetFence& fence : report.fences) {
        Az* az = find_az(fence.az);
        if (az == nullptr) {
            receipt.ignored_fences.push_back(fence.az);
            continue;
        }
        if (!(az->fleet_fence.version < fence.version)) continue;
        FleetFenceRecord record{fence.fenced, ManualFence{fence.reason, std::nullopt}, fence.version, now,
                                !fence.fenced && fence.skip_ramp};
        if (fence.expires_in) {
            record.fence.expires = now + *fence.expires_in;
            record.fenced = record.fenced && fence.expires_in->count() > 0;
        }
        receipt.transitions.push_back({HealthTransition::Kind::fence_adopted, fence.az,
                                       std::string(record.fenced ? "fenced" : "lifted") + " by " +
                                           fence.version.instance + (fence.reason.empty() ? "" : ": " + fence.reason),
                                       now});
        set_fleet_fence(*az, record, now, receipt.transitions);
    }
    settle_fleet(now, receipt.transitions);
    if (receipt.received.receipt != FleetPeers::Receipt::accepted) return receipt;
    // A whole report, or a peer whose votes began or stopped counting
    // (impaired, or back): every endpoint again.
    if (!report.base || peers_.counting() != counting_before) {
        judge_all(now, receipt.transitions);
        return receipt;
    }
    // A delta changed only the votes it names.
    for (const ReportedEndpoint& changed : report.endpoints)
        if (auto found = endpoints_.find(changed.id); found != endpoints_.end())
            judge(found->first, found->second, now, receipt.transitions);
    return receipt;
}

FleetReport HealthState::own_report(HealthTime now, bool full, std::uint64_t since) const {
    using std::chrono::duration_cast;
    using std::chrono::milliseconds;
    auto age = [&](HealthTime t) { return std::max(milliseconds(0), duration_cast<milliseconds>(now - t)); };
    FleetReport report;
    report.name = self_;
    report.impaired = impaired_;
    report.full = full;
    if (!full) return report;
    // An endpoint that left cannot be said in a delta: then the whole state.
    const bool delta = since != 0 && since >= last_removal_ && since < changes_;
    if (delta) report.base = since;
    for (const auto& [id, endpoint] : endpoints_) {
        const EndpointHealth& health = endpoint.health;
        if (health.status() == EndpointStatus::unknown || (delta && endpoint.changed_at <= since)) continue;
        report.endpoints.push_back({id, health.status(), age(health.since()),
                                    endpoint.probed ? age(*endpoint.probed) : milliseconds(0),
                                    health.last_error().substr(0, max_report_error_bytes)});
    }
    for (const Az& az : azs_) {
        const FleetFenceRecord& record = az.fleet_fence;
        if (record.version.counter == 0 || (delta && az.fence_changed_at <= since)) continue;
        FleetFence fence{az.config.name, record.fenced, record.fence.reason.substr(0, max_fence_reason_bytes),
                         std::nullopt, record.version};
        fence.skip_ramp = !record.fenced && record.skip_ramp;
        if (record.fenced && record.fence.expires)
            fence.expires_in = std::max(milliseconds(1), duration_cast<milliseconds>(*record.fence.expires - now));
        report.fences.push_back(std::move(fence));
    }
    return report;
}

std::vector<VantageView> HealthState::votes_on(const EndpointId& id, const Endpoint& endpoint) const {
    std::vector<NamedVote> peers;
    peers_.votes(id, peers);
    std::vector<VantageView> out;
    out.reserve(1 + peers.size());
    const EndpointStatus own = endpoint.health.status();
    out.push_back({self_, own == EndpointStatus::unknown ? Vote::none : own == EndpointStatus::down ? Vote::down : Vote::up,
                   own_counts_, false});
    for (const NamedVote& peer : peers) out.push_back({peer.vantage, peer.vote.vote, peer.vote.counts, peer.stale});
    return out;
}

QuorumVerdict HealthState::quorum_verdict_of(const std::vector<VantageView>& votes) const {
    std::vector<VantageVote> plain;
    plain.reserve(votes.size());
    for (const VantageView& v : votes) plain.push_back({v.vote, v.counts});
    return quorum_verdict(plain, quorum_);
}

// The verdict the answers follow: this instance's own in a fleet of one,
// else the quorum's; no vantage point with a verdict keeps the last one.
void HealthState::judge(const EndpointId& id, Endpoint& endpoint, HealthTime now,
                        std::vector<HealthTransition>& out) {
    // Impaired with no one to follow, the last verdict holds (fail-static).
    EndpointStatus next = own_counts_ ? endpoint.health.status() : endpoint.verdict;
    std::string why;
    if (!peers_.empty()) {
        const std::vector<VantageView> votes = votes_on(id, endpoint);
        const QuorumVerdict verdict = quorum_verdict_of(votes);
        next = verdict.outcome == QuorumVerdict::Outcome::down ? EndpointStatus::down
               : verdict.outcome == QuorumVerdict::Outcome::up ? EndpointStatus::up
                                                                : endpoint.verdict;
        if (next != endpoint.verdict) why = describe_votes(votes, verdict, quorum_);
    }
    if (next == endpoint.verdict) return;
    endpoint.verdict = next;
    endpoint.verdict_since = now;
    if (!peers_.empty() && next != EndpointStatus::unknown)
        out.push_back({next == EndpointStatus::down ? HealthTransition::Kind::verdict_down
                                                    : HealthTransition::Kind::verdict_up,
                       id.to_string(), why, now});
    if (Az* owner = find_az(endpoint.az)) update_az(*owner, now, out);
}

void HealthState::judge_all(HealthTime now, std::vector<HealthTransition>& out) {
    for (auto& [id, endpoint] : endpoints_) judge(id, endpoint, now, out);
}

// Most endpoints of every AZ down from here, while the peers see them up:
// this prober's own path is broken, not the AZs. With no peer to compare
// against, an impaired prober stays impaired while it still sees most of
// every AZ down.
bool HealthState::looks_impaired() const {
    if (canaries_down()) return true;  // targets outside every AZ fail too: the path is ours
    struct Tally {
        unsigned total = 0;
        unsigned down_here = 0;
        unsigned up_elsewhere = 0;
    };
    std::map<std::string, Tally> by_az;
    for (const auto& [id, endpoint] : endpoints_) {
        if (endpoint.az.empty()) continue;
        Tally& tally = by_az[endpoint.az];
        ++tally.total;
        tally.down_here += endpoint.health.status() == EndpointStatus::down ? 1 : 0;
    }
    if (by_az.empty()) return false;
    for (const auto& [az, tally] : by_az)
        if (tally.down_here * 2 <= tally.total) return false;
    // No peer to compare with: canaries that answer say the path is fine;
    // without canaries, an impaired prober stays so.
    if (peers_.counting() == 0) return canaries_.empty() && impaired_;
    // Only now the costlier look at the peers' votes, which is rare.
    for (const auto& [id, endpoint] : endpoints_) {
        if (endpoint.az.empty() || endpoint.health.status() != EndpointStatus::down) continue;
        if (peers_.see_up(id)) ++by_az[endpoint.az].up_elsewhere;
    }
    for (const auto& [az, tally] : by_az)
        if (tally.up_elsewhere * 2 <= tally.total) return false;
    return true;
}

// Peers going stale or fresh, this prober impaired or not, fail-static
// running out, deciding alone or not: each changes whose votes count, so
// every endpoint is judged again.
void HealthState::settle_fleet(HealthTime now, std::vector<HealthTransition>& out) {
    if (peers_.empty() && canaries_.empty() && !impaired_ && !alone_since_) return;  // nothing to settle
    bool changed = false;
    for (const auto& [name, fresh] : peers_.refresh(now)) {
        out.push_back({fresh ? HealthTransition::Kind::peer_found : HealthTransition::Kind::peer_lost, name,
                       fresh ? "its state arrived" : "no state from it within stale_after", now});
        changed = true;
        impaired_dirty_ = true;
    }
    // Counting every endpoint is for when something it reads has changed,
    // not for every tick.
    const bool impaired = impaired_dirty_ ? looks_impaired() : impaired_;
    impaired_dirty_ = false;
    if (impaired != impaired_) {
        impaired_ = impaired;
        impaired_since_ = impaired ? std::optional(now) : std::nullopt;
        ++changes_;
        changed = true;
        out.push_back({impaired ? HealthTransition::Kind::impaired_start : HealthTransition::Kind::impaired_end,
                       self_,
                       impaired ? (canaries_down() ? "every canary check fails from here"
                                                   : "most endpoints of every AZ fail from here while peers see them up")
                                : "this prober sees the endpoints as its peers do again",
                       now});
    }
    // Impaired with no peer to follow: hold the last verdicts (fail-static)
    // for fail_static_max, then decide on its own probes again.
    const bool unfollowed = impaired_ && peers_.counting() == 0;
    if (!unfollowed) unfollowed_since_.reset();
    else if (!unfollowed_since_) unfollowed_since_ = now;
    const bool own_counts = !impaired_ || (unfollowed_since_ && now - *unfollowed_since_ >= fail_static_max_);
    if (own_counts != own_counts_) {
        own_counts_ = own_counts;
        changed = true;
    }
    const bool alone = !peers_.empty() && (own_counts_ ? 1u : 0u) + peers_.counting() < quorum_;
    if (alone != alone_since_.has_value()) {
        alone_since_ = alone ? std::optional(now) : std::nullopt;
        out.push_back({alone ? HealthTransition::Kind::alone_start : HealthTransition::Kind::alone_end, self_,
                       std::to_string((own_counts_ ? 1u : 0u) + peers_.counting()) + " of " +
                           std::to_string(1 + peers_.views().size()) + " vantage points count, quorum " +
                           std::to_string(quorum_),
                       now});
    }
    if (changed) judge_all(now, out);
}

}  // namespace azdns
