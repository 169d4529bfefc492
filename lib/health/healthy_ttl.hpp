// The TTL of an answer from which nothing was removed (docs/health.md,
// "TTLs"), by ttl.healthy: the zone's TTL up to ttl.max, a fixed value, or
// ("auto") the time the checks deciding the RRset take to see a failure, so
// that a client holds a healthy answer no longer than a failure would take
// to show. The index computes it per RRset; explain says why.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "config.hpp"

namespace azdns {

// Of the checks named, the one slowest to see a failure (interval x fall);
// with no name, the slowest of all: an RRset probed by none can still go
// with its AZ's fence, which its AZ's checks decide. nullptr: no checks.
[[nodiscard]] const CheckConfig* slowest_check(const std::vector<CheckConfig>& checks,
                                               const std::vector<std::string_view>& names);

// What an RRset whose zone TTL is `zone_ttl` carries while all is well;
// `slowest` from slowest_check.
[[nodiscard]] std::uint32_t healthy_ttl(const TtlPolicy& policy, std::uint32_t zone_ttl, const CheckConfig* slowest);

// Which rule gave healthy_ttl's value, for `azdns ctl explain`.
[[nodiscard]] std::string healthy_ttl_rule(const TtlPolicy& policy, std::uint32_t zone_ttl,
                                           const CheckConfig* slowest);

}  // namespace azdns
