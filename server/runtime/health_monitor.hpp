// The health of the running server (spec: "Health"): probe results flow in
// from the probe thread, manual fences from the control API, time from a
// ticker; every change that reaches answers rebuilds the HealthView for the
// current zones (from a HealthIndex made once per zones) and publishes zones
// and view together, so the first query after a verdict sees it. State is
// saved to state_dir off the probe thread.
#pragma once

#include <condition_variable>
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
#include "serving_snapshot.hpp"

namespace azdns {

class HealthMonitor {
public:
    // `serving` must outlive the monitor. state_dir is the one at start:
    // [server] settings take effect at the next start.
    // `probe_metrics` (optional) must outlive the monitor too.
    HealthMonitor(std::shared_ptr<const Config> config, ServingSnapshot& serving,
                  ProbeMetrics* probe_metrics = nullptr);
    HealthMonitor(const HealthMonitor&) = delete;
    HealthMonitor& operator=(const HealthMonitor&) = delete;
    ~HealthMonitor();

    // Restores state_dir, starts probing the endpoints of `zones`, waits for
    // the first result of every endpoint not known from state_dir (at most
    // the longest check timeout, plus a margin), and publishes. False with
    // `error` when the probe thread cannot start.
    bool start(std::shared_ptr<const ZoneSet> zones, std::string& error);

    // A reload: the probed set follows the new zones and config (new
    // endpoints start unknown, gone ones are forgotten, kept ones keep their
    // state under their new AZ, check and thresholds; AZs likewise), and
    // the new zones are published with their view.
    void set_zones(std::shared_ptr<const ZoneSet> zones, std::shared_ptr<const Config> config);

    // The config in force (the last one a reload applied).
    [[nodiscard]] std::shared_ptr<const Config> config() const;

    FenceOutcome fence(const std::string& az, const std::string& reason, std::optional<Duration> for_duration,
                       bool force);
    FenceOutcome unfence(const std::string& az);

    [[nodiscard]] HealthSnapshot snapshot() const;
    [[nodiscard]] ServingState serving() const;  // what is published now

    void stop();  // probes, then the ticker (which saves a last time)

private:
    void on_probe(const EndpointId& id, const ProbeResult& result);
    void retarget_locked(const HealthTargets& targets, HealthTime now);
    void apply_locked(const std::vector<HealthTransition>& transitions);
    void publish_locked();
    void tick();
    void save();

    std::shared_ptr<const Config> config_;  // guarded by mutex_
    const std::string state_dir_;
    ServingSnapshot& serving_;
    ProbeMetrics* probe_metrics_;
    mutable std::mutex mutex_;
    HealthState state_;
    std::shared_ptr<const ZoneSet> zones_;
    std::shared_ptr<const HealthIndex> index_;  // for zones_; reused by every view until the next reload
    std::shared_ptr<const HealthView> view_;
    bool dirty_ = false;                                // state_dir is behind
    std::set<EndpointId, EndpointIdLess> first_round_;  // new endpoints still without a result
    std::condition_variable first_round_done_;
    std::condition_variable wake_ticker_;
    bool stopping_ = false;
    std::mutex save_mutex_;  // one writer of state_dir at a time
    std::string last_save_error_;
    ProbeRunner probes_;
    std::thread ticker_;
};

}  // namespace azdns
