#include "health_monitor.hpp"

#include <algorithm>
#include <map>

#include "health_store.hpp"
#include "log.hpp"

namespace azdns {

namespace {

// How often time alone is judged (restore_after, fence expiry) and pending
// state is saved.
constexpr auto tick_period = std::chrono::milliseconds(50);
// Beyond the longest check timeout, how long start-up waits for first results.
constexpr auto first_round_margin = std::chrono::milliseconds(250);

// How a transition is logged: the line's words and the JSON event.
struct TransitionText {
    const char* subject;  // "endpoint", "AZ", ... before the subject
    const char* verb;     // after the subject
    const char* event;
    const char* field;    // the JSON field that names the subject
};

TransitionText text_of(HealthTransition::Kind kind) {
    using Kind = HealthTransition::Kind;
    switch (kind) {
    case Kind::endpoint_up: return {"endpoint", "up", "endpoint_up", "endpoint"};
    case Kind::endpoint_down: return {"endpoint", "down", "endpoint_down", "endpoint"};
    case Kind::verdict_up: return {"endpoint", "up in the fleet", "verdict_up", "endpoint"};
    case Kind::verdict_down: return {"endpoint", "down in the fleet", "verdict_down", "endpoint"};
    case Kind::az_fenced: return {"AZ", "fenced", "az_fenced", "az"};
    case Kind::az_restored: return {"AZ", "restored", "az_restored", "az"};
    case Kind::az_ramp_end: return {"AZ", "back in every answer", "az_ramp_end", "az"};
    case Kind::peer_found: return {"peer", "found", "peer_found", "peer"};
    case Kind::peer_lost: return {"peer", "lost", "peer_lost", "peer"};
    case Kind::alone_start: return {"vantage point", "deciding alone", "deciding_alone", "vantage"};
    case Kind::alone_end: return {"vantage point", "no longer deciding alone", "deciding_alone_end", "vantage"};
    case Kind::impaired_start: return {"vantage point", "prober impaired", "prober_impaired", "vantage"};
    case Kind::impaired_end: return {"vantage point", "prober recovered", "prober_recovered", "vantage"};
    case Kind::fence_adopted: return {"AZ", "fleet-wide fence adopted", "fleet_fence_adopted", "az"};
    }
    return {"?", "?", "?", "?"};
}

const char* receipt_text(FleetPeers::Receipt receipt) {
    switch (receipt) {
    case FleetPeers::Receipt::accepted: return "accepted";
    case FleetPeers::Receipt::confirmed: return "confirmed";
    case FleetPeers::Receipt::behind: return "behind";
    case FleetPeers::Receipt::unknown_peer: return "from no configured peer";
    case FleetPeers::Receipt::replayed: return "older than the report held (a replay)";
    }
    return "?";
}

// The canaries of fleet.canary with their checks (load_config checked the names).
std::vector<std::pair<EndpointId, const CheckConfig*>> canaries_of(const Config& config) {
    std::vector<std::pair<EndpointId, const CheckConfig*>> out;
    for (const FleetCanary& canary : config.fleet.canaries)
        for (const CheckConfig& check : config.checks)
            if (check.name == canary.check) out.emplace_back(EndpointId{canary.address, check.name}, &check);
    return out;
}

// Every endpoint, then every canary: probed alike.
std::vector<ProbeTarget> probe_targets(const HealthTargets& targets, const Config& config) {
    std::vector<ProbeTarget> out;
    out.reserve(targets.endpoints.size() + config.fleet.canaries.size());
    for (const HealthTarget& target : targets.endpoints)
        out.push_back({target.id, *target.check, config.probes.source_for(target.id.address.family)});
    for (const auto& [id, check] : canaries_of(config))
        out.push_back({id, *check, config.probes.source_for(id.address.family)});
    return out;
}

// Said at start and at every change while it holds: the zones ask for more
// than is probed (health_targets.hpp).
void log_unprobed(const HealthTargets& targets) {
    if (const std::string text = unprobed_services_text(targets); !text.empty()) log_line("health: " + text);
}

}  // namespace

HealthMonitor::HealthMonitor(ServingPublisher& publisher, HealthNow now, ProbeMetrics* probe_metrics)
    : publisher_(publisher),
      now_(std::move(now)),
      state_dir_(publisher.config()->server.state_dir),
      start_fleet_(publisher.config()->fleet),
      probe_metrics_(probe_metrics),
      state_(publisher.config()->azs, {}, now_()),
      generation_(static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                                 std::chrono::system_clock::now().time_since_epoch())
                                                 .count())),
      probes_([this](const EndpointId& id, const ProbeResult& result) { record_probe(id, result); },
              [this] { end_of_probe_turn(); }) {}

