// The running server as the control API sees it: status, fences, reload,
// explain and metrics over the health monitor, the serving publisher, the
// zone reloader and the answer engine (spec: "Control API").
#pragma once

#include "answer_engine.hpp"
#include "control_backend.hpp"
#include "health_monitor.hpp"
#include "probe_metrics.hpp"
#include "query_counters.hpp"
#include "secondary_zones.hpp"
#include "serving_publisher.hpp"
#include "transfer_service.hpp"
#include "zone_reloader.hpp"

namespace azdns {

class LiveControlBackend : public ControlBackend {
public:
    // `queries`, `probes`, `transfers` and `secondaries` (nullptr: those
    // series are left at zero, no transfer is shown) must outlive the control server.
    // The config in force and what is served are the publisher's (a reload
    // may replace them).
    LiveControlBackend(const AnswerEngine& engine, HealthMonitor& health, const ServingPublisher& served,
                       ZoneReloader& zones, const QueryCounterRegistry* queries = nullptr,
                       const ProbeMetrics* probes = nullptr, const TransferService* transfers = nullptr,
                       const SecondaryZones* secondaries = nullptr)
        : engine_(engine), health_(health), served_(served), zones_(zones), queries_(queries), probes_(probes),
          transfers_(transfers), secondaries_(secondaries) {}

    nlohmann::json status() override;
    ApiReply fence(const std::string& az, const std::string& reason, std::optional<Duration> for_duration,
                   bool force, FenceScope scope) override;
    ApiReply unfence(const std::string& az, FenceScope scope, bool skip_ramp) override;
    ApiReply reload() override;
    ApiReply explain(const std::string& name, const std::string& type, const std::string& client) override;
    std::string metrics() override;
    ApiReply fleet_report(const std::string& body) override;
    ApiReply fleet_state() override;

private:
    ApiReply fence_reply(const std::string& az, const FenceOutcome& outcome);

    const AnswerEngine& engine_;
    HealthMonitor& health_;
    const ServingPublisher& served_;
    ZoneReloader& zones_;
    const QueryCounterRegistry* queries_;
    const ProbeMetrics* probes_;
    const TransferService* transfers_;
    const SecondaryZones* secondaries_;
};

}  // namespace azdns
