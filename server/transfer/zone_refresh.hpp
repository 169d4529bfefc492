// One refresh of a zone azdns takes from primaries (docs/transfers.md,
// "azdns as a secondary"), blocking, for a secondary's thread: ask each
// primary in turn for the zone's serial; when one has a newer one, take the
// zone from it by IXFR (from the version held) or AXFR, falling back to AXFR
// when the IXFR does not apply, and build it through the same checks as a
// zone file. Nothing here is served or kept: the caller does that with the
// outcome, and keeps serving what it held on any failure.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "diagnostics.hpp"
#include "transfer_client.hpp"
#include "zone.hpp"

namespace azdns {

struct RefreshRequest {
    std::string origin;  // wire form, canonical
    std::vector<PrimaryServer> primaries;  // in the config's order: the first that answers is asked
    std::shared_ptr<const Zone> held;  // the version served now; null: none yet (AXFR)
    SourceLocation declared_at;  // the [[zone]] table: where problems without a record point
    std::chrono::milliseconds soa_timeout{std::chrono::seconds(5)};
    TransferLimits limits;  // max_bytes: server.max_zone_size, for the client and the reader alike
    std::uint64_t max_zone_records = default_max_zone_records;  // server.max_zone_records
};

struct RefreshOutcome {
    enum class Result : std::uint8_t { up_to_date, updated, failed };
    Result result = Result::failed;
    std::shared_ptr<const Zone> zone;  // updated: the new version, checked
    std::string primary;  // who confirmed or sent it ("192.0.2.1:53")
    std::string kind;     // updated: "IXFR" or "AXFR"
    std::size_t messages = 0;
    std::uint64_t bytes = 0;
    // failed: why, per primary tried ("192.0.2.1:53: ..."), and the zone's
    // problems when a transfer did not pass the checks (as `azdns check`
    // prints them, at most 20).
    std::vector<std::string> errors;
};

[[nodiscard]] RefreshOutcome refresh_zone(const RefreshRequest& request, TransferCancel& cancel);

// Every record of `zone` as the zone-file reader makes them: what an IXFR
// applies to, and what the kept copy is written from.
[[nodiscard]] ZoneRecords zone_records_of(const Zone& zone);

}  // namespace azdns
