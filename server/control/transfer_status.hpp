// Zone transfers as the control API shows them (docs/control.md): each
// zone's "transfers" object in GET /v1/status, the totals beside it, and the
// transfer series of /metrics. What is offered (rules, serials) comes from
// the published TransferState; what happened (transfers out, NOTIFY) from
// the TransferService, read once per request.
#pragma once

#include <nlohmann/json.hpp>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "metrics_text.hpp"
#include "secondary_zones.hpp"
#include "transfer_service.hpp"
#include "transfer_state.hpp"

namespace azdns {

// Indexed by origin (wire form, canonical), so a status of many zones stays
// linear.
struct TransferFacts {
    std::shared_ptr<const TransferState> offered;  // null: no zone is transferred
    std::map<std::string, const ZoneTransfers*> offered_by_zone;  // into `offered`
    std::map<std::string, TransferOutRecord> last_out;
    TransferOutTotals totals;
    std::map<std::string, std::vector<NotifyTargetStatus>> notify;  // by zone, ordered by target
    std::map<std::string, SecondaryStatus> secondaries;  // the zones taken from primaries
};

// `service` or `secondaries` null (tests without transfers): nothing happened yet.
[[nodiscard]] TransferFacts gather_transfer_facts(std::shared_ptr<const TransferState> offered,
                                                  const TransferService* service,
                                                  const SecondaryZones* secondaries = nullptr);

// A zone's "transfers" object; `origin_text` as ZoneStatus names it, and the
// serial of the file being served.
[[nodiscard]] nlohmann::json zone_transfers_json(const TransferFacts& facts, const std::string& origin_text,
                                                 std::uint32_t file_serial);
// The status's top-level "transfers": counts since start.
[[nodiscard]] nlohmann::json transfer_totals_json(const TransferFacts& facts);

// The filtered serials, transfer totals, NOTIFY counts and secondaries' state into `input`.
void add_transfer_metrics(const TransferFacts& facts, MetricsInput& input);

}  // namespace azdns