HealthMonitor::~HealthMonitor() { stop(); }

// Health times are on the steady clock; logs speak wall-clock time.
std::chrono::system_clock::time_point HealthMonitor::to_wall(HealthTime when) const {
    auto age = std::chrono::duration_cast<std::chrono::system_clock::duration>(now_() - when);
    return std::chrono::system_clock::now() - age;
}

void HealthMonitor::restore(std::shared_ptr<const ZoneSet> zones) {
    std::shared_ptr<const Config> config = publisher_.config();
    const HealthTargets targets = find_health_targets(*zones, *config);
    log_unprobed(targets);
    ServingPublisher::Inputs served = ServingPublisher::prepare(std::move(zones), config, targets);
    const HealthTime now = now_();
    LoadedHealth stored = load_health_state(state_dir_, std::chrono::system_clock::now(), now,
                                            {targets.endpoints.size(), config->azs.size()});
    // A state file must never keep the nameserver from answering.
    if (!stored.error.empty()) log_line("health state not restored: " + stored.error + "; starting without it");
    {
        std::lock_guard lock(mutex_);
        state_.set_service_azs(targets.service_azs);
        apply_locked(state_.set_fleet(config->fleet, now));
        state_.set_canaries(canaries_of(*config), now);
        for (const StoredFence& fence : stored.state.fences) {
            if (fence.scope == FenceScope::local)
                apply_locked(state_.restore_local_fence(fence.az, fence.fence, fence.since));
            else
                apply_locked(state_.restore_fleet_fence(fence.az, {fence.fenced, fence.fence, fence.version, fence.since}));
        }
        // By id: a state file of 50,000 endpoints is not searched 50,000 times.
        std::map<EndpointId, const StoredEndpoint*, EndpointIdLess> stored_by_id;
        for (const StoredEndpoint& endpoint : stored.state.endpoints) stored_by_id.emplace(endpoint.id, &endpoint);
        for (const HealthTarget& target : targets.endpoints) {
            const auto known = stored_by_id.find(target.id);
            const StoredEndpoint* was = known != stored_by_id.end() ? known->second : nullptr;
            const EndpointStatus initial = was != nullptr ? was->status : EndpointStatus::unknown;
            if (initial == EndpointStatus::unknown) {
                first_round_.insert(target.id);
            } else {
                ++restored_;
            }
            apply_locked(state_.add_endpoint(target.id, target.az, *target.check, initial, was != nullptr ? was->since : now));
        }
        publisher_.replace(std::move(served), state_.snapshot(now));
        publish_pending_ = false;
        last_publish_ = now;
    }
    probes_.set_targets(probe_targets(targets, *config));
}

bool HealthMonitor::start(std::string& error) {
    if (!probes_.start(error)) return false;
    Duration longest{0};
    for (const CheckConfig& check : publisher_.config()->checks) longest = std::max(longest, check.timeout);
    {
        std::unique_lock lock(mutex_);
        std::size_t waiting = first_round_.size();
        first_round_done_.wait_for(lock, longest + first_round_margin, [&] { return first_round_.empty(); });
        if (!first_round_.empty()) {
            log_line("health: " + std::to_string(first_round_.size()) + " of " + std::to_string(waiting) +
                     " new endpoints had no result in time; they count as up");
            first_round_.clear();
        }
        const HealthSnapshot health = state_.snapshot();
        std::size_t down = 0;
        for (const EndpointView& e : health.endpoints) down += e.status == EndpointStatus::down ? 1 : 0;
        log_line("health: " + std::to_string(health.endpoints.size()) + " endpoints (" + std::to_string(restored_) +
                 " restored from state_dir), " + std::to_string(down) + " down");
    }
    ticker_ = std::thread([this] { run_ticker(); });
    return true;
}

