// The health of every probed endpoint and every AZ (spec: "Health"), and the
// manual fences. Pure and deterministic: no clock reads, no I/O; every call
// takes `now`. Calls that can change answers return the transitions they
// caused: an empty list means the answers need no recomputing.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "config.hpp"
#include "endpoint_health.hpp"
#include "endpoint_id.hpp"
#include "fleet_peers.hpp"
#include "fleet_quorum.hpp"

namespace azdns {

enum class FenceReason { none, health, manual };

// A manual fence's reason is shown in status tables and log lines, saved
// in state_dir and sent to peers: one line of text, bounded like a commit
// subject rather than by a request's body limit.
inline constexpr std::size_t max_fence_reason_bytes = 256;

struct ManualFence {
    std::string reason;                 // the operator's text, at most max_fence_reason_bytes
    std::optional<HealthTime> expires;  // none = until unfenced
};

// Where a manual fence applies: every instance of the fleet, or this one.
enum class FenceScope { fleet, local };

// The newest fleet-wide change of one AZ's manual fence: set or lifted.
// A lifting is kept too, so that an older setting cannot come back.
struct FleetFenceRecord {
    bool fenced = false;
    ManualFence fence;
    FenceVersion version;  // counter 0: none known
    HealthTime since;
    bool skip_ramp = false;  // a lifting by `unfence --now`: the AZ returns to every answer at once
};

struct EndpointView {
    EndpointId id;
    std::string az;  // empty when the address is in no AZ
    // The verdict the answers follow: the fleet's (docs/fleet.md), which for
    // a fleet of one is this instance's own.
    EndpointStatus status;
    HealthTime since;
    std::string last_error;  // this instance's last probe failure
    std::chrono::microseconds rtt;
    EndpointStatus local = EndpointStatus::unknown;  // this instance's own verdict
    HealthTime local_since{};
    std::optional<HealthTime> probed{};  // this instance's last probe result
    std::vector<VantageView> votes{};    // this instance first, then each peer; empty in a fleet of one
    QuorumVerdict verdict{};
    std::string votes_text{};  // describe_votes(): "seen down by ns1 and ns2 of 3 (quorum 2)"
};

struct AzView {
    std::string name;
    FenceReason fenced;  // none = up; manual wins over health
    std::optional<ManualFence> manual;  // the one in force: local, else fleet-wide
    double up_share;     // 1 for an AZ with no endpoints
    HealthTime since;    // last change of `fenced`
    bool manual_local = false;  // `manual` is a --local fence
    std::optional<ManualFence> local_fence{};
    HealthTime local_since{};
    FleetFenceRecord fleet_fence{};
    // A gentle return after restore (docs/health.md): set while the AZ
    // ramps, from the end of its fence until `ramp` later.
    std::optional<HealthTime> ramp_since{};
    Duration ramp{0};  // its [[az]] ramp
    // The share of answers, in per mille, that carry its addresses when it
    // is not fenced: ramp_permille() when the snapshot was taken, 1000
    // (full_answer_permille) when it is not ramping.
    std::uint16_t answer_permille = 1000;
};

// The instance in its fleet (docs/fleet.md, "Seeing it").
struct FleetView {
    std::string self;
    unsigned quorum = 1;
    unsigned vantage_points = 1;
    bool alone = false;  // fewer vantage points count than the quorum
    std::optional<HealthTime> alone_since;
    bool impaired = false;  // this instance's prober
    std::optional<HealthTime> impaired_since;
    bool fail_static = false;  // impaired and alone: holding the last verdicts
    std::vector<PeerView> peers;
};

// A read-only copy for the answer engine and the control API.
struct HealthSnapshot {
    std::vector<EndpointView> endpoints;  // in EndpointIdLess order
    std::vector<AzView> azs;              // in config order
    FleetView fleet;

    [[nodiscard]] const EndpointView* endpoint(const EndpointId& id) const;
    [[nodiscard]] const AzView* az(const std::string& name) const;
};

struct FenceOutcome {
    enum class Status { applied, unknown_az, would_strand };
    Status status;
    std::vector<std::string> stranded_services;  // would_strand: services left with no AZ up
    std::vector<HealthTransition> transitions;
};

class HealthState {
public:
    // `service_azs`: for each service name, the AZs its addresses belong to
    // (the caller derives it from the zones); used only by the fence safety
    // check.
    HealthState(const std::vector<AzConfig>& azs,
                std::map<std::string, std::set<std::string>> service_azs, HealthTime now);

