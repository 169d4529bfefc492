// Re-reading the zone files while serving (spec: "Reload"): SIGHUP and
// `POST /v1/reload` both land here. A zone that fails to load keeps serving
// its previous version; its error is kept for /v1/status and logged. The new
// set goes to the health monitor, which publishes it with its health view.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "config.hpp"
#include "zone_loading.hpp"

namespace azdns {

class HealthMonitor;

struct ZoneStatus {
    std::string origin;  // text form, "example.com."
    std::uint32_t serial = 0;
    std::size_t records = 0;
    std::chrono::system_clock::time_point loaded_at;  // of the version being served
    std::string error;   // of the last attempt; empty when it loaded
};

class ZoneReloader {
public:
    // `initial` must hold every zone (serve refuses to start otherwise).
    ZoneReloader(const Config& config, const LoadedZones& initial, HealthMonitor& health);

    // Thread-safe; one reload at a time. Returns every zone's status after it.
    std::vector<ZoneStatus> reload();
    [[nodiscard]] std::vector<ZoneStatus> status() const;

private:
    const Config& config_;
    HealthMonitor& health_;
    mutable std::mutex mutex_;
    std::vector<std::shared_ptr<const Zone>> current_;  // in config order
    std::vector<ZoneStatus> status_;
};

}  // namespace azdns
