#include "probe_metrics.hpp"

#include <algorithm>

namespace azdns {

void DurationHistogram::observe(double seconds) {
    // Prometheus buckets are "less than or equal": the first bound not below.
    auto bound = std::lower_bound(probe_duration_buckets.begin(), probe_duration_buckets.end(), seconds);
    ++buckets[static_cast<std::size_t>(bound - probe_duration_buckets.begin())];
    sum += seconds;
    ++count;
}

void ProbeMetrics::record(const std::string& check, const ProbeResult& result) {
    double seconds = static_cast<double>(result.rtt.count()) / 1e6;
    std::lock_guard lock(mutex_);
    auto found = data_.durations.find(check);
    if (found == data_.durations.end()) found = data_.durations.emplace(check, DurationHistogram{}).first;
    found->second.observe(seconds);
    if (!result.ok) ++data_.failures[{check, result.error.empty() ? std::string("unknown") : result.error}];
}

ProbeMetricsSnapshot ProbeMetrics::snapshot() const {
    std::lock_guard lock(mutex_);
    return data_;
}

}  // namespace azdns