    // `az` is empty for an address in no AZ. `initial` is `unknown` for an
    // endpoint never seen, or the state restored from disk. An endpoint
    // already known keeps its state and takes the new AZ, rise and fall (a
    // reload may have changed them).
    std::vector<HealthTransition> add_endpoint(const EndpointId& id, const std::string& az,
                                               const CheckConfig& check, EndpointStatus initial,
                                               HealthTime now);

    // The endpoint left the zones: forget it, and re-judge its AZ.
    std::vector<HealthTransition> remove_endpoint(const EndpointId& id, HealthTime now);

    // A reload that changed the [[az]] tables: AZs that stay keep their
    // state (fences, the restore_after wait) under their new settings, new
    // ones start up, removed ones go with their manual fences.
    std::vector<HealthTransition> set_azs(const std::vector<AzConfig>& azs, HealthTime now);

    // A reload may move addresses between services and AZs.
    void set_service_azs(std::map<std::string, std::set<std::string>> service_azs) {
        service_azs_ = std::move(service_azs);
    }

    // The [fleet] section (docs/fleet.md): this vantage point's name, its
    // peers, the quorum, stale_after and fail_static_max. No peers: a fleet
    // of one, whose verdicts are this instance's own. Peers that stay keep
    // what they reported.
    std::vector<HealthTransition> set_fleet(const FleetConfig& fleet, HealthTime now);

    // The canary checks (fleet.canary): probed like endpoints, judged with
    // their check's rise and fall, never in any answer. When every canary
    // is down, this prober is impaired. Canaries that stay keep their state.
    void set_canaries(const std::vector<std::pair<EndpointId, const CheckConfig*>>& canaries, HealthTime now);

    // A manual fence read back from state_dir: applied without the safety
    // check (it passed when it was set), keeping its original `since`.
    std::vector<HealthTransition> restore_local_fence(const std::string& az, const ManualFence& fence,
                                                      HealthTime since);
    // A fleet-wide fence change read back from state_dir, lifting included.
    std::vector<HealthTransition> restore_fleet_fence(const std::string& az, const FleetFenceRecord& record);

    // A result for an endpoint not added is ignored (it left the zones).
    std::vector<HealthTransition> record_probe(const EndpointId& id, const ProbeResult& result,
                                               HealthTime now);

    // Time passing alone restores AZs healthy for `restore_after`, ends
    // expired manual fences and finished ramps, lets peers' states go
    // stale, and judges whether this prober is impaired; call it on every
    // tick.
    std::vector<HealthTransition> advance(HealthTime now);

    // Refused when the AZ is unknown, or when afterwards some service that
    // has addresses in `az` would have no AZ up (in the fleet's verdicts),
    // unless `force`. A fleet-wide change takes the next version.
    FenceOutcome fence(const std::string& az, const std::string& reason, std::optional<HealthTime> expires,
                       bool force, HealthTime now, FenceScope scope = FenceScope::fleet);
    // Fleet-wide: lifts the fleet's fence (a new version) and this
    // instance's local one; local: only the local one. `skip_ramp`: the AZ
    // returns to every answer at once, and a ramp under way ends (fleet-
    // wide: on the peers too).
    FenceOutcome unfence(const std::string& az, HealthTime now, FenceScope scope = FenceScope::fleet,
                         bool skip_ramp = false);

    // A peer's report (docs/fleet.md, "The exchange"): its votes, and its
    // fence changes, newer versions winning.
    struct PeerReceipt {
        FleetPeers::Received received;
        std::vector<HealthTransition> transitions;
        std::vector<std::string> ignored_fences;  // AZs this config does not have
    };
    PeerReceipt receive_report(const FleetReport& report, HealthTime now);

    // What this instance tells its peers: its own verdicts, whether it is
    // impaired, the fleet-wide fence changes it knows. `changes()` grows
    // with each change of any of them.
    // `full` false: a heartbeat (name, impaired, no endpoints or fences),
    // cheap whatever the number of endpoints. `since` non-zero: a delta from
    // the report with that sequence, when one can be made (no endpoint left
    // since); else the whole state.
    [[nodiscard]] FleetReport own_report(HealthTime now, bool full = true, std::uint64_t since = 0) const;
    [[nodiscard]] std::uint64_t changes() const { return changes_; }

