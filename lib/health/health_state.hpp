// The health of every probed endpoint and every AZ (spec: "Health"), and the
// manual fences. Pure and deterministic: no clock reads, no I/O; every call
// takes `now`. Calls that can change answers return the transitions they
// caused: an empty list means the answers need no recomputing.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "config.hpp"
#include "endpoint_health.hpp"

namespace azdns {

struct EndpointId {
    IpAddress address;
    std::string check;

    bool operator==(const EndpointId&) const = default;
    [[nodiscard]] std::string to_string() const;  // "192.0.2.1 web"
};

// A total order so ids can key a map (IpAddress has none of its own).
struct EndpointIdLess {
    bool operator()(const EndpointId& a, const EndpointId& b) const;
};

enum class FenceReason { none, health, manual };

// A manual fence's reason is shown in status tables and log lines, saved
// in state_dir and sent to peers: one line of text, bounded like a commit
// subject rather than by a request's body limit.
inline constexpr std::size_t max_fence_reason_bytes = 256;

struct ManualFence {
    std::string reason;                 // the operator's text, at most max_fence_reason_bytes
    std::optional<HealthTime> expires;  // none = until unfenced
};

struct EndpointView {
    EndpointId id;
    std::string az;  // empty when the address is in no AZ
    EndpointStatus status;
    HealthTime since;
    std::string last_error;
    std::chrono::microseconds rtt;
};

struct AzView {
    std::string name;
    FenceReason fenced;  // none = up; manual wins over health
    std::optional<ManualFence> manual;
    double up_share;     // 1 for an AZ with no endpoints
    HealthTime since;    // last change of `fenced`
};

// A read-only copy for the answer engine and the control API.
struct HealthSnapshot {
    std::vector<EndpointView> endpoints;  // in EndpointIdLess order
    std::vector<AzView> azs;              // in config order

    [[nodiscard]] const EndpointView* endpoint(const EndpointId& id) const;
    [[nodiscard]] const AzView* az(const std::string& name) const;
};

struct FenceOutcome {
    enum class Status { applied, unknown_az, would_strand };
    Status status;
    std::vector<std::string> stranded_services;  // would_strand: services left with no AZ up
    std::vector<HealthTransition> transitions;
};

class HealthState {
public:
    // `service_azs`: for each service name, the AZs its addresses belong to
    // (the caller derives it from the zones); used only by the fence safety
    // check.
    HealthState(const std::vector<AzConfig>& azs,
                std::map<std::string, std::set<std::string>> service_azs, HealthTime now);

    // `az` is empty for an address in no AZ. `initial` is `unknown` for an
    // endpoint never seen, or the state restored from disk. An endpoint
    // already known keeps its state and takes the new AZ, rise and fall (a
    // reload may have changed them).
    std::vector<HealthTransition> add_endpoint(const EndpointId& id, const std::string& az,
                                               const CheckConfig& check, EndpointStatus initial,
                                               HealthTime now);

    // The endpoint left the zones: forget it, and re-judge its AZ.
    std::vector<HealthTransition> remove_endpoint(const EndpointId& id, HealthTime now);

    // A reload that changed the [[az]] tables: AZs that stay keep their
    // state (fences, the restore_after wait) under their new settings, new
    // ones start up, removed ones go with their manual fences.
    std::vector<HealthTransition> set_azs(const std::vector<AzConfig>& azs, HealthTime now);

    // A reload may move addresses between services and AZs.
    void set_service_azs(std::map<std::string, std::set<std::string>> service_azs) {
        service_azs_ = std::move(service_azs);
    }

    // A manual fence read back from state_dir: applied without the safety
    // check (it passed when it was set), keeping its original `since`.
    std::vector<HealthTransition> restore_fence(const std::string& az, const ManualFence& fence,
                                                HealthTime since);

    // A result for an endpoint not added is ignored (it left the zones).
    std::vector<HealthTransition> record_probe(const EndpointId& id, const ProbeResult& result,
                                               HealthTime now);

    // Time passing alone restores AZs healthy for `restore_after` and ends
    // expired manual fences; call it on every tick.
    std::vector<HealthTransition> advance(HealthTime now);

    // Refused when the AZ is unknown, or when afterwards some service that
    // has addresses in `az` would have no AZ up, unless `force`.
    FenceOutcome fence(const std::string& az, const std::string& reason,
                       std::optional<HealthTime> expires, bool force, HealthTime now);
    FenceOutcome unfence(const std::string& az, HealthTime now);

    [[nodiscard]] HealthSnapshot snapshot() const;

private:
    struct Endpoint {
        EndpointHealth health;
        std::string az;
        unsigned rise;
        unsigned fall;
    };
    struct Az {
        AzConfig config;
        bool health_fenced = false;
        std::optional<HealthTime> healthy_since;  // while health-fenced and above the threshold
        std::optional<ManualFence> manual;
        FenceReason shown = FenceReason::none;    // last reported, to detect transitions
        HealthTime since;
    };

    Az* find_az(const std::string& name);
    [[nodiscard]] double up_share(const std::string& az) const;
    void update_az(Az& az, HealthTime now, std::vector<HealthTransition>& out);

    std::vector<Az> azs_;
    std::map<std::string, std::set<std::string>> service_azs_;
    std::map<EndpointId, Endpoint, EndpointIdLess> endpoints_;
};

}  // namespace azdns
