// The /metrics text (Prometheus exposition format 0.0.4) and what feeds it:
// per-thread query counters summed by the registry, probe histograms.
#include <doctest/doctest.h>

#include <string>
#include <thread>
#include <vector>

#include "metrics_text.hpp"
#include "probe_metrics.hpp"
#include "query_counters.hpp"

using namespace azdns;

namespace {

bool has_line(const std::string& text, const std::string& line) {
    return text.find("\n" + line + "\n") != std::string::npos || text.rfind(line + "\n", 0) == 0;
}

}  // namespace

TEST_SUITE("metrics") {

TEST_CASE("label values escape backslash, quote and newline; help text backslash and newline") {
    CHECK(escape_label_value("plain") == "plain");
    CHECK(escape_label_value("a\\b\"c\nd") == "a\\\\b\\\"c\\nd");
    MetricsText out;
    out.family("x_total", "counter", "line one\nback\\slash \"quoted\"");
    out.sample("x_total", {{"zone", "we\"ird\\.\n"}}, std::uint64_t{3});
    out.sample("x_total", {}, std::uint64_t{4});
    CHECK(out.text() ==
          "# HELP x_total line one\\nback\\\\slash \"quoted\"\n"
          "# TYPE x_total counter\n"
          "x_total{zone=\"we\\\"ird\\\\.\\n\"} 3\n"
          "x_total 4\n");
}

TEST_CASE("values: integers plain, doubles shortest, infinities and NaN spelled out") {
    CHECK(format_metric_value(0.0025) == "0.0025");
    CHECK(format_metric_value(10) == "10");
    CHECK(format_metric_value(1.5) == "1.5");
    CHECK(format_metric_value(1.0 / 0.0) == "+Inf");
    CHECK(format_metric_value(-1.0 / 0.0) == "-Inf");
    CHECK(format_metric_value(0.0 / 0.0) == "NaN");
}

TEST_CASE("histogram: cumulative buckets with le, +Inf equal to _count, then _sum and _count") {
    DurationHistogram h;
    h.observe(0.001);   // on a bound: that bucket (le is "less or equal")
    h.observe(0.003);   // .005
    h.observe(0.2);     // .25
    h.observe(30);      // above every bound
    CHECK(h.count == 4);
    MetricsText out;
    out.histogram("d_seconds", {{"check", "web"}}, h);
    const std::string& text = out.text();
    CHECK(has_line(text, "d_seconds_bucket{check=\"web\",le=\"0.001\"} 1"));
    CHECK(has_line(text, "d_seconds_bucket{check=\"web\",le=\"0.0025\"} 1"));
    CHECK(has_line(text, "d_seconds_bucket{check=\"web\",le=\"0.005\"} 2"));
    CHECK(has_line(text, "d_seconds_bucket{check=\"web\",le=\"0.1\"} 2"));
    CHECK(has_line(text, "d_seconds_bucket{check=\"web\",le=\"0.25\"} 3"));
    CHECK(has_line(text, "d_seconds_bucket{check=\"web\",le=\"10\"} 3"));
    CHECK(has_line(text, "d_seconds_bucket{check=\"web\",le=\"+Inf\"} 4"));
    CHECK(has_line(text, "d_seconds_sum{check=\"web\"} 30.204"));
    CHECK(has_line(text, "d_seconds_count{check=\"web\"} 4"));
    // Buckets in order, +Inf last, before _sum.
    CHECK(text.find("le=\"+Inf\"") < text.find("_sum"));
    CHECK(text.find("le=\"5\"") < text.find("le=\"10\""));
}

TEST_CASE("probe metrics: durations by check, failures by check and reason") {
    ProbeMetrics probes;
    probes.record("web", {true, "", std::chrono::microseconds(2000)});
    probes.record("web", {false, "connect refused", std::chrono::microseconds(300)});
    probes.record("web", {false, "connect refused", std::chrono::microseconds(400)});
    probes.record("dns", {false, "timeout", std::chrono::microseconds(150000)});
    ProbeMetricsSnapshot snap = probes.snapshot();
    REQUIRE(snap.durations.count("web") == 1);
    CHECK(snap.durations["web"].count == 3);
    CHECK(snap.durations["dns"].count == 1);
    CHECK(snap.failures[{"web", "connect refused"}] == 2);
    CHECK(snap.failures[{"dns", "timeout"}] == 1);
    CHECK(snap.failures.size() == 2);
}

TEST_CASE("query counters: each thread its own block, the registry sums them") {
    QueryCounterRegistry registry;
    constexpr int threads = 4;
    constexpr int per_thread = 10000;
    std::vector<QueryCounters*> blocks;
    for (int i = 0; i < threads; ++i) blocks.push_back(&registry.add());
    std::vector<std::thread> running;
    for (int i = 0; i < threads; ++i) {
        running.emplace_back([&, i] {
            QueryCounters& mine = *blocks[static_cast<std::size_t>(i)];
            Transport transport = i % 2 == 0 ? Transport::udp : Transport::tcp;
            for (int n = 0; n < per_thread; ++n) {
                AnswerStats stats;
                stats.rcode = n % 4 == 0 ? 3 : 0;           // a quarter NXDOMAIN
                stats.truncated = n % 10 == 0;
                stats.health_filtered = n % 5 == 0;
                stats.zone_slot = static_cast<std::uint32_t>(n % 3);
                mine.count(transport, 100, stats);
            }
            mine.count(transport, 0, AnswerStats{});                  // no response
            mine.count(transport, 100, AnswerStats{16, false, false}); // BADVERS: "other"
        });
    }
    for (auto& t : running) t.join();
    // Before any scrape is taken, an extra block is added while others exist.
    (void)registry.add();

    QueryTotals totals = registry.totals();
    for (std::size_t t = 0; t < transports; ++t) {
        CAPTURE(t);
        CHECK(totals.responses[t][0] == 2u * per_thread * 3 / 4);
        CHECK(totals.responses[t][3] == 2u * per_thread / 4);
        CHECK(totals.responses[t][rcode_none] == 2u);
        CHECK(totals.responses[t][rcode_other] == 2u);
    }
    CHECK(totals.truncated == threads * per_thread / 10);
    std::uint64_t filtered = 0;
    for (std::uint64_t f : totals.filtered) filtered += f;
    CHECK(filtered == threads * per_thread / 5);
    REQUIRE(totals.filtered.size() >= 3);
    CHECK(totals.filtered[0] + totals.filtered[1] + totals.filtered[2] == filtered);
}

TEST_CASE("query counters: zones a reload adds are counted, however many; past the cap is ignored") {
    QueryCounterRegistry registry;
    QueryCounters& block = registry.add();
    CHECK(registry.totals().filtered.empty());
    const std::uint32_t added_late = 5000;  // a slot given after many reloads added and removed zones
    block.count(Transport::udp, 100, AnswerStats{0, false, true, added_late});
    block.count(Transport::udp, 100, AnswerStats{0, false, true, added_late});
    block.count(Transport::udp, 100, AnswerStats{0, false, true, 1});
    QueryTotals totals = registry.totals();
    REQUIRE(totals.filtered.size() > added_late);
    CHECK(totals.filtered[added_late] == 2);
    CHECK(totals.filtered[1] == 1);
    CHECK(totals.filtered[0] == 0);
    // Beyond the cap: the answer still counts by rcode, the slot is not written.
    block.count(Transport::udp, 100,
                AnswerStats{0, false, true, static_cast<std::uint32_t>(QueryCounters::max_zone_slots)});
    totals = registry.totals();
    CHECK(totals.responses[0][0] == 4);
    CHECK(totals.filtered.size() <= QueryCounters::max_zone_slots);
}

TEST_CASE("query counters: blocks are cache-line aligned and do not share lines") {
    CHECK(alignof(QueryCounters) == 64);
    CHECK(sizeof(QueryCounters) % 64 == 0);
    QueryCounterRegistry registry;
    auto& a = registry.add();
    auto& b = registry.add();
    CHECK(reinterpret_cast<std::uintptr_t>(&a) % 64 == 0);
    CHECK(reinterpret_cast<std::uintptr_t>(&b) % 64 == 0);
}

TEST_CASE("render_metrics: every spec family, query series by transport and rcode name") {
    MetricsInput input;
    input.queries.responses[0][0] = 5;   // udp NOERROR
    input.queries.responses[1][5] = 2;   // tcp REFUSED
    input.queries.responses[0][9] = 1;   // udp NOTAUTH: rare codes only once seen
    input.queries.truncated = 4;
    input.queries.filtered = {0, 7};
    input.zone_slots = {"example.com.", "health.test."};
    input.azs = {{"az-a", "manual"}, {"az-b", ""}};
    input.endpoints = {{"127.0.0.11", "az-a", "web", false}, {"2001:db8::1", "", "web", true}};
    input.probes.durations["web"].observe(0.002);
    input.probes.failures[{"web", "connect refused"}] = 3;
    input.zones = {{"example.com.", 2026010101, 0}, {"health.test.", 7, 2}};
    std::string text = render_metrics(input);
    INFO(text);
    for (const char* family : {"azdns_queries_total counter", "azdns_responses_truncated_total counter",
                               "azdns_answers_filtered_total counter", "azdns_az_fenced gauge",
                               "azdns_endpoint_up gauge", "azdns_probe_duration_seconds histogram",
                               "azdns_probe_failures_total counter", "azdns_zone_serial gauge",
                               "azdns_zone_reload_errors_total counter"}) {
        CHECK(text.find(std::string("# TYPE ") + family + "\n") != std::string::npos);
    }
    CHECK(has_line(text, "azdns_queries_total{transport=\"udp\",rcode=\"NOERROR\"} 5"));
    CHECK(has_line(text, "azdns_queries_total{transport=\"tcp\",rcode=\"REFUSED\"} 2"));
    CHECK(has_line(text, "azdns_queries_total{transport=\"tcp\",rcode=\"NXDOMAIN\"} 0"));
    CHECK(has_line(text, "azdns_queries_total{transport=\"udp\",rcode=\"none\"} 0"));
    CHECK(has_line(text, "azdns_queries_total{transport=\"udp\",rcode=\"NOTAUTH\"} 1"));
    CHECK(text.find("rcode=\"NOTAUTH\"} 0") == std::string::npos);
    CHECK(text.find("rcode=\"YXDOMAIN\"") == std::string::npos);
    CHECK(has_line(text, "azdns_responses_truncated_total 4"));
    CHECK(has_line(text, "azdns_answers_filtered_total{zone=\"example.com.\"} 0"));
    CHECK(has_line(text, "azdns_answers_filtered_total{zone=\"health.test.\"} 7"));
    CHECK(has_line(text, "azdns_az_fenced{az=\"az-a\",reason=\"manual\"} 1"));
    CHECK(has_line(text, "azdns_az_fenced{az=\"az-a\",reason=\"health\"} 0"));
    CHECK(has_line(text, "azdns_az_fenced{az=\"az-b\",reason=\"manual\"} 0"));
    CHECK(has_line(text, "azdns_endpoint_up{address=\"127.0.0.11\",az=\"az-a\",check=\"web\"} 0"));
    CHECK(has_line(text, "azdns_endpoint_up{address=\"2001:db8::1\",az=\"\",check=\"web\"} 1"));
    CHECK(has_line(text, "azdns_probe_duration_seconds_bucket{check=\"web\",le=\"0.0025\"} 1"));
    CHECK(has_line(text, "azdns_probe_duration_seconds_count{check=\"web\"} 1"));
    CHECK(has_line(text, "azdns_probe_failures_total{check=\"web\",reason=\"connect refused\"} 3"));
    CHECK(has_line(text, "azdns_zone_serial{zone=\"example.com.\",view=\"file\"} 2026010101"));
    CHECK(has_line(text, "azdns_zone_reload_errors_total{zone=\"health.test.\"} 2"));
    // Every non-comment line is "name{labels} value" or "name value".
    std::size_t at = 0;
    while (at < text.size()) {
        std::size_t end = text.find('\n', at);
        REQUIRE(end != std::string::npos);
        std::string line = text.substr(at, end - at);
        at = end + 1;
        if (line.rfind("# HELP ", 0) == 0 || line.rfind("# TYPE ", 0) == 0) continue;
        CAPTURE(line);
        CHECK(line.rfind("azdns_", 0) == 0);
        CHECK(line.find(' ') != std::string::npos);
    }
}

}  // TEST_SUITE

