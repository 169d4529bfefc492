// One probed endpoint's verdict (spec: "Health"): rise/fall hysteresis over
// probe results. Pure and deterministic: the caller passes the time of every
// event, so tests drive the clock instead of sleeping.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "ip_prefix.hpp"

namespace azdns {

using HealthClock = std::chrono::steady_clock;
using HealthTime = HealthClock::time_point;

// `unknown` is an endpoint not yet probed; it counts as up so that a new
// address is served until its first probe round says otherwise.
enum class EndpointStatus { unknown, up, down };

struct ProbeResult {
    bool ok = false;
    std::string error;  // why it failed, e.g. "connect refused"; empty when ok
    std::chrono::microseconds rtt{};
};

// What changed and why, for the log line and for "recompute the answers".
struct HealthTransition {
    enum class Kind {
        endpoint_up, endpoint_down,  // this instance's own verdict
        verdict_up, verdict_down,    // the fleet's, when there are peers
        az_fenced, az_restored,
        az_ramp_end,                 // a restored AZ is in every answer again
        peer_found, peer_lost,       // a peer's state became fresh, or stale
        alone_start, alone_end,      // fewer vantage points count than the quorum
        impaired_start, impaired_end,  // this instance's prober
        fence_adopted,               // a peer's fleet-wide fence change, newer than ours
    };
    Kind kind;
    std::string subject;  // "192.0.2.1 web", an AZ name, a peer name, or this instance's
    std::string why;      // "3 failures (connect refused)", "health", "manual: ..."
    HealthTime since;
};

class EndpointHealth {
public:
    EndpointHealth(EndpointStatus initial, HealthTime now) : status_(initial), since_(now) {}

    // Counts `result`; returns the new status when this result flipped it,
    // with `why` filled in. The first result decides an unknown endpoint.
    std::optional<EndpointStatus> record(const ProbeResult& result, unsigned rise, unsigned fall,
                                         HealthTime now, std::string& why);

    [[nodiscard]] EndpointStatus status() const { return status_; }
    [[nodiscard]] bool counts_as_up() const { return status_ != EndpointStatus::down; }
    [[nodiscard]] HealthTime since() const { return since_; }
    [[nodiscard]] const std::string& last_error() const { return last_error_; }
    [[nodiscard]] bool last_failed() const { return failures_ > 0; }  // the latest result was a failure
    [[nodiscard]] std::chrono::microseconds rtt() const { return rtt_; }

private:
    EndpointStatus status_;
    HealthTime since_;
    unsigned successes_ = 0;  // consecutive, reset by a failure
    unsigned failures_ = 0;   // consecutive, reset by a success
    std::string last_error_;
    std::chrono::microseconds rtt_{};
};

}  // namespace azdns
