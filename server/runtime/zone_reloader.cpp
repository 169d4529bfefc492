#include "zone_reloader.hpp"

#include <algorithm>

#include "dns_name.hpp"
#include "health_monitor.hpp"
#include "log.hpp"
#include "restart_settings.hpp"
#include "zone_load.hpp"

namespace azdns {

namespace {

ZoneStatus loaded_status(const Zone& zone) {
    return {name_to_text(zone.origin()), zone.serial(), zone.record_count(), std::chrono::system_clock::now(), {}, 0, {}};
}

// The first error, and how many more: a status line, not the whole report
// (which goes to the log).
std::string summarize(const Diagnostics& diags) {
    std::string first;
    for (const auto& problem : diags.all()) {
        if (problem.severity != Severity::error) continue;
        first = problem.to_string();
        break;
    }
    // Counted, not listed: a zone lists only its first problems.
    if (diags.error_count() > 1) first += " (and " + std::to_string(diags.error_count() - 1) + " more)";
    return first;
}

}  // namespace

std::vector<std::string> error_lines(const Diagnostics& diags, const std::string& config_path) {
    std::vector<std::string> lines;
    for (const auto& problem : diags.all()) {
        if (problem.severity != Severity::error) continue;
        if (lines.size() == max_listed_errors) {
            lines.push_back("... and " + std::to_string(diags.error_count() - max_listed_errors) +
                            " more errors (azdns check -c " + config_path + " lists up to " +
                            std::to_string(max_listed_zone_problems) + " of each zone)");
            break;
        }
        lines.push_back(problem.to_string());
    }
    return lines;
}

ZoneReloader::ZoneReloader(std::string config_path, const LoadedZones& initial, HealthMonitor& health,
                           const ServingPublisher& publisher, LoadStop::Now now)
    : config_path_(std::move(config_path)),
      health_(health),
      publisher_(publisher),
      now_(std::move(now)),
      files_read_(initial.files_read) {
    // The slots load_zones gave: the order of the config. Only a secondary's
    // zone may be missing: not held yet is no load error (its transfers say so).
    const auto config = publisher.config();
    for (std::size_t i = 0; i < initial.zones.size(); ++i) {
        const ZoneConfig& zone_config = config->zones[i];
        Served entry{zone_config.origin, initial.zones[i], {}, next_slot_++, zone_config.is_secondary(), false};
        if (entry.zone) entry.status = loaded_status(*entry.zone);
        else entry.status.origin = name_to_text(zone_config.origin);
        served_.push_back(std::move(entry));
    }
}

// The config file as it is now, or the running config when it has errors
// (then listed in `errors`).
std::shared_ptr<const Config> ZoneReloader::read_config(std::vector<std::string>& errors) {
    std::shared_ptr<const Config> running = publisher_.config();
    Diagnostics diags;
    auto loaded = load_config(config_path_, diags);
    for (const auto& problem : diags.all()) log_line(problem.to_string());
    if (!loaded) {
        errors = error_lines(diags, config_path_);
        log_line("config not applied: " + std::to_string(diags.error_count()) + " errors in " + config_path_ +
                 "; zones reload under the running config");
        return running;
    }
    std::vector<std::string> waiting = restart_only_changes(*running, *loaded);
    if (!waiting.empty()) {
        std::string keys;
        for (const std::string& key : waiting) keys += (keys.empty() ? "" : ", ") + key;
        log_line("changed " + keys + ": applied at the next start, not by a reload");
    }
    return std::make_shared<const Config>(std::move(*loaded));
}

ReloadReport ZoneReloader::reload() {
    std::lock_guard lock(mutex_);
    if (shutdown_.stop_requested()) return {.config_file = config_path_, .config_errors = {}, .zones = status_locked()};
    const LoadStop::Clock::time_point started = now_();
    log_line("reloading config and zones");
    ReloadReport report;
    report.config_file = config_path_;
    std::shared_ptr<const Config> config = read_config(report.config_errors);
    // The config being applied sets the bound, so that raising it helps the very reload that reads it.
    const LoadStop stop(started + config->server.reload_timeout, shutdown_.get_token(), now_);
    Diagnostics diags;  // each zone's problems are logged with it, below
    // A secondary's held version stays: only its primaries replace it.
    auto holds = [&](const ZoneConfig& zone_config) {
        return zone_config.is_secondary() &&
               std::any_of(served_.begin(), served_.end(), [&](const Served& s) {
                   return s.origin == zone_config.origin && s.secondary && s.zone;
               });
    };
    LoadedZones loaded = load_zones(*config, diags, stop, holds);
    if (const LoadStop::Reason reason = stop.reason(); reason != LoadStop::Reason::none) {
        give_up_locked(reason, config->server.reload_timeout);
        report.zones = status_locked();
        return report;
    }
    std::vector<Served> reloaded;
    for (std::size_t i = 0; i < config->zones.size(); ++i) {
        const ZoneConfig& zone_config = config->zones[i];
        auto previous = std::find_if(served_.begin(), served_.end(),
                                     [&](const Served& s) { return s.origin == zone_config.origin; });
        Served entry;
        if (previous != served_.end()) {
            entry = *previous;
        } else {
            entry.origin = zone_config.origin;
            entry.status.origin = name_to_text(zone_config.origin);
            entry.slot = next_slot_++;
        }
        for (const auto& problem : loaded.problems[i].all()) log_line(problem.to_string());
        const bool was_secondary = entry.secondary;
        entry.secondary = zone_config.is_secondary();
        if (entry.secondary) {
            if (!was_secondary) entry.zone = nullptr;  // a file's version is no secondary's
            if (!entry.zone && loaded.zones[i]) {
                log_line(describe_loaded_zone(*loaded.zones[i]) + " (the kept copy)");
                entry.zone = std::move(loaded.zones[i]);
                entry.status = loaded_status(*entry.zone);
            }
        } else if (loaded.zones[i]) {
            entry.withdrawn = false;
            log_line(describe_loaded_zone(*loaded.zones[i]));
            std::uint64_t errors = entry.status.reload_errors;
            entry.zone = std::move(loaded.zones[i]);
            entry.status = loaded_status(*entry.zone);
            entry.status.reload_errors = errors;
        } else {
            log_line("zone " + entry.status.origin + " failed to load: " +
                     (entry.zone ? "keeps serving serial " + std::to_string(entry.zone->serial()) : "not served"));
            entry.status.error = summarize(loaded.problems[i]);
            entry.status.errors = error_lines(loaded.problems[i], config_path_);
            ++entry.status.reload_errors;
        }
        reloaded.push_back(std::move(entry));
    }
    for (const Served& gone : served_) {
        if (std::none_of(reloaded.begin(), reloaded.end(), [&](const Served& s) { return s.origin == gone.origin; }))
            log_line("zone " + gone.status.origin + " left the config: no longer served");
    }
    served_ = std::move(reloaded);
    // Watch first: an edit made once the new zones answer is then seen.
    files_read_ = std::move(loaded.files_read);
    if (files_listener_) files_listener_(files_read_);
    if (secondaries_listener_) secondaries_listener_(*config, held_secondaries_locked());
    health_.set_zones(zone_set_locked(), std::move(config));
    report.zones = status_locked();
    return report;
}

void ZoneReloader::serve_transferred(const std::string& origin, std::shared_ptr<const Zone> zone) {
    std::lock_guard lock(mutex_);
    auto entry = std::find_if(served_.begin(), served_.end(),
                              [&](const Served& s) { return s.origin == origin && s.secondary; });
    if (entry == served_.end()) return;
    if (zone) {
        const std::uint64_t errors = entry->status.reload_errors;
        entry->zone = std::move(zone);
        entry->withdrawn = false;
        entry->status = loaded_status(*entry->zone);
        entry->status.reload_errors = errors;
    } else {
        entry->withdrawn = true;  // status.transfers.in says so: it is no load error
    }
    health_.set_zones(zone_set_locked(), publisher_.config());
}

// The set to serve: each zone held, and each secondary's origin without one as unavailable.
std::shared_ptr<ZoneSet> ZoneReloader::zone_set_locked() const {
    auto set = std::make_shared<ZoneSet>();
    for (const Served& served : served_) {
        if (served.zone && !served.withdrawn) set->add(served.zone, served.slot);
        else if (served.secondary) set->add_unavailable(served.origin, served.slot);
    }
    return set;
}

ZoneReloader::HeldZones ZoneReloader::held_secondaries_locked() const {
    HeldZones held;
    for (const Served& served : served_)
        if (served.secondary) held.emplace(served.origin, served.zone);
    return held;
}

void ZoneReloader::set_secondaries_listener(std::function<void(const Config&, const HeldZones&)> listener) {
    std::lock_guard lock(mutex_);
    secondaries_listener_ = std::move(listener);
    secondaries_listener_(*publisher_.config(), held_secondaries_locked());
}

void ZoneReloader::abandon() { shutdown_.request_stop(); }

// Nothing of an abandoned reload is published: what it read may be partial.
void ZoneReloader::give_up_locked(LoadStop::Reason reason, Duration timeout) {
    if (reason == LoadStop::Reason::shutdown) {
        log_line("reload abandoned: azdns is stopping");
        return;
    }
    const std::string why = "reload abandoned: not done within server.reload_timeout (" + duration_text(timeout) +
                            "); the previous zones keep serving";
    log_line(why);
    // As for a zone that fails: /v1/status, `azdns ctl reload` and the metrics say so.
    for (Served& served : served_) {
        served.status.error = why;
        served.status.errors = {why};
        ++served.status.reload_errors;
    }
}

void ZoneReloader::set_files_listener(std::function<void(std::vector<std::string>)> listener) {
    std::lock_guard lock(mutex_);
    files_listener_ = std::move(listener);
    files_listener_(files_read_);
}

std::vector<ZoneStatus> ZoneReloader::status() const {
    std::lock_guard lock(mutex_);
    return status_locked();
}

std::vector<ZoneStatus> ZoneReloader::status_locked() const {
    std::vector<ZoneStatus> out;
    for (const Served& served : served_) out.push_back(served.status);
    return out;
}

}  // namespace azdns
