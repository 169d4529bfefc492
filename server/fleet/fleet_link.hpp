// The sending half of the fleet's exchange (docs/fleet.md, "The exchange"):
// a thread per peer POSTs this instance's report to the peer's control API
// at once when it changes, and a heartbeat every stale_after/4 keeps the
// peer's copy fresh. The peer's reply says which report it holds; when that
// is not the latest (the peer restarted, or missed one), the next message
// is the whole report again. Every exchange is bounded in time and size,
// and a peer that cannot be reached costs only its own thread's time.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "config.hpp"
#include "health_monitor.hpp"

namespace azdns {

class FleetLink {
public:
    // `token`: sent to every peer as "Authorization: Bearer TOKEN". The
    // monitor must outlive the link.
    FleetLink(HealthMonitor& health, const FleetConfig& fleet, std::string token);
    FleetLink(const FleetLink&) = delete;
    FleetLink& operator=(const FleetLink&) = delete;
    ~FleetLink();  // stop()s

    void start();
    // Ends every peer's thread: at most one exchange's timeout later.
    void stop();

private:
    void run(const FleetPeer& peer);

    HealthMonitor& health_;
    const FleetConfig fleet_;
    const std::string token_;
    std::atomic<bool> stopping_{false};
    std::vector<std::thread> threads_;
};

}  // namespace azdns