TEST_CASE("render_metrics: the health view rebuilds, one counter") {
    MetricsInput input;
    input.health_view_rebuilds = 12;
    std::string text = render_metrics(input);
    INFO(text);
    CHECK(text.find("# TYPE azdns_health_view_rebuilds_total counter\n") != std::string::npos);
    CHECK(has_line(text, "azdns_health_view_rebuilds_total 12"));
}

TEST_CASE("render_metrics: a fleet's series by peer and the votes by endpoint; none in a fleet of one") {
    MetricsInput input;
    input.endpoints = {{"127.0.0.11", "az-a", "web", true, false, 1, 3}};
    CHECK(render_metrics(input).find("azdns_fleet_") == std::string::npos);
    CHECK(render_metrics(input).find("azdns_endpoint_down_votes") == std::string::npos);
    input.fleet.deciding_alone = true;
    input.fleet.peers = {{"ns2", true, true, 0.25, 40, 5120}, {"ns3", false, false, std::nullopt, 0, 0}};
    std::string text = render_metrics(input);
    INFO(text);
    CHECK(has_line(text, "azdns_fleet_deciding_alone 1"));
    CHECK(has_line(text, "azdns_fleet_prober_impaired 0"));
    CHECK(has_line(text, "azdns_fleet_peer_fresh{peer=\"ns2\"} 1"));
    CHECK(has_line(text, "azdns_fleet_peer_reachable{peer=\"ns3\"} 0"));
    CHECK(has_line(text, "azdns_fleet_peer_state_age_seconds{peer=\"ns2\"} 0.25"));
    CHECK(text.find("azdns_fleet_peer_state_age_seconds{peer=\"ns3\"}") == std::string::npos);  // never heard
    CHECK(has_line(text, "azdns_fleet_reports_sent_total{peer=\"ns2\"} 40"));
    CHECK(has_line(text, "azdns_fleet_report_bytes_sent_total{peer=\"ns2\"} 5120"));
    CHECK(has_line(text, "azdns_endpoint_up{address=\"127.0.0.11\",az=\"az-a\",check=\"web\"} 1"));
    CHECK(has_line(text, "azdns_endpoint_up_here{address=\"127.0.0.11\",az=\"az-a\",check=\"web\"} 0"));
    CHECK(has_line(text, "azdns_endpoint_down_votes{address=\"127.0.0.11\",az=\"az-a\",check=\"web\"} 1"));
    CHECK(has_line(text, "azdns_endpoint_voters{address=\"127.0.0.11\",az=\"az-a\",check=\"web\"} 3"));
}

