// What changed between two views of a zone (transfer_records.hpp), as an
// IXFR carries it: records removed, then records added. SOAs are left out:
// the journal writes them around each step.
#pragma once

#include "health_view.hpp"
#include "transfer_records.hpp"
#include "zone.hpp"

namespace azdns {

struct ZoneDelta {
    TransferRecords removed;
    TransferRecords added;

    [[nodiscard]] bool empty() const { return removed.empty() && added.empty(); }
    [[nodiscard]] std::size_t memory_bytes() const { return removed.memory_bytes() + added.memory_bytes(); }
};

// The delta from (old_zone, old_view) to (new_zone, new_view); a null view is
// the raw view. An RRset that changed in any way (RRs, their order, its TTL)
// is removed whole and added whole: simple, and always correct.
// When both zones are the same object (a health change), only the RRsets the
// views filter can differ, so only those are compared: the cost is one pass
// over the views' index slots, not a walk of the zone. Otherwise (a reload
// built a new zone) both zones are walked, each name looked up on the other
// side.
[[nodiscard]] ZoneDelta diff_views(const Zone& old_zone, const HealthView* old_view, const Zone& new_zone,
                                   const HealthView* new_view);

}  // namespace azdns