void HealthMonitor::set_zones(std::shared_ptr<const ZoneSet> zones, std::shared_ptr<const Config> config) {
    const HealthTargets targets = find_health_targets(*zones, *config);
    log_unprobed(targets);
    std::vector<ProbeTarget> probes = probe_targets(targets, *config);  // copies the checks: `targets` points into `config`
    ServingPublisher::Inputs served = ServingPublisher::prepare(std::move(zones), config, targets);
    {
        std::lock_guard lock(mutex_);
        const HealthTime now = now_();
        apply_locked(state_.set_azs(config->azs, now));
        // Who this instance and its peers are stays as at the start (the
        // links to the peers are made then); the rest follows the reload.
        FleetConfig fleet = config->fleet;
        fleet.name = start_fleet_.name;
        fleet.peers = start_fleet_.peers;
        fleet.quorum = std::min(fleet.quorum, fleet.vantage_points());
        apply_locked(state_.set_fleet(fleet, now));
        state_.set_canaries(canaries_of(*config), now);
        state_.set_service_azs(targets.service_azs);
        retarget_locked(targets, now);
        // New zones need a view of their own even if no health changed.
        publisher_.replace(std::move(served), state_.snapshot(now));
        publish_pending_ = false;
        last_publish_ = now;
    }
    probes_.set_targets(std::move(probes));
}

void HealthMonitor::retarget_locked(const HealthTargets& targets, HealthTime now) {
    std::set<EndpointId, EndpointIdLess> wanted;
    for (const HealthTarget& target : targets.endpoints) {
        wanted.insert(target.id);
        apply_locked(state_.add_endpoint(target.id, target.az, *target.check, EndpointStatus::unknown, now));
    }
    for (const EndpointView& known : state_.snapshot().endpoints) {
        if (wanted.contains(known.id)) continue;
        log_line("endpoint " + known.id.to_string() + " left the zones: no longer probed");
        apply_locked(state_.remove_endpoint(known.id, now));
    }
}

FenceOutcome HealthMonitor::fence(const std::string& az, const std::string& reason,
                                  std::optional<Duration> for_duration, bool force, FenceScope scope) {
    FenceOutcome outcome;
    {
        std::lock_guard lock(mutex_);
        const HealthTime now = now_();
        std::optional<HealthTime> expires;
        if (for_duration) expires = now + *for_duration;
        outcome = state_.fence(az, reason, expires, force, now, scope);
        if (outcome.status != FenceOutcome::Status::applied) return outcome;
        const std::string until = expires ? wall_clock_text(to_wall(*expires)) : "";
        const char* where = scope == FenceScope::local ? "local" : "fleet";
        log_event(std::string(scope == FenceScope::local ? "local" : "fleet-wide") + " manual fence on AZ " + az +
                      " set" + (reason.empty() ? "" : ": " + reason) + (expires ? ", until " + until : ""),
                  {{"event", "manual_fence_set"}, {"az", az}, {"reason", reason}, {"until", until}, {"scope", where}});
        apply_locked(outcome.transitions);
        publish_locked();
        dirty_ = true;
    }
    save();  // a manual fence must survive a crash right after it was accepted
    return outcome;
}

FenceOutcome HealthMonitor::unfence(const std::string& az, FenceScope scope, bool skip_ramp) {
    FenceOutcome outcome;
    {
        std::lock_guard lock(mutex_);
        outcome = state_.unfence(az, now_(), scope, skip_ramp);
        if (outcome.status != FenceOutcome::Status::applied) return outcome;
        const char* where = scope == FenceScope::local ? "local" : "fleet";
        log_event(std::string(scope == FenceScope::local ? "local" : "fleet-wide") + " manual fence on AZ " + az +
                      " lifted" + (skip_ramp ? " (--now: no ramp)" : ""),
                  {{"event", "manual_fence_lifted"}, {"az", az}, {"scope", where}});
        apply_locked(outcome.transitions);
        publish_locked();
        dirty_ = true;
    }
    save();
    return outcome;
}

HealthSnapshot HealthMonitor::snapshot() const {
    std::lock_guard lock(mutex_);
    return state_.snapshot(now_());
}

std::size_t HealthMonitor::endpoint_count() const {
    std::lock_guard lock(mutex_);
    return state_.endpoint_count();
}

void HealthMonitor::record_probe(const EndpointId& id, const ProbeResult& result) {
    if (probe_metrics_ != nullptr) probe_metrics_->record(id.check, result);
    std::lock_guard lock(mutex_);
    apply_locked(state_.record_probe(id, result, now_()));
    if (first_round_.erase(id) != 0 && first_round_.empty()) first_round_done_.notify_all();
}

void HealthMonitor::end_of_probe_turn() {
    std::lock_guard lock(mutex_);
    publish_locked();
}

