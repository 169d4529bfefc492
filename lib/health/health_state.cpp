#include "health_state.hpp"

#include <algorithm>
#include <tuple>
#include <utility>

#include "fleet_quorum.hpp"
#include "ramp_share.hpp"

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
    for (const auto& config : azs) azs_.push_back(Az{config, false, {}, {}, {}, {}, 0, FenceReason::none, now});
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
        endpoint.changed_at = ++changes_;  // peers hear of it
    }
    impaired_dirty_ = true;
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
            next.push_back(Az{config, false, {}, {}, {}, {}, 0, FenceReason::none, now});
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
    if (found->second.health.status() != EndpointStatus::unknown) last_removal_ = ++changes_;
    impaired_dirty_ = true;
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
    az.fence_changed_at = ++changes_;
    // A lifting by `unfence --now`, here or on a peer: no ramp, and none left.
    const bool skip_ramp = !record.fenced && record.skip_ramp;
    update_az(az, now, out, !skip_ramp);
    if (skip_ramp && az.ramp_since) end_ramp(az, now, "skipped (unfence --now)", out);
}

std::vector<HealthTransition> HealthState::record_probe(const EndpointId& id,
                                                        const ProbeResult& result, HealthTime now) {
    std::vector<HealthTransition> out;
    // A canary is judged on its own; advance() looks at them all.
    if (auto canary = canaries_.find(id); canary != canaries_.end()) {
        std::string why;
        canary->second.health.record(result, canary->second.rise, canary->second.fall, now, why);
        canary->second.probed = now;
        impaired_dirty_ = true;
        settle_fleet(now, out);  // at once: the endpoints' results that follow must find it impaired
    }
    auto found = endpoints_.find(id);
    if (found == endpoints_.end()) return out;
    Endpoint& endpoint = found->second;
    std::string why;
    auto flipped = endpoint.health.record(result, endpoint.rise, endpoint.fall, now, why);
    endpoint.probed = now;
    if (!flipped) return out;
    endpoint.changed_at = ++changes_;
    impaired_dirty_ = true;
    out.push_back({*flipped == EndpointStatus::down ? HealthTransition::Kind::endpoint_down
                                                    : HealthTransition::Kind::endpoint_up,
                   id.to_string(), why, now});
    judge(id, endpoint, now, out);
    return out;
}

std::vector<HealthTransition> HealthState::advance(HealthTime now) {
    latest_ = std::max(latest_, now);
    std::vector<HealthTransition> out;
    settle_fleet(now, out);
    for (Az& az : azs_) {
        bool expired = false;
        if (az.local_fence && az.local_fence->expires && *az.local_fence->expires <= now) {
            az.local_fence.reset();
            expired = true;
        }
        // Every instance ends an expiring fleet-wide fence at the same
        // moment: no new version, so no peer's copy can outrank it.
        FleetFenceRecord& fleet = az.fleet_fence;
        if (fleet.fenced && fleet.fence.expires && *fleet.fence.expires <= now) {
            fleet.fenced = false;
            az.fence_changed_at = ++changes_;
            expired = true;
        }
        // Endpoints' changes judge their AZ as they come; time alone matters
        // only to an expiry, to an AZ waiting out restore_after and to a
        // ramp. Judging the others would count every endpoint at every tick.
        if (expired || az.health_fenced) update_az(az, now, out);
        else end_finished_ramp(az, now, out);
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

FenceOutcome HealthState::unfence(const std::string& name, HealthTime now, FenceScope scope, bool skip_ramp) {
    FenceOutcome outcome{FenceOutcome::Status::applied, {}, {}};
    Az* az = find_az(name);
    if (az == nullptr) {
        outcome.status = FenceOutcome::Status::unknown_az;
        return outcome;
    }
    az->local_fence.reset();
    if (scope == FenceScope::fleet) {
        const FenceVersion next{az->fleet_fence.version.counter + 1, self_};
        set_fleet_fence(*az, {false, {}, next, now, skip_ramp}, now, outcome.transitions);
    } else {
        update_az(*az, now, outcome.transitions, !skip_ramp);
        if (skip_ramp && az->ramp_since) end_ramp(*az, now, "skipped (unfence --now)", outcome.transitions);
    }
    return outcome;
}

HealthSnapshot HealthState::snapshot(HealthTime now) const {
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
        view.ramp = az.config.ramp;
        view.ramp_since = az.ramp_since;
        if (az.ramp_since)
            view.answer_permille =
                ramp_permille(az.config.ramp, std::chrono::duration_cast<Duration>(now - *az.ramp_since));
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

std::optional<Duration> HealthState::ramp_republish_period() const {
    std::optional<Duration> shortest;
    for (const Az& az : azs_) {
        if (!az.ramp_since) continue;
        const Duration period = azdns::ramp_republish_period(az.config.ramp);
        if (!shortest || period < *shortest) shortest = period;
    }
    return shortest;
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
void HealthState::update_az(Az& az, HealthTime now, std::vector<HealthTransition>& out, bool may_ramp) {
    latest_ = std::max(latest_, now);
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
    if (reason == az.shown) {
        end_finished_ramp(az, now, out);  // a reload may have shortened or removed it
        return;
    }
    az.shown = reason;
    az.since = now;
    // Fenced is fenced: a fence ends a ramp, and the next restore starts anew.
    az.ramp_since.reset();
    std::string share_text = std::to_string(static_cast<int>(share * 100 + 0.5)) + "% of endpoints up";
    switch (reason) {
    case FenceReason::none:
        if (may_ramp && az.config.ramp.count() > 0) {
            az.ramp_since = now;
            share_text += "; back in every answer over " + duration_text(az.config.ramp);
        }
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

void HealthState::end_ramp(Az& az, HealthTime now, const std::string& why, std::vector<HealthTransition>& out) {
    az.ramp_since.reset();
    out.push_back({HealthTransition::Kind::az_ramp_end, az.config.name, why, now});
}

// Past its end, or its [[az]] ramp shortened by a reload.
void HealthState::end_finished_ramp(Az& az, HealthTime now, std::vector<HealthTransition>& out) {
    if (!az.ramp_since || now - *az.ramp_since < az.config.ramp) return;
    end_ramp(az, now, az.config.ramp.count() > 0 ? "ramp of " + duration_text(az.config.ramp) + " done"
                                                 : "ramp removed from the config",
             out);
}

}  // namespace azdns
