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
                       bool force);
    FenceOutcome unfence(const std::string& az);

    // A finished probe (the probe thread's sink): judged at once, published
    // by the next end_of_probe_turn().
    void record_probe(const EndpointId& id, const ProbeResult& result);
    // Publishes once what the results since the last publish changed.
    void end_of_probe_turn();
    // Time alone (restore_after, fence expiry), then a save if state_dir is
    // behind: what the ticker does every 50 ms.
    void tick();

    [[nodiscard]] HealthSnapshot snapshot() const;

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
    ProbeMetrics* probe_metrics_;
    mutable std::mutex mutex_;
    HealthState state_;
    bool publish_pending_ = false;                      // state_ changed since the last publish
    bool dirty_ = false;                                // state_dir is behind
    std::set<EndpointId, EndpointIdLess> first_round_;  // new endpoints still without a result
    std::size_t restored_ = 0;                          // endpoints known from state_dir at restore()
    std::condition_variable first_round_done_;
    std::condition_variable wake_ticker_;
    bool stopping_ = false;
    std::mutex save_mutex_;  // one writer of state_dir at a time
    std::string last_save_error_;
    ProbeRunner probes_;
    std::thread ticker_;
};

}  // namespace azdns
