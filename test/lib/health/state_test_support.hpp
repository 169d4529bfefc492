// Shared by the health state suites (health_state, fleet_state): the clock
// as a number of seconds, probe results, endpoints of the check "web", and
// AZ and check settings.
#pragma once

#include <chrono>
#include <string>

#include "health_state.hpp"

namespace azdns::state_test {

using namespace std::chrono_literals;

inline HealthTime at(int seconds) { return HealthTime{} + std::chrono::seconds(seconds); }

inline const ProbeResult pass{true, "", 1000us};
inline const ProbeResult refused{false, "connect refused", 0us};

inline EndpointId ep(const char* address) { return {*IpAddress::parse(address), "web"}; }

inline AzConfig az(const std::string& name, double fence_below = 0.5, Duration restore_after = 30s) {
    AzConfig config;
    config.name = name;
    config.fence_below = fence_below;
    config.restore_after = restore_after;
    return config;
}

inline CheckConfig web_check(unsigned rise = 2, unsigned fall = 3) {
    CheckConfig check;
    check.name = "web";
    check.rise = rise;
    check.fall = fall;
    return check;
}

}  // namespace azdns::state_test
