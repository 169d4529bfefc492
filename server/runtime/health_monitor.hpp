// The health of the running server (spec: "Health"): probe results flow in
// from the probe thread, manual fences from the control API, time from a
// ticker, new zones from reloads. Each of them updates the HealthState and,
// when answers may change, has the ServingPublisher rebuild the view once:
// the results of one probe-loop turn together (end_of_probe_turn), a fence,
// a tick or a reload alone. State is saved to state_dir off the probe
// thread. The clock is injected, and the probe thread and the ticker only
// call public methods, so tests drive all of it without threads or sleeps.
#pragma once

#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "config.hpp"
#include "health_state.hpp"
#include "health_targets.hpp"
#include "probe_metrics.hpp"
#include "probe_runner.hpp"
#include "serving_publisher.hpp"

namespace azdns {

// Where the monitor reads the time: HealthClock::now in the server, a fake
// clock in tests.
using HealthNow = std::function<HealthTime()>;

class HealthMonitor {
public:
    // `publisher` (whose config is the one at start: state_dir and [server]
    // take effect at the next start) and `probe_metrics` (optional) must
    // outlive the monitor.
    explicit HealthMonitor(ServingPublisher& publisher, HealthNow now = HealthClock::now,
                           ProbeMetrics* probe_metrics = nullptr);
    HealthMonitor(const HealthMonitor&) = delete;
    HealthMonitor& operator=(const HealthMonitor&) = delete;
    ~HealthMonitor();

    // Restores state_dir, takes the endpoints of `zones` (probed once
    // start() runs) and publishes the zones with their view. No threads.
    void restore(std::shared_ptr<const ZoneSet> zones);

    // After restore(): starts the probe thread, waits for the first result
    // of every endpoint not known from state_dir (at most the longest check
    // timeout, plus a margin), and starts the ticker. False with `error`
    // when the probe thread cannot start.
    bool start(std::string& error);

    // A reload: the probed set follows the new zones and config (new
    // endpoints start unknown, gone ones are forgotten, kept ones keep their
    // state under their new AZ, check and thresholds; AZs likewise), and
    // the new zones are published with their view.
    void set_zones(std::shared_ptr<const ZoneSet> zones, std::shared_ptr<const Config> config);

    FenceOutcome fence(const std::string& az, const std::string& reason, std::optional<Duration> for_duration,
                       bool force, FenceScope scope = FenceScope::fleet);
    // `skip_ramp`: `unfence --now` (HealthState::unfence).
    FenceOutcome unfence(const std::string& az, FenceScope scope = FenceScope::fleet, bool skip_ramp = false);

    // The fleet (docs/fleet.md, "The exchange"). A peer's report, decoded:
    // applied and published at once; logged when it is refused.
    FleetPeers::Received receive_report(const FleetReport& report);
    // This instance's own report: generation (this start) and sequence (its
    // changes so far) filled in; `full` false: a heartbeat; `since`: a delta
    // from that sequence when one can be made (HealthState::own_report).
    [[nodiscard]] FleetReport own_report(bool full = true, std::uint64_t since = 0) const;
    // Blocks until the report's sequence differs from `seen`, wake_waiters()
    // is called, or `timeout` passes; returns the sequence then.
    std::uint64_t wait_for_change(std::uint64_t seen, std::chrono::milliseconds timeout);
    void wake_waiters();
    // What the fleet link last saw of a peer: for status and metrics.
    struct PeerLink {
        bool reachable = false;
        std::string error;  // of the last failed exchange
        std::uint64_t sent = 0;  // reports delivered
        std::uint64_t bytes = 0;  // bytes of reports delivered
    };
    void set_peer_link(const std::string& peer, const PeerLink& link);
    [[nodiscard]] std::map<std::string, PeerLink> peer_links() const;

    // A finished probe (the probe thread's sink): judged at once, published
    // by the next end_of_probe_turn().
    void record_probe(const EndpointId& id, const ProbeResult& result);
    // Publishes once what the results since the last publish changed.
    void end_of_probe_turn();
    // Time alone (restore_after, fence expiry, a ramp's growing share),
    // then a save if state_dir is behind: what the ticker does every 50 ms.
    // While an AZ ramps, the answers are rebuilt every
    // HealthState::ramp_republish_period, and once when the ramp ends.
    void tick();

    [[nodiscard]] HealthSnapshot snapshot() const;
    // How many endpoints are probed, without a snapshot's copying.
    [[nodiscard]] std::size_t endpoint_count() const;

    void stop();  // probes, then the ticker (which saves a last time)

private:
    [[nodiscard]] std::chrono::system_clock::time_point to_wall(HealthTime when) const;
    void retarget_locked(const HealthTargets& targets, HealthTime now);
    void apply_locked(const std::vector<HealthTransition>& transitions);
    void publish_locked();
    void run_ticker();
    void save();

    ServingPublisher& publisher_;
    const HealthNow now_;
    const std::string state_dir_;
    const FleetConfig start_fleet_;  // name and peers: restart-only
    ProbeMetrics* probe_metrics_;
    mutable std::mutex mutex_;
    HealthState state_;
    bool publish_pending_ = false;                      // state_ changed since the last publish
    HealthTime last_publish_{};                         // when the answers were last rebuilt
    bool dirty_ = false;                                // state_dir is behind
    std::set<EndpointId, EndpointIdLess> first_round_;  // new endpoints still without a result
    std::size_t restored_ = 0;                          // endpoints known from state_dir at restore()
    std::condition_variable first_round_done_;
    std::condition_variable wake_ticker_;
    bool stopping_ = false;
    const std::uint64_t generation_;                 // this start, in wall-clock milliseconds
    std::condition_variable report_changed_;
    std::uint64_t woken_ = 0;                        // wake_waiters() calls
    std::uint64_t notified_changes_ = 0;             // state_.changes() when the waiters were last told
    std::map<std::string, PeerLink> peer_links_;
    std::mutex save_mutex_;  // one writer of state_dir at a time
    std::string last_save_error_;
    ProbeRunner probes_;
    std::thread ticker_;
};

}  // namespace azdns
