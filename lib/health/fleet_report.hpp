// What one vantage point tells its peers (docs/fleet.md, "The exchange"):
// its own verdicts on the endpoints it probes, whether its prober is
// impaired, and the fleet-wide manual fences it knows. Sent as JSON in the
// body of POST /v1/fleet/state. Times travel as ages ("this long before the
// document was made"), so that peers need no synchronised clocks; fences
// are ordered by versions, never by times. Pure: no clock, no I/O.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "endpoint_health.hpp"
#include "endpoint_id.hpp"

namespace azdns {

// A fleet-wide fence, or its lifting (`fenced` false), for one AZ.
struct FleetFence {
    std::string az;
    bool fenced = false;
    std::string reason;
    std::optional<std::chrono::milliseconds> expires_in;  // from when the document was made; none = until unfenced
    FenceVersion version;
};

// A vantage point's own verdict on one endpoint (never the fleet's).
struct ReportedEndpoint {
    EndpointId id;
    EndpointStatus status = EndpointStatus::up;  // up or down; unknown ones are not reported
    std::chrono::milliseconds since_age{};       // how long it has had this status
    std::chrono::milliseconds probed_age{};      // how long ago it was last probed
    std::string last_error;                      // of the last failure, at most max_report_error_bytes
};

struct FleetReport {
    std::string name;             // the sender's fleet.name, in lower case
    std::uint64_t generation = 0; // per start of the sender: greater after a restart
    std::uint64_t sequence = 0;   // bumped by every change of what follows, within a generation
    bool impaired = false;        // its prober is impaired: its verdicts do not count
    // false: a heartbeat, which carries nothing below; the receiver keeps
    // what it has (and says in its reply whether that is this sequence).
    bool full = true;
    std::vector<ReportedEndpoint> endpoints;
    std::vector<FleetFence> fences;
};

// What a receiver holds of a sender: its reply to POST /v1/fleet/state.
struct FleetReportKey {
    std::uint64_t generation = 0;
    std::uint64_t sequence = 0;
    bool operator==(const FleetReportKey&) const = default;
};

inline constexpr std::size_t max_report_error_bytes = 256;
inline constexpr std::size_t max_fence_reason_bytes = 4096;

// The largest document a config with this many endpoints and AZs explains,
// with room to spare; a larger body is refused unread.
[[nodiscard]] std::size_t fleet_report_size_limit(std::size_t endpoints, std::size_t azs);

[[nodiscard]] std::string encode_fleet_report(const FleetReport& report);

// Strict: every field of the right type and in range, names valid vantage
// names, addresses valid, statuses "up" or "down", at most `max_endpoints`
// endpoints and `max_fences` fences, strings within their bounds. nullopt
// with `error` (one line, naming the field) otherwise.
[[nodiscard]] std::optional<FleetReport> decode_fleet_report(std::string_view body, std::size_t max_endpoints,
                                                             std::size_t max_fences, std::string& error);

[[nodiscard]] std::string encode_report_key(const std::string& receiver, const FleetReportKey& key);
[[nodiscard]] std::optional<FleetReportKey> decode_report_key(std::string_view body, std::string& error);

}  // namespace azdns