TEST_CASE("render_metrics: zones taken from primaries: versions taken, failed refreshes, served or not") {
    MetricsInput input;
    input.transfers.secondaries = {{"example.org.", 3, 1, true}, {"example.net.", 0, 7, false}};
    const std::string text = render_metrics(input);
    INFO(text);
    CHECK(has_line(text, "azdns_transfers_in_total{zone=\"example.org.\"} 3"));
    CHECK(has_line(text, "azdns_zone_refresh_failures_total{zone=\"example.net.\"} 7"));
    CHECK(has_line(text, "azdns_zone_served{zone=\"example.org.\"} 1"));
    CHECK(has_line(text, "azdns_zone_served{zone=\"example.net.\"} 0"));
    CHECK(text.find("# TYPE azdns_zone_served gauge\n") != std::string::npos);
}

TEST_CASE("render_metrics: transfers out by kind, NOTIFY by zone, target and outcome, filtered serials") {
    MetricsInput input;
    input.zones = {{"example.com.", 2026010101, 0, 2026010104}, {"example.net.", 7, 0, std::nullopt}};
    input.transfers = {.out_axfr = 3, .out_ixfr = 5, .out_failed = 1, .turned_away = 2,
                       .notify = {{"example.com.", "127.0.0.1:5300", 4, 2, 1, 0}},
                       .secondaries = {}};
    const std::string text = render_metrics(input);
    INFO(text);
    CHECK(has_line(text, "azdns_zone_serial{zone=\"example.com.\",view=\"file\"} 2026010101"));
    CHECK(has_line(text, "azdns_zone_serial{zone=\"example.com.\",view=\"filtered\"} 2026010104"));
    CHECK(has_line(text, "azdns_zone_serial{zone=\"example.net.\",view=\"file\"} 7"));
    CHECK(text.find("azdns_zone_serial{zone=\"example.net.\",view=\"filtered\"}") == std::string::npos);
    CHECK(has_line(text, "azdns_transfers_out_total{kind=\"axfr\"} 3"));
    CHECK(has_line(text, "azdns_transfers_out_total{kind=\"ixfr\"} 5"));
    CHECK(has_line(text, "azdns_transfers_out_failed_total 1"));
    CHECK(has_line(text, "azdns_transfers_turned_away_total 2"));
    CHECK(has_line(text, "azdns_notify_sent_total{zone=\"example.com.\",target=\"127.0.0.1:5300\"} 4"));
    CHECK(has_line(text, "azdns_notify_total{zone=\"example.com.\",target=\"127.0.0.1:5300\",outcome=\"acked\"} 2"));
    CHECK(has_line(text, "azdns_notify_total{zone=\"example.com.\",target=\"127.0.0.1:5300\",outcome=\"refused\"} 1"));
    CHECK(has_line(text, "azdns_notify_total{zone=\"example.com.\",target=\"127.0.0.1:5300\",outcome=\"failed\"} 0"));
    for (const char* family : {"azdns_transfers_out_total counter", "azdns_transfers_out_failed_total counter",
                               "azdns_transfers_turned_away_total counter", "azdns_notify_total counter",
                               "azdns_notify_sent_total counter"}) {
        CHECK(text.find(std::string("# TYPE ") + family + "\n") != std::string::npos);
    }
}
