#include "health_state.hpp"

#include <algorithm>
#include <tuple>
#include <utility>

#include "fleet_quorum.hpp"

namespace azdns {

std::string EndpointId::to_string() const { return address.to_string() + " " + check; }

bool EndpointIdLess::operator()(const EndpointId& a, const EndpointId& b) const {
    return std::tie(a.address.family, a.address.bytes, a.check) <
           std::tie(b.address.family, b.address.bytes, b.check);
}

const EndpointView* HealthSnapshot::endpoint(const EndpointId& id) const {
    for (const auto& view : endpoints)
        if (view.id == id) return &view;
    return nullptr;
}

const AzView* HealthSnapshot::az(const std::string& name) const {
    for (const auto& view : azs)
        if (view.name == name) return &view;
    return nullptr;
}

HealthState::HealthState(const std::vector<AzConfig>& azs,
                         std::map<std::string, std::set<std::string>> service_azs, HealthTime now)
    : service_azs_(std::move(service_azs)) {
    for (const auto& config : azs) azs_.push_back(Az{config, false, {}, {}, {}, {}, FenceReason::none, now});
}

std::vector<HealthTransition> HealthState::add_endpoint(const EndpointId& id, const std::string& az,
                                                        const CheckConfig& check,
                                                        EndpointStatus initial, HealthTime now) {
    // An id already present keeps its state: a reload must not forget health.
    auto [it, added] = endpoints_.try_emplace(id, Endpoint{EndpointHealth(initial, now), az, check.rise, check.fall});
    std::vector<HealthTransition> out;
    std::string previous_az = it->second.az;
    Endpoint& endpoint = it->second;
    if (!added) {
        endpoint.az = az;
        endpoint.rise = check.rise;
        endpoint.fall = check.fall;
    } else if (initial != EndpointStatus::unknown) {
        ++changes_;  // peers hear of it
    }
    judge(id, endpoint, now, out);
    if (Az* owner = find_az(az)) update_az(*owner, now, out);
    if (previous_az != az) {
        if (Az* left = find_az(previous_az)) update_az(*left, now, out);
    }
    return out;
}

std::vector<HealthTransition> HealthState::set_azs(const std::vector<AzConfig>& azs, HealthTime now) {
    std::vector<Az> next;
    for (const AzConfig& config : azs) {
        if (Az* known = find_az(config.name)) {
            next.push_back(std::move(*known));
            next.back().config = config;
        } else {
            next.push_back(Az{config, false, {}, {}, {}, {}, FenceReason::none, now});
        }
    }
    azs_ = std::move(next);
    std::vector<HealthTransition> out;
    for (Az& az : azs_) update_az(az, now, out);  // fence_below or restore_after may have changed
    return out;
}

std::vector<HealthTransition> HealthState::remove_endpoint(const EndpointId& id, HealthTime now) {
    std::vector<HealthTransition> out;
    auto found = endpoints_.find(id);
    if (found == endpoints_.end()) return out;
    std::string az = found->second.az;
    if (found->second.health.status() != EndpointStatus::unknown) ++changes_;
    endpoints_.erase(found);
    peers_.forget(id);
    if (Az* owner = find_az(az)) update_az(*owner, now, out);
    return out;
}

std::vector<HealthTransition> HealthState::restore_local_fence(const std::string& name, const ManualFence& fence,
                                                               HealthTime since) {
    std::vector<HealthTransition> out;
    Az* az = find_az(name);
    if (az == nullptr) return out;  // the AZ left the config: its fence goes with it
    az->local_fence = fence;
    az->local_since = since;
    update_az(*az, since, out);
    return out;
}

std::vector<HealthTransition> HealthState::restore_fleet_fence(const std::string& name,
                                                               const FleetFenceRecord& record) {
    std::vector<HealthTransition> out;
    if (Az* az = find_az(name)) set_fleet_fence(*az, record, record.since, out);
    return out;
}

void HealthState::set_fleet_fence(Az& az, const FleetFenceRecord& record, HealthTime now,
                                  std::vector<HealthTransition>& out) {
    az.fleet_fence = record;
    ++changes_;
    update_az(az, now, out);
}

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

std::vector<HealthTransition> HealthState::record_probe(const EndpointId& id,
                                                        const ProbeResult& result, HealthTime now) {
    std::vector<HealthTransition> out;
    // A canary is judged on its own; advance() looks at them all.
    if (auto canary = canaries_.find(id); canary != canaries_.end()) {
        std::string why;
        canary->second.health.record(result, canary->second.rise, canary->second.fall, now, why);
        canary->second.probed = now;
        settle_fleet(now, out);  // at once: the endpoints' results that follow must find it impaired
    }
    auto found = endpoints_.find(id);
    if (found == endpoints_.end()) return out;
    Endpoint& endpoint = found->second;
    std::string why;
    auto flipped = endpoint.health.record(result, endpoint.rise, endpoint.fall, now, why);
    endpoint.probed = now;
    if (!flipped) return out;
    ++changes_;
    out.push_back({*flipped == EndpointStatus::down ? HealthTransition::Kind::endpoint_down
                                                    : HealthTransition::Kind::endpoint_up,
                   id.to_string(), why, now});
    judge(id, endpoint, now, out);
    return out;
}

std::vector<HealthTransition> HealthState::advance(HealthTime now) {
    std::vector<HealthTransition> out;
    settle_fleet(now, out);
    for (Az& az : azs_) {
        if (az.local_fence && az.local_fence->expires && *az.local_fence->expires <= now) az.local_fence.reset();
        // Every instance ends an expiring fleet-wide fence at the same
        // moment: no new version, so no peer's copy can outrank it.
        FleetFenceRecord& fleet = az.fleet_fence;
        if (fleet.fenced && fleet.fence.expires && *fleet.fence.expires <= now) {
            fleet.fenced = false;
            ++changes_;
        }
        update_az(az, now, out);
    }
    return out;
}

FenceOutcome HealthState::fence(const std::string& name, const std::string& reason,
                                std::optional<HealthTime> expires, bool force, HealthTime now, FenceScope scope) {
    FenceOutcome outcome{FenceOutcome::Status::applied, {}, {}};
    Az* az = find_az(name);
    if (az == nullptr) {
        outcome.status = FenceOutcome::Status::unknown_az;
        return outcome;
    }
    if (!force) {
        for (const auto& [service, service_azs] : service_azs_) {
            if (!service_azs.contains(name)) continue;
            bool other_up = false;
            for (const Az& other : azs_)
                other_up |= other.config.name != name && service_azs.contains(other.config.name) &&
                            other.shown == FenceReason::none;
            if (!other_up) outcome.stranded_services.push_back(service);
        }
        if (!outcome.stranded_services.empty()) {
            outcome.status = FenceOutcome::Status::would_strand;
            return outcome;
        }
    }
    if (scope == FenceScope::local) {
        az->local_fence = ManualFence{reason, expires};
        az->local_since = now;
        update_az(*az, now, outcome.transitions);
    } else {
        const FenceVersion next{az->fleet_fence.version.counter + 1, self_};
        set_fleet_fence(*az, {true, ManualFence{reason, expires}, next, now}, now, outcome.transitions);
    }
    return outcome;
}

FenceOutcome HealthState::unfence(const std::string& name, HealthTime now, FenceScope scope) {
    FenceOutcome outcome{FenceOutcome::Status::applied, {}, {}};
    Az* az = find_az(name);
    if (az == nullptr) {
        outcome.status = FenceOutcome::Status::unknown_az;
        return outcome;
    }
    az->local_fence.reset();
    if (scope == FenceScope::fleet) {
        const FenceVersion next{az->fleet_fence.version.counter + 1, self_};
        set_fleet_fence(*az, {false, {}, next, now}, now, outcome.transitions);
    } else {
        update_az(*az, now, outcome.transitions);
    }
    return outcome;
}

HealthSnapshot HealthState::snapshot() const {
    HealthSnapshot snap;
    snap.endpoints.reserve(endpoints_.size());
    for (const auto& [id, endpoint] : endpoints_) {
        const EndpointHealth& health = endpoint.health;
        EndpointView view{id,           endpoint.az,         endpoint.verdict, endpoint.verdict_since,
                          health.last_error(), health.rtt(), health.status(),  health.since(),
                          endpoint.probed};
        if (!peers_.empty()) {
            view.votes = votes_on(id, endpoint);
            view.verdict = quorum_verdict_of(view.votes);
            view.votes_text = describe_votes(view.votes, view.verdict, quorum_);
        }
        snap.endpoints.push_back(std::move(view));
    }
    for (const Az& az : azs_) {
        const ManualFence* manual = manual_of(az);
        AzView view{az.config.name, az.shown, manual ? std::optional(*manual) : std::nullopt,
                    up_share(az.config.name), az.since};
        view.manual_local = az.local_fence.has_value();
        view.local_fence = az.local_fence;
        view.local_since = az.local_since;
        view.fleet_fence = az.fleet_fence;
        snap.azs.push_back(std::move(view));
    }
    FleetView& fleet = snap.fleet;
    fleet.self = self_;
    fleet.quorum = quorum_;
    fleet.peers = peers_.views();
    fleet.vantage_points = 1 + static_cast<unsigned>(fleet.peers.size());
    fleet.alone = alone_since_.has_value();
    fleet.alone_since = alone_since_;
    fleet.impaired = impaired_;
    fleet.impaired_since = impaired_since_;
    fleet.fail_static = impaired_ && !own_counts_;
    return snap;
}

std::vector<HealthTransition> HealthState::set_fleet(const FleetConfig& fleet, HealthTime now) {
    self_ = fleet.name;
    quorum_ = fleet.quorum;
    fail_static_max_ = fleet.fail_static_max;
    peers_.configure(fleet.peers, fleet.stale_after);
    std::vector<HealthTransition> out;
    settle_fleet(now, out);
    judge_all(now, out);
    return out;
}

HealthState::PeerReceipt HealthState::receive_report(const FleetReport& report, HealthTime now) {
    PeerReceipt receipt;
    receipt.received = peers_.receive(report, now, [&](const EndpointId& id) { return endpoints_.contains(id); });
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
        FleetFenceRecord record{fence.fenced, ManualFence{fence.reason, std::nullopt}, fence.version, now};
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
    if (receipt.received.receipt == FleetPeers::Receipt::accepted) judge_all(now, receipt.transitions);
    return receipt;
}

FleetReport HealthState::own_report(HealthTime now) const {
    using std::chrono::duration_cast;
    using std::chrono::milliseconds;
    auto age = [&](HealthTime t) { return std::max(milliseconds(0), duration_cast<milliseconds>(now - t)); };
    FleetReport report;
    report.name = self_;
    report.impaired = impaired_;
    for (const auto& [id, endpoint] : endpoints_) {
        const EndpointHealth& health = endpoint.health;
        if (health.status() == EndpointStatus::unknown) continue;
        report.endpoints.push_back({id, health.status(), age(health.since()),
                                    endpoint.probed ? age(*endpoint.probed) : milliseconds(0),
                                    health.last_error().substr(0, max_report_error_bytes)});
    }
    for (const Az& az : azs_) {
        const FleetFenceRecord& record = az.fleet_fence;
        if (record.version.counter == 0) continue;
        FleetFence fence{az.config.name, record.fenced, record.fence.reason.substr(0, max_fence_reason_bytes),
                         std::nullopt, record.version};
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
    }
    const bool impaired = looks_impaired();
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

const ManualFence* HealthState::manual_of(const Az& az) const {
    if (az.local_fence) return &*az.local_fence;
    return az.fleet_fence.fenced ? &az.fleet_fence.fence : nullptr;
}

HealthState::Az* HealthState::find_az(const std::string& name) {
    for (Az& az : azs_)
        if (az.config.name == name) return &az;
    return nullptr;
}

double HealthState::up_share(const std::string& az) const {
    unsigned total = 0;
    unsigned up = 0;
    for (const auto& [id, endpoint] : endpoints_) {
        if (endpoint.az != az) continue;
        ++total;
        up += endpoint.verdict != EndpointStatus::down ? 1 : 0;
    }
    // An AZ with nothing probed has nothing to judge it by: never auto-fence it.
    return total == 0 ? 1.0 : static_cast<double>(up) / total;
}

// Re-judges one AZ from its endpoints and the time, and reports a change of
// what the answers see (up, fenced for health, fenced by hand).
void HealthState::update_az(Az& az, HealthTime now, std::vector<HealthTransition>& out) {
    const double share = up_share(az.config.name);
    const bool healthy = share >= az.config.fence_below;
    if (!healthy) {
        az.health_fenced = true;
        // Any dip restarts the wait: restore_after means continuously healthy.
        az.healthy_since.reset();
    } else if (az.health_fenced) {
        if (!az.healthy_since) az.healthy_since = now;
        if (now - *az.healthy_since >= az.config.restore_after) {
            az.health_fenced = false;
            az.healthy_since.reset();
        }
    }

    // Health is judged even under a manual fence, so lifting it shows the
    // AZ's real state at once.
    const ManualFence* manual = manual_of(az);
    const FenceReason reason = manual           ? FenceReason::manual
                               : az.health_fenced ? FenceReason::health
                                                  : FenceReason::none;
    if (reason == az.shown) return;
    az.shown = reason;
    az.since = now;
    std::string share_text = std::to_string(static_cast<int>(share * 100 + 0.5)) + "% of endpoints up";
    switch (reason) {
    case FenceReason::none:
        out.push_back({HealthTransition::Kind::az_restored, az.config.name, share_text, now});
        break;
    case FenceReason::health:
        out.push_back({HealthTransition::Kind::az_fenced, az.config.name, "health: " + share_text, now});
        break;
    case FenceReason::manual:
        out.push_back({HealthTransition::Kind::az_fenced, az.config.name, "manual: " + manual->reason, now});
        break;
    }
}

}  // namespace azdns
