// Health state that survives restarts (spec: "manual fences survive
// restarts", "an endpoint takes its last known state from state_dir"): the
// manual fences and the last known endpoint states, kept in
// `<state_dir>/health.json`. Times are stored as wall-clock milliseconds since
// the epoch, since steady-clock values mean nothing across a restart; the
// caller passes both clocks' `now` so tests need no real clock.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "health_state.hpp"

namespace azdns {

using WallTime = std::chrono::system_clock::time_point;

struct StoredFence {
    std::string az;
    ManualFence fence;  // `expires` rebuilt on the steady clock
    HealthTime since;
};

struct StoredEndpoint {
    EndpointId id;
    EndpointStatus status;  // up or down; unknown endpoints are not stored
    HealthTime since;
};

struct StoredHealth {
    std::vector<StoredFence> fences;
    std::vector<StoredEndpoint> endpoints;
};

struct LoadedHealth {
    StoredHealth state;  // empty when `error` is set
    std::string error;   // empty on success; a missing file is not an error
};

// Writes `dir/health.json` atomically (temp file in `dir`, fsync, rename,
// fsync of `dir`), creating `dir` with mode 0700 if missing. Returns an
// error message, or an empty string on success.
std::string save_health_state(const std::string& dir, const HealthSnapshot& snapshot,
                              WallTime wall_now, HealthTime steady_now);

// Reads `dir/health.json`. Fences that have expired by `wall_now` are
// dropped. A corrupt file gives an error and an empty state; the caller
// decides what to do.
LoadedHealth load_health_state(const std::string& dir, WallTime wall_now, HealthTime steady_now);

}  // namespace azdns
