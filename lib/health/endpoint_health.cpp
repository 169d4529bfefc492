#include "endpoint_health.hpp"

namespace azdns {

std::optional<EndpointStatus> EndpointHealth::record(const ProbeResult& result, unsigned rise,
                                                     unsigned fall, HealthTime now, std::string& why) {
    rtt_ = result.rtt;
    if (result.ok) {
        ++successes_;
        failures_ = 0;
    } else {
        ++failures_;
        successes_ = 0;
        last_error_ = result.error;
    }

    EndpointStatus next = status_;
    if (status_ == EndpointStatus::unknown) {
        next = result.ok ? EndpointStatus::up : EndpointStatus::down;
        why = result.ok ? "first probe passed" : "first probe failed (" + last_error_ + ")";
    } else if (status_ == EndpointStatus::up && failures_ >= fall) {
        next = EndpointStatus::down;
        why = std::to_string(failures_) + " failures (" + last_error_ + ")";
    } else if (status_ == EndpointStatus::down && successes_ >= rise) {
        next = EndpointStatus::up;
        why = std::to_string(successes_) + " successes";
    }
    if (next == status_) return std::nullopt;
    status_ = next;
    since_ = now;
    return next;
}

}  // namespace azdns