    // AZs' answer shares as at `now`; without it, as at the latest time
    // any call passed.
    [[nodiscard]] HealthSnapshot snapshot(HealthTime now) const;
    [[nodiscard]] HealthSnapshot snapshot() const { return snapshot(latest_); }
    // How often the answers must be rebuilt for the ramps under way
    // (ramp_republish_period of the shortest); none when no AZ ramps.
    [[nodiscard]] std::optional<Duration> ramp_republish_period() const;
    [[nodiscard]] std::size_t endpoint_count() const { return endpoints_.size(); }

private:
    struct Endpoint {
        EndpointHealth health;
        std::string az;
        unsigned rise;
        unsigned fall;
        EndpointStatus verdict = EndpointStatus::unknown;  // what the answers follow
        HealthTime verdict_since{};
        std::optional<HealthTime> probed{};
        std::uint64_t changed_at = 0;  // changes_ when its own verdict last changed: what a delta sends
    };
    struct Az {
        AzConfig config;
        bool health_fenced = false;
        std::optional<HealthTime> healthy_since;  // while health-fenced and above the threshold
        std::optional<ManualFence> local_fence;
        HealthTime local_since{};
        FleetFenceRecord fleet_fence{};
        std::uint64_t fence_changed_at = 0;       // changes_ when fleet_fence last changed
        FenceReason shown = FenceReason::none;    // last reported, to detect transitions
        HealthTime since;
        std::optional<HealthTime> ramp_since{};   // while ramping after a restore
    };

    Az* find_az(const std::string& name);
    [[nodiscard]] const ManualFence* manual_of(const Az& az) const;
    [[nodiscard]] double up_share(const std::string& az) const;
    // `may_ramp` false: a restore skips the AZ's ramp (`unfence --now`).
    void update_az(Az& az, HealthTime now, std::vector<HealthTransition>& out, bool may_ramp = true);
    void end_ramp(Az& az, HealthTime now, const std::string& why, std::vector<HealthTransition>& out);
    void end_finished_ramp(Az& az, HealthTime now, std::vector<HealthTransition>& out);
    [[nodiscard]] std::vector<VantageView> votes_on(const EndpointId& id, const Endpoint& endpoint) const;
    [[nodiscard]] QuorumVerdict quorum_verdict_of(const std::vector<VantageView>& votes) const;
    void judge(const EndpointId& id, Endpoint& endpoint, HealthTime now, std::vector<HealthTransition>& out);
    void judge_all(HealthTime now, std::vector<HealthTransition>& out);
    [[nodiscard]] bool looks_impaired() const;
    [[nodiscard]] bool canaries_down() const;
    void settle_fleet(HealthTime now, std::vector<HealthTransition>& out);
    void set_fleet_fence(Az& az, const FleetFenceRecord& record, HealthTime now, std::vector<HealthTransition>& out);

    std::vector<Az> azs_;
    std::map<std::string, std::set<std::string>> service_azs_;
    std::map<EndpointId, Endpoint, EndpointIdLess> endpoints_;
    std::map<EndpointId, Endpoint, EndpointIdLess> canaries_;

    std::string self_;  // fleet.name
    unsigned quorum_ = 1;
    Duration fail_static_max_{600'000};
    FleetPeers peers_;
    bool impaired_ = false;
    std::optional<HealthTime> impaired_since_;
    std::optional<HealthTime> unfollowed_since_;  // impaired with no peer to follow: fail-static
    bool own_counts_ = true;  // this instance's votes count: not impaired, or fail-static ran out
    std::optional<HealthTime> alone_since_;  // while fewer vantage points count than the quorum
    std::uint64_t changes_ = 0;
    bool impaired_dirty_ = true;  // something looks_impaired() reads changed since it last ran
    std::uint64_t last_removal_ = 0;  // changes_ when an endpoint last left: no delta reaches back past it
    HealthTime latest_{};  // the latest `now` seen: what snapshot() without one uses
};

}  // namespace azdns
