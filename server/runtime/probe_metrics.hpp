// Probe metrics (spec: "Metrics"): azdns_probe_duration_seconds, a
// histogram by check, and azdns_probe_failures_total by check and reason.
// Fed on the probe thread, one call per finished probe (a mutex is cheap
// there); read by a scrape.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <utility>

#include "endpoint_health.hpp"

namespace azdns {

// Upper bounds, in seconds, of the duration buckets (+Inf is implied).
inline constexpr std::array<double, 13> probe_duration_buckets{.001, .0025, .005, .01, .025, .05, .1,
                                                                .25,  .5,    1,    2.5, 5,   10};

struct DurationHistogram {
    // Observations per bucket, not cumulative: [i] counts those above bucket
    // i-1 and at most bucket i; the last slot counts those above every bound.
    std::array<std::uint64_t, probe_duration_buckets.size() + 1> buckets{};
    double sum = 0;  // seconds
    std::uint64_t count = 0;

    void observe(double seconds);
};

struct ProbeMetricsSnapshot {
    std::map<std::string, DurationHistogram> durations;                        // by check
    std::map<std::pair<std::string, std::string>, std::uint64_t> failures;     // by (check, reason)
};

class ProbeMetrics {
public:
    // Thread-safe. Counts the probe's duration (its rtt, which every finished
    // probe has, failed or not) and, when it failed, its reason.
    void record(const std::string& check, const ProbeResult& result);

    [[nodiscard]] ProbeMetricsSnapshot snapshot() const;

private:
    mutable std::mutex mutex_;
    ProbeMetricsSnapshot data_;
};

}  // namespace azdns
