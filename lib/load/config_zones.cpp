#include "config_zones.hpp"

#include "dns_name.hpp"
#include "zone_load.hpp"

namespace azdns {

LoadedZones load_zones(const Config& config, Diagnostics& diags, const LoadStop& stop) {
    LoadedZones loaded;
    loaded.zones.reserve(config.zones.size());
    loaded.problems.reserve(config.zones.size());
    const ZoneLoadLimits limits{config.server.max_zone_size, stop};
    for (const auto& zone_config : config.zones) {
        if (zone_config.is_secondary()) { loaded.problems.emplace_back(); loaded.zones.push_back(nullptr); continue; }
        Diagnostics problems;
        if (stop.due()) {
            loaded.problems.push_back(std::move(problems));
            loaded.zones.push_back(nullptr);
            continue;
        }
        auto zone = load_zone(zone_config.origin, zone_config.file, zone_config.file_where, problems,
                              &loaded.files_read, limits);
        diags.merge(problems);
        loaded.problems.push_back(std::move(problems));
        if (zone) {
            loaded.records += zone->record_count();
            loaded.set->add(zone);
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
