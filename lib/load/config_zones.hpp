// Loading every zone a config names: shared by `check` (report problems) and
// `serve` (report problems, or publish the set).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "config.hpp"
#include "diagnostics.hpp"
#include "zone_set.hpp"

namespace azdns {

struct LoadedZones {
    std::shared_ptr<ZoneSet> set = std::make_shared<ZoneSet>();
    // In config order; nullptr where the zone failed (its problems are in the diagnostics).
    std::vector<std::shared_ptr<const Zone>> zones;
    std::size_t records = 0;  // over the zones that loaded
    // Each zone's file and the files it pulled in with $INCLUDE (see load_zone):
    // what serve watches.
    std::vector<std::string> files_read;
};

// Loads each [[zone]] of `config`; every problem goes to `diags`. Zones that
// fail are left out of the set, so the caller decides whether a partial set is
// acceptable (check reports, serve refuses to start).
[[nodiscard]] LoadedZones load_zones(const Config& config, Diagnostics& diags);

}  // namespace azdns
