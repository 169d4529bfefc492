#include "config_zones.hpp"

#include <filesystem>

#include "dns_name.hpp"
#include "zone_file_writer.hpp"
#include "zone_load.hpp"

namespace azdns {

namespace {

// A secondary's kept copy: read as a zone file, but a copy that cannot be
// used is no reason not to serve (the primaries have the zone).
std::shared_ptr<const Zone> load_kept_copy(const Config& config, const ZoneConfig& zone_config, Diagnostics& diags,
                                           const ZoneLoadLimits& limits) {
    const std::string path = zone_copy_path(config, zone_config.origin);
    std::error_code error;
    if (!std::filesystem::exists(path, error)) return nullptr;
    Diagnostics copy_problems;
    auto zone = load_zone(zone_config.origin, path, zone_config.where, copy_problems, nullptr, limits);
    if (zone) return zone;
    std::string first;
    for (const auto& problem : copy_problems.all())
        if (problem.severity == Severity::error && first.empty()) first = problem.to_string();
    diags.warning(zone_config.where, "the kept copy of zone \"" + name_to_text(zone_config.origin) +
                                         "\" cannot be used (" + std::to_string(copy_problems.error_count()) +
                                         " errors; the first: " + first + "): it is taken again from its primaries");
    return nullptr;
}

}  // namespace

std::string zone_copy_path(const Config& config, std::string_view origin) {
    return config.server.state_dir + "/" + zone_copy_file_name(origin);
}

LoadedZones load_zones(const Config& config, Diagnostics& diags, const LoadStop& stop,
                       const std::function<bool(const ZoneConfig&)>& keep) {
    LoadedZones loaded;
    loaded.zones.reserve(config.zones.size());
    loaded.problems.reserve(config.zones.size());
    const ZoneLoadLimits limits{
        .max_bytes = config.server.max_zone_size, .stop = stop, .max_records = config.server.max_zone_records};
    for (std::uint32_t slot = 0; slot < config.zones.size(); ++slot) {
        const ZoneConfig& zone_config = config.zones[slot];
        Diagnostics problems;
        if (stop.due() || (keep && keep(zone_config))) {
            loaded.problems.push_back(std::move(problems));
            loaded.zones.push_back(nullptr);
            continue;
        }
        auto zone = zone_config.is_secondary()
                        ? load_kept_copy(config, zone_config, problems, limits)
                        : load_zone(zone_config.origin, zone_config.file, zone_config.file_where, problems,
                                    &loaded.files_read, limits);
        diags.merge(problems);
        loaded.problems.push_back(std::move(problems));
        if (zone) {
            loaded.records += zone->record_count();
            loaded.set->add(zone, slot);
        } else if (zone_config.is_secondary()) {
            loaded.set->add_unavailable(zone_config.origin, slot);
        }
        loaded.zones.push_back(std::move(zone));
    }
    return loaded;
}

std::string describe_loaded_zone(const Zone& zone) {
    const std::size_t records = zone.record_count();
    return "zone " + name_to_text(zone.origin()) + " serial " + std::to_string(zone.serial()) + ", " +
           std::to_string(records) + (records == 1 ? " record" : " records");
}

}  // namespace azdns
