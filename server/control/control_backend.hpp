// What the control API (server/control_server.hpp) asks of the running
// server. The routes (server/control_routes.hpp) turn HTTP requests into
// these calls; the server implements them over its health state and zones.
#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <string>

#include "config.hpp"
#include "health_state.hpp"

namespace azdns {

struct ApiReply {
    int status = 200;
    nlohmann::json body;
};

// What the control API asks of the running server. Called on the control thread; implementations are thread-safe.
class ControlBackend {
public:
    virtual ~ControlBackend() = default;
    virtual nlohmann::json status() = 0;                               // GET /v1/status (spec shape)
    // `scope`: the whole fleet (the default), or this instance (?scope=local).
    virtual ApiReply fence(const std::string& az, const std::string& reason, std::optional<Duration> for_duration, bool force,
                           FenceScope scope) = 0;  // 200 AZ state | 404 unknown AZ | 409 {"error":..., "services":[...]}
    // `skip_ramp` (?now=true): the AZ is in every answer at once, no ramp.
    virtual ApiReply unfence(const std::string& az, FenceScope scope, bool skip_ramp) = 0;  // 200 | 404
    virtual ApiReply reload() = 0;                                     // POST /v1/reload: 200 | 409 config not applied or a zone failed
    // name/type as given, `client` an address or empty (none); the backend validates them (400 for a bad one).
    virtual ApiReply explain(const std::string& name, const std::string& type, const std::string& client) = 0;
    virtual std::string metrics() = 0;                                 // GET /metrics, Prometheus text
    // POST /v1/fleet/state: a peer's fleet report, the body as received.
    // 200 the reply | 400 not a report | 403 the sender is no configured peer | 404 this instance has no peers
    virtual ApiReply fleet_report(const std::string& body) = 0;
    virtual ApiReply fleet_state() = 0;                                // GET /v1/fleet/state: this instance's own report
};

}  // namespace azdns
