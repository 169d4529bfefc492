// Health state that survives restarts (spec: "manual fences survive
// restarts", "an endpoint takes its last known state from state_dir"): the
// manual fences and the last known endpoint states, kept in
// `<state_dir>/health.json`. Times are stored as wall-clock milliseconds since
// the epoch, since steady-clock values mean nothing across a restart; the
// caller passes both clocks' `now` so tests need no real clock.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "health_state.hpp"

namespace azdns {

using WallTime = std::chrono::system_clock::time_point;

// A local fence, or a fleet-wide change (set or lifted) with its version.
struct StoredFence {
    std::string az;
    ManualFence fence;  // `expires` rebuilt on the steady clock
    HealthTime since;
    FenceScope scope = FenceScope::local;  // a file of version 1 has local fences only
    bool fenced = true;                    // fleet: false for a lifting
    FenceVersion version;                  // fleet only
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

// What the config in force has, which bounds what a health.json written
// for it can hold.
struct HealthStateScope {
    std::size_t endpoints = 0;
    std::size_t azs = 0;
};

// The largest health.json that `scope` explains, with room to spare: 64 KiB,
// plus 1 KiB per endpoint (one is written in about 150 bytes) and 512 KiB
// per AZ (a manual fence's reason arrives in a control request of at most
// 64 KiB, and a few bytes may take six when written as JSON). A larger file
// is no state of this config: it is refused unread, so that a wrong or
// hostile file cannot cost memory without end.
[[nodiscard]] std::uint64_t health_state_size_limit(const HealthStateScope& scope);

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
// dropped. A corrupt file, one that is not a regular file (a FIFO, a link to
// a device: opened without waiting, never read) or one larger than
// health_state_size_limit(scope) gives an error and an empty state; the
// caller decides what to do.
LoadedHealth load_health_state(const std::string& dir, WallTime wall_now, HealthTime steady_now,
                               const HealthStateScope& scope);

}  // namespace azdns
