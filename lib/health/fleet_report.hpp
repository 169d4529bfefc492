// What one vantage point tells its peers (docs/fleet.md, "The exchange document"):
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
    bool skip_ramp = false;  // a lifting by `unfence --now`: no ramp (docs/health.md)
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
    // A delta: the endpoints and fences that changed since the report with
    // this sequence (same generation), which the receiver must hold; the
    // others stand as they were. Absent: the whole state. Only with `full`.
    std::optional<std::uint64_t> base;
    std::vector<ReportedEndpoint> endpoints;
    std::vector<FleetFence> fences;
};

// What a receiver holds of a sender: its reply to POST /v1/fleet/state.
struct FleetReportKey {
    std::uint64_t generation = 0;
    std::uint64_t sequence = 0;
    bool operator==(const FleetReportKey&) const = default;
};

// The bound of an endpoint's last_error; a fence's reason has
// max_fence_reason_bytes (health_state.hpp), as the control API takes it.
inline constexpr std::size_t max_report_error_bytes = 256;

// The largest document a config with this many endpoints and AZs explains,
// with room to spare; a larger body is refused unread. 64 KiB for the
// report itself, and per endpoint and per AZ 1 KiB for keys, numbers and
// names plus its longest string (last_error, a fence's reason) six times
// over: a control character travels as \u00XX, so a string of them is
// six times as long on the wire as in memory.
[[nodiscard]] std::size_t fleet_report_size_limit(std::size_t endpoints, std::size_t azs);

// Compact JSON (docs/fleet.md, "The exchange document"). What is sent is
// what a peer accepts: endpoints of unknown status are left out, ages and
// expiries are clamped to 0..10 years, and last_error and reason are made
// valid UTF-8 (U+FFFD for each invalid byte) and cut to their bounds at a
// character boundary. A heartbeat (`full` false) has no endpoints or fences.
[[nodiscard]] std::string encode_fleet_report(const FleetReport& report);

// Strict: every field of the right type and in range, names valid vantage
// names (returned in lower case), addresses valid, statuses "up" or "down",
// at most `max_endpoints` endpoints and `max_fences` fences, no endpoint or
// AZ twice, strings within their bounds, no key twice in an object, nesting
// at most 8 deep. Keys it does not know are ignored (a newer peer may send
// more). nullopt with `error` (one line, naming the field, as in
// `endpoints[3].status: expected "up" or "down"`) otherwise; never throws.
[[nodiscard]] std::optional<FleetReport> decode_fleet_report(std::string_view body, std::size_t max_endpoints,
                                                             std::size_t max_fences, std::string& error);

// {"name": RECEIVER, "have": {"generation": N, "sequence": N}}; decoding
// checks the name and returns what the receiver has.
[[nodiscard]] std::string encode_report_key(const std::string& receiver, const FleetReportKey& key);
[[nodiscard]] std::optional<FleetReportKey> decode_report_key(std::string_view body, std::string& error);

}  // namespace azdns
