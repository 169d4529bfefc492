// GET /metrics: every series of spec "Metrics" in the Prometheus text
// exposition format 0.0.4. Pure: the caller gathers a MetricsInput (query
// counters, health, probes, zones) and this turns it into text, so the
// format is unit-tested without a server.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "probe_metrics.hpp"
#include "query_counters.hpp"

namespace azdns {

struct MetricsInput {
    QueryTotals queries;
    std::vector<std::string> zone_slots;  // zone origin (text) by ZoneSet slot, for queries.filtered

    struct Az {
        std::string name;
        std::string fenced;  // "health", "manual", or "" when up
    };
    std::vector<Az> azs;

    struct Endpoint {
        std::string address, az, check;
        bool up = true;        // the verdict the answers follow (the fleet's)
        bool up_here = true;   // this instance's own probes
        unsigned down_votes = 0;  // in a fleet: vantage points that count and see it down
        unsigned voters = 0;      // in a fleet: vantage points that count and have a verdict
    };
    std::vector<Endpoint> endpoints;

    // docs/fleet.md, "Seeing it"; `peers` empty: a fleet of one, no series.
    struct Peer {
        std::string name;
        bool fresh = false;
        bool reachable = false;
        std::optional<double> age_seconds;  // none: never heard from
        std::uint64_t reports_sent = 0;
        std::uint64_t report_bytes_sent = 0;
    };
    struct Fleet {
        bool deciding_alone = false;
        bool impaired = false;
        bool fail_static = false;
        std::vector<Peer> peers;
    };
    Fleet fleet;

    ProbeMetricsSnapshot probes;
    std::uint64_t health_view_rebuilds = 0;  // ServingPublisher::rebuilds()

    struct Zone {
        std::string origin;  // text form
        std::uint32_t serial = 0;
        std::uint64_t reload_errors = 0;
        std::optional<std::uint32_t> filtered_serial;  // none: no rule transfers the filtered view
    };
    std::vector<Zone> zones;

    // Zone transfers out (docs/transfers.md), since start.
    struct Notify {
        std::string zone, target;  // "example.com.", "192.0.2.53:53"
        std::uint64_t sent = 0, acked = 0, refused = 0, failed = 0;
    };
    // A zone taken from primaries.
    struct Secondary {
        std::string zone;  // "example.org."
        std::uint64_t transfers_in = 0, refresh_failures = 0;
        bool served = false;  // held and not expired
    };
    struct Transfers {
        std::uint64_t out_axfr = 0, out_ixfr = 0, out_failed = 0, turned_away = 0;
        std::vector<Notify> notify;
        std::vector<Secondary> secondaries;
    };
    Transfers transfers;
};

[[nodiscard]] std::string render_metrics(const MetricsInput& input);

// The building blocks, public for the tests.
using MetricLabels = std::initializer_list<std::pair<std::string_view, std::string_view>>;

// A label value with \, " and newline escaped.
[[nodiscard]] std::string escape_label_value(std::string_view value);
// A sample value: integers as they are, "+Inf", "-Inf", "NaN", else the
// shortest text that reads back as the same double.
[[nodiscard]] std::string format_metric_value(double value);

class MetricsText {
public:
    // "# HELP" and "# TYPE" lines; each family once, before its samples.
    void family(std::string_view name, std::string_view type, std::string_view help);
    void sample(std::string_view name, MetricLabels labels, std::uint64_t value);
    void sample(std::string_view name, MetricLabels labels, double value);
    // _bucket{...,le=} (cumulative, +Inf last), _sum and _count of one histogram.
    void histogram(std::string_view name, MetricLabels labels, const DurationHistogram& histogram);

    [[nodiscard]] const std::string& text() const { return out_; }

private:
    void series(std::string_view name, MetricLabels labels, std::string_view extra_name = {},
                std::string_view extra_value = {});

    std::string out_;
};

}  // namespace azdns
