// Applying an IXFR's steps (transfer_reader.hpp) to the zone a secondary
// holds, as RFC 1995 section 4 orders: each step removes its records (the
// old SOA first), then adds its records (the new SOA first).
#pragma once

#include <string>
#include <vector>

#include "transfer_reader.hpp"
#include "zone_record.hpp"

namespace azdns {

struct IxfrApplied {
    ZoneRecords zone;   // the records after the last step, ready for build_zone
    std::string error;  // set when a step does not fit the zone: the caller asks for an AXFR
};

// A step must start at the serial the zone is at, and may remove only
// records the zone holds (owner, type and RDATA; the TTL may differ, as a
// TTL change is a removal and an addition). Adding a record the zone holds
// changes nothing. Kept records keep their order and locations; added ones
// follow, with the step's locations.
[[nodiscard]] IxfrApplied apply_ixfr(const ZoneRecords& current, const std::vector<IxfrStep>& steps);

}  // namespace azdns