// Logs what changed; the caller publishes (once for all of a batch).
void HealthMonitor::apply_locked(const std::vector<HealthTransition>& transitions) {
    if (transitions.empty()) return;
    for (const HealthTransition& t : transitions) {
        const TransitionText text = text_of(t.kind);
        const std::string since = wall_clock_text(to_wall(t.since));
        log_event(std::string(text.subject) + " " + t.subject + " " + text.verb + ": " + t.why + "; since " + since,
                  {{"event", text.event}, {text.field, t.subject}, {"why", t.why}, {"since", since}});
    }
    dirty_ = true;
    publish_pending_ = true;
}

void HealthMonitor::publish_locked() {
    // The fleet link waits for this: a change goes to the peers at once.
    if (state_.changes() != notified_changes_) {
        notified_changes_ = state_.changes();
        report_changed_.notify_all();
    }
    if (!publish_pending_) return;
    publish_pending_ = false;
    last_publish_ = now_();
    publisher_.publish(state_.snapshot(last_publish_));
}

FleetPeers::Received HealthMonitor::receive_report(const FleetReport& report) {
    std::lock_guard lock(mutex_);
    HealthState::PeerReceipt receipt = state_.receive_report(report, now_());
    const FleetPeers::Receipt kind = receipt.received.receipt;
    if (kind == FleetPeers::Receipt::unknown_peer || kind == FleetPeers::Receipt::replayed)
        log_event("fleet: report from " + report.name + " ignored: " + receipt_text(kind),
                  {{"event", "fleet_report_ignored"}, {"peer", report.name}, {"why", receipt_text(kind)}});
    for (const std::string& az : receipt.ignored_fences)
        log_event("fleet: " + report.name + " sent a fence for AZ " + az + ", which this config does not have; ignored",
                  {{"event", "fleet_fence_ignored"}, {"peer", report.name}, {"az", az}});
    apply_locked(receipt.transitions);
    publish_locked();
    return receipt.received;
}

FleetReport HealthMonitor::own_report(bool full, std::uint64_t since) const {
    std::lock_guard lock(mutex_);
    FleetReport report = state_.own_report(now_(), full, since);
    report.generation = generation_;
    report.sequence = state_.changes();
    return report;
}

std::uint64_t HealthMonitor::wait_for_change(std::uint64_t seen, std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    const std::uint64_t woken = woken_;
    report_changed_.wait_for(lock, timeout, [&] { return state_.changes() != seen || woken_ != woken; });
    return state_.changes();
}

void HealthMonitor::wake_waiters() {
    {
        std::lock_guard lock(mutex_);
        ++woken_;
    }
    report_changed_.notify_all();
}

void HealthMonitor::set_peer_link(const std::string& peer, const PeerLink& link) {
    std::lock_guard lock(mutex_);
    peer_links_[peer] = link;
}

std::map<std::string, HealthMonitor::PeerLink> HealthMonitor::peer_links() const {
    std::lock_guard lock(mutex_);
    return peer_links_;
}

void HealthMonitor::tick() {
    {
        std::lock_guard lock(mutex_);
        const HealthTime now = now_();
        apply_locked(state_.advance(now));
        // A ramp's share grows with time alone: the answers follow in steps.
        if (const auto period = state_.ramp_republish_period(); period && now - last_publish_ >= *period)
            publish_pending_ = true;
        publish_locked();
    }
    save();
}

void HealthMonitor::run_ticker() {
    std::unique_lock lock(mutex_);
    while (!wake_ticker_.wait_for(lock, tick_period, [&] { return stopping_; })) {
        lock.unlock();
        tick();
        lock.lock();
    }
}

// Writes state_dir when it is behind. Reports a failure once, not every tick.
void HealthMonitor::save() {
    std::lock_guard write_lock(save_mutex_);  // the ticker and the control thread may both save
    HealthSnapshot snapshot;
    {
        std::lock_guard lock(mutex_);
        if (!dirty_) return;
        dirty_ = false;
        snapshot = state_.snapshot();
    }
    std::string error = save_health_state(state_dir_, snapshot, std::chrono::system_clock::now(), now_());
    std::lock_guard lock(mutex_);
    if (error != last_save_error_) log_line(error.empty() ? "health state saved again" : error);
    last_save_error_ = error;
}

void HealthMonitor::stop() {
    probes_.stop();
    {
        std::lock_guard lock(mutex_);
        if (stopping_) return;
        stopping_ = true;
    }
    wake_ticker_.notify_all();
    if (ticker_.joinable()) ticker_.join();
    save();
}

}  // namespace azdns
