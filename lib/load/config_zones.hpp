// Loading every zone a config names: shared by `check` (report problems),
// `serve` (report problems, or publish the set) and a reload (keep the
// previous version of a zone that fails).
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "config.hpp"
#include "diagnostics.hpp"
#include "load_limits.hpp"
#include "zone_set.hpp"

namespace azdns {

struct LoadedZones {
    std::shared_ptr<ZoneSet> set = std::make_shared<ZoneSet>();
    // In config order; nullptr where the zone failed (its problems are in the diagnostics).
    std::vector<std::shared_ptr<const Zone>> zones;
    // In config order: each zone's own problems (a reload reports them per
    // zone); the caller's `diags` gets them all too.
    std::vector<Diagnostics> problems;
    std::size_t records = 0;  // over the zones that loaded
    // Each zone's file and the files it pulled in with $INCLUDE (see load_zone):
    // what serve watches.
    std::vector<std::string> files_read;
};

// Loads each [[zone]] of `config`; every problem goes to `diags`. Zones that
// fail are left out of the set, so the caller decides whether a partial set is
// acceptable (check reports, serve refuses to start). Each zone's files may
// hold server.max_zone_size bytes. Once `stop` is due, reading ends and the
// zones not loaded yet are left out (nullptr, with no problems of their
// own): the caller abandons such a load.
// A zone taken from primaries (ZoneConfig::is_secondary) loads from its
// kept copy in state_dir (zone_copy_path); without one it is not held yet
// (nullptr, no problem) and is in the set as unavailable (ZoneSet::
// add_unavailable); a damaged copy is a warning, not an error: the zone is
// then taken again from its primaries. `keep` names zones not to read at
// all (a reload keeps the version a secondary holds); they are left out of
// the set. Each zone's slot in the set is its index in the config.
[[nodiscard]] LoadedZones load_zones(const Config& config, Diagnostics& diags, const LoadStop& stop = {},
                                     const std::function<bool(const ZoneConfig&)>& keep = {});

// Where a secondary zone's copy is kept: server.state_dir/zone_copy_file_name.
[[nodiscard]] std::string zone_copy_path(const Config& config, std::string_view origin);

// "zone example.com. serial 5, 12 records": what serve and a reload log for
// a zone that loaded.
[[nodiscard]] std::string describe_loaded_zone(const Zone& zone);

}  // namespace azdns
