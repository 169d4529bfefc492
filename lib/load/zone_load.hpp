// Loading one zone from its master file: read, then build and check.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "diagnostics.hpp"
#include "load_limits.hpp"
#include "zone.hpp"

namespace azdns {

// The problems a zone lists (`azdns check`, `azdns serve` at start); the
// rest are counted in a last line, so that a file of a million mistakes
// costs no more memory than this many.
inline constexpr std::size_t max_listed_zone_problems = 1000;

// `origin` in canonical wire form; `declared_at` is where the config names the
// file (problems about the file as a whole point there). nullptr when the zone
// has any error; every problem is in `diags`. `files_read`, when given, gets
// `path` and every file it pulled in with $INCLUDE appended, also when the
// zone fails: `path` even if it could not be opened, the others if they were
// (what a reload watches). Reading stays within `limits` (see read_zone_file).
// At most max_listed_zone_problems problems are listed, and then a note at
// `declared_at` of how many more there were.
[[nodiscard]] std::shared_ptr<const Zone> load_zone(std::string_view origin, const std::string& path,
                                                    const SourceLocation& declared_at, Diagnostics& diags,
                                                    std::vector<std::string>* files_read = nullptr,
                                                    const ZoneLoadLimits& limits = {});

}  // namespace azdns
