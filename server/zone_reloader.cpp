#include "zone_reloader.hpp"

#include "dns_name.hpp"
#include "health_monitor.hpp"
#include "log.hpp"
#include "zone_load.hpp"

namespace azdns {

namespace {

ZoneStatus loaded_status(const Zone& zone) {
    return {name_to_text(zone.origin()), zone.serial(), zone.record_count(), std::chrono::system_clock::now(), {}};
}

// The first error, and how many more: a status line, not the whole report
// (which goes to the log).
std::string summarize(const Diagnostics& diags) {
    std::string first;
    std::size_t errors = 0;
    for (const auto& problem : diags.all()) {
        if (problem.severity != Severity::error) continue;
        if (errors++ == 0) first = problem.to_string();
    }
    if (errors > 1) first += " (and " + std::to_string(errors - 1) + " more)";
    return first;
}

}  // namespace

ZoneReloader::ZoneReloader(const Config& config, const LoadedZones& initial, HealthMonitor& health)
    : config_(config), health_(health), current_(initial.zones) {
    for (const auto& zone : current_) status_.push_back(loaded_status(*zone));
}

std::vector<ZoneStatus> ZoneReloader::reload() {
    std::lock_guard lock(mutex_);
    log_line("reloading zones");
    auto next = std::make_shared<ZoneSet>();
    for (std::size_t i = 0; i < config_.zones.size(); ++i) {
        const ZoneConfig& zone_config = config_.zones[i];
        Diagnostics diags;
        auto zone = load_zone(zone_config.origin, zone_config.file, zone_config.file_where, diags);
        for (const auto& problem : diags.all()) log_line(problem.to_string());
        if (zone) {
            log_line("zone " + name_to_text(zone->origin()) + " serial " + std::to_string(zone->serial()) + ", " +
                     std::to_string(zone->record_count()) + " records");
            current_[i] = std::move(zone);
            status_[i] = loaded_status(*current_[i]);
        } else {
            log_line("zone " + name_to_text(zone_config.origin) + " failed to load: keeps serving serial " +
                     std::to_string(current_[i]->serial()));
            status_[i].error = summarize(diags);
        }
        next->add(current_[i]);
    }
    health_.set_zones(std::move(next), health_.config());
    return status_;
}

std::vector<ZoneStatus> ZoneReloader::status() const {
    std::lock_guard lock(mutex_);
    return status_;
}

}  // namespace azdns
