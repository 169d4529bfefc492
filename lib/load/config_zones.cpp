#include "config_zones.hpp"

#include "zone_load.hpp"

namespace azdns {

LoadedZones load_zones(const Config& config, Diagnostics& diags) {
    LoadedZones loaded;
    loaded.zones.reserve(config.zones.size());
    for (const auto& zone_config : config.zones) {
        auto zone = load_zone(zone_config.origin, zone_config.file, zone_config.file_where, diags, &loaded.files_read);
        if (zone) {
            loaded.records += zone->record_count();
            loaded.set->add(zone);
        }
        loaded.zones.push_back(std::move(zone));
    }
    return loaded;
}

}  // namespace azdns
