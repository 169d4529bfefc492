#include "metrics_text.hpp"

#include <charconv>
#include <cmath>

namespace azdns {

namespace {

// HELP text escapes only backslash and newline.
std::string escape_help(std::string_view text) {
    std::string out;
    for (char c : text) {
        if (c == '\\') {
            out += "\\\\";
        } else if (c == '\n') {
            out += "\\n";
        } else {
            out += c;
        }
    }
    return out;
}

void render_queries(MetricsText& out, const MetricsInput& input) {
    out.family("azdns_queries_total", "counter",
               "DNS queries by transport and response code; rcode \"none\": dropped without a response, "
               "\"other\": an extended code (BADVERS).");
    const QueryTotals& q = input.queries;
    for (std::size_t t = 0; t < transports; ++t) {
        for (std::size_t b = 0; b < rcode_buckets; ++b) {
            // The usual codes always, so that rates start from zero; the rest once seen.
            bool usual = b <= 5 || b == rcode_none;
            if (!usual && q.responses[t][b] == 0) continue;
            out.sample("azdns_queries_total", {{"transport", transport_label(t)}, {"rcode", rcode_label(b)}},
                       q.responses[t][b]);
        }
    }
    out.family("azdns_responses_truncated_total", "counter", "Responses sent with TC=1.");
    out.sample("azdns_responses_truncated_total", {}, q.truncated);
    out.family("azdns_rrl_limited_total", "counter",
               "Responses response rate limiting dropped or slipped, by response class (docs/security.md).");
    for (std::size_t c = 0; c < response_classes; ++c)
        out.sample("azdns_rrl_limited_total", {{"class", response_class_name(static_cast<ResponseClass>(c))}},
                   q.rate_limited[c]);
    out.family("azdns_rrl_slipped_total", "counter",
               "Limited responses sent truncated (TC=1), or BADCOOKIE to a client that sent a cookie.");
    out.sample("azdns_rrl_slipped_total", {}, q.rate_slipped);
    out.family("azdns_answers_filtered_total", "counter",
               "Responses in which health filtering removed addresses or applied the all_down policy, by zone.");
    for (std::size_t slot = 0; slot < input.zone_slots.size(); ++slot) {
        if (input.zone_slots[slot].empty()) continue;  // a slot no zone uses now
        std::uint64_t value = slot < q.filtered.size() ? q.filtered[slot] : 0;
        out.sample("azdns_answers_filtered_total", {{"zone", input.zone_slots[slot]}}, value);
    }
}

void render_health(MetricsText& out, const MetricsInput& input) {
    out.family("azdns_az_fenced", "gauge", "1 when the AZ is fenced, by reason.");
    for (const MetricsInput::Az& az : input.azs) {
        for (std::string_view reason : {"health", "manual"}) {
            out.sample("azdns_az_fenced", {{"az", az.name}, {"reason", reason}},
                       std::uint64_t{az.fenced == reason ? 1u : 0u});
        }
    }
    out.family("azdns_endpoint_up", "gauge", "1 when the endpoint counts as up (or is not probed yet).");
    for (const MetricsInput::Endpoint& e : input.endpoints) {
        out.sample("azdns_endpoint_up", {{"address", e.address}, {"az", e.az}, {"check", e.check}},
                   std::uint64_t{e.up ? 1u : 0u});
    }
    if (!input.fleet.peers.empty()) {
        out.family("azdns_endpoint_up_here", "gauge",
                   "1 when this instance's own probes see the endpoint up (or have no result yet).");
        for (const MetricsInput::Endpoint& e : input.endpoints)
            out.sample("azdns_endpoint_up_here", {{"address", e.address}, {"az", e.az}, {"check", e.check}},
                       std::uint64_t{e.up_here ? 1u : 0u});
        out.family("azdns_endpoint_down_votes", "gauge",
                   "Vantage points that count (fresh, not impaired) and see the endpoint down.");
        for (const MetricsInput::Endpoint& e : input.endpoints)
            out.sample("azdns_endpoint_down_votes", {{"address", e.address}, {"az", e.az}, {"check", e.check}},
                       std::uint64_t{e.down_votes});
        out.family("azdns_endpoint_voters", "gauge", "Vantage points that count and have a verdict on the endpoint.");
        for (const MetricsInput::Endpoint& e : input.endpoints)
            out.sample("azdns_endpoint_voters", {{"address", e.address}, {"az", e.az}, {"check", e.check}},
                       std::uint64_t{e.voters});
    }
    out.family("azdns_health_view_rebuilds_total", "counter",
               "Health views built and published: one per probe-loop turn, fence, tick or reload that changed "
               "health, however many endpoints it changed.");
    out.sample("azdns_health_view_rebuilds_total", {}, input.health_view_rebuilds);
    out.family("azdns_probe_duration_seconds", "histogram", "How long health probes took, by check.");
    for (const auto& [check, histogram] : input.probes.durations) {
        out.histogram("azdns_probe_duration_seconds", {{"check", check}}, histogram);
    }
    out.family("azdns_probe_failures_total", "counter", "Failed health probes, by check and reason.");
    for (const auto& [key, count] : input.probes.failures) {
        out.sample("azdns_probe_failures_total", {{"check", key.first}, {"reason", key.second}}, count);
    }
}

void render_fleet(MetricsText& out, const MetricsInput::Fleet& fleet) {
    if (fleet.peers.empty()) return;
    out.family("azdns_fleet_deciding_alone", "gauge", "1 while fewer vantage points count than the quorum.");
    out.sample("azdns_fleet_deciding_alone", {}, std::uint64_t{fleet.deciding_alone ? 1u : 0u});
    out.family("azdns_fleet_prober_impaired", "gauge", "1 while this instance's prober is impaired.");
    out.sample("azdns_fleet_prober_impaired", {}, std::uint64_t{fleet.impaired ? 1u : 0u});
    out.family("azdns_fleet_fail_static", "gauge", "1 while impaired and alone, holding the last verdicts.");
    out.sample("azdns_fleet_fail_static", {}, std::uint64_t{fleet.fail_static ? 1u : 0u});
    out.family("azdns_fleet_peer_fresh", "gauge", "1 while the peer's state is younger than stale_after.");
    for (const MetricsInput::Peer& peer : fleet.peers)
        out.sample("azdns_fleet_peer_fresh", {{"peer", peer.name}}, std::uint64_t{peer.fresh ? 1u : 0u});
    out.family("azdns_fleet_peer_reachable", "gauge", "1 when the last report sent to the peer was taken.");
    for (const MetricsInput::Peer& peer : fleet.peers)
        out.sample("azdns_fleet_peer_reachable", {{"peer", peer.name}}, std::uint64_t{peer.reachable ? 1u : 0u});
    out.family("azdns_fleet_peer_state_age_seconds", "gauge",
               "How long ago the peer's current state arrived or was confirmed; absent until it first does.");
    for (const MetricsInput::Peer& peer : fleet.peers)
        if (peer.age_seconds) out.sample("azdns_fleet_peer_state_age_seconds", {{"peer", peer.name}}, *peer.age_seconds);
    out.family("azdns_fleet_reports_sent_total", "counter", "Reports and heartbeats the peer took.");
    for (const MetricsInput::Peer& peer : fleet.peers)
        out.sample("azdns_fleet_reports_sent_total", {{"peer", peer.name}}, peer.reports_sent);
    out.family("azdns_fleet_report_bytes_sent_total", "counter", "Bytes of the reports and heartbeats the peer took.");
    for (const MetricsInput::Peer& peer : fleet.peers)
        out.sample("azdns_fleet_report_bytes_sent_total", {{"peer", peer.name}}, peer.report_bytes_sent);
}

void render_zones(MetricsText& out, const MetricsInput& input) {
    out.family("azdns_zone_serial", "gauge",
               "The SOA serial of the zone being served: view \"file\" as its file says, \"filtered\" as "
               "transfers of the filtered view and SOA answers carry it.");
    for (const MetricsInput::Zone& zone : input.zones) {
        out.sample("azdns_zone_serial", {{"zone", zone.origin}, {"view", "file"}}, std::uint64_t{zone.serial});
        if (zone.filtered_serial)
            out.sample("azdns_zone_serial", {{"zone", zone.origin}, {"view", "filtered"}},
                       std::uint64_t{*zone.filtered_serial});
    }
    out.family("azdns_zone_reload_errors_total", "counter",
               "Reloads in which the zone failed to load (it kept serving its previous version).");
    for (const MetricsInput::Zone& zone : input.zones) {
        out.sample("azdns_zone_reload_errors_total", {{"zone", zone.origin}}, zone.reload_errors);
    }
}

void render_transfers(MetricsText& out, const MetricsInput::Transfers& transfers) {
    out.family("azdns_transfers_out_total", "counter",
               "Zone transfers served to the end: kind \"axfr\" sent the whole zone (an IXFR answered so "
               "included), \"ixfr\" the changes or that the client is current.");
    out.sample("azdns_transfers_out_total", {{"kind", "axfr"}}, transfers.out_axfr);
    out.sample("azdns_transfers_out_total", {{"kind", "ixfr"}}, transfers.out_ixfr);
    out.family("azdns_transfers_out_failed_total", "counter",
               "Zone transfers begun and not finished (the client went, a write timed out).");
    out.sample("azdns_transfers_out_failed_total", {}, transfers.out_failed);
    out.family("azdns_transfers_turned_away_total", "counter",
               "Transfer connections closed at once because every transfer thread was busy.");
    out.sample("azdns_transfers_turned_away_total", {}, transfers.turned_away);
    out.family("azdns_transfers_in_total", "counter",
               "Versions of a zone taken from its primaries (by AXFR or IXFR) and served, by zone.");
    for (const MetricsInput::Secondary& s : transfers.secondaries)
        out.sample("azdns_transfers_in_total", {{"zone", s.zone}}, s.transfers_in);
    out.family("azdns_zone_refresh_failures_total", "counter",
               "Refreshes of a zone taken from primaries that failed (no primary answered, or what came was "
               "refused), by zone.");
    for (const MetricsInput::Secondary& s : transfers.secondaries)
        out.sample("azdns_zone_refresh_failures_total", {{"zone", s.zone}}, s.refresh_failures);
    out.family("azdns_zone_served", "gauge",
               "1 while a zone taken from primaries is served; 0 before its first transfer and after it expired "
               "(answered SERVFAIL).");
    for (const MetricsInput::Secondary& s : transfers.secondaries)
        out.sample("azdns_zone_served", {{"zone", s.zone}}, std::uint64_t{s.served ? 1u : 0u});
    out.family("azdns_notify_sent_total", "counter", "NOTIFY datagrams sent, resends included, by zone and target.");
    for (const MetricsInput::Notify& n : transfers.notify)
        out.sample("azdns_notify_sent_total", {{"zone", n.zone}, {"target", n.target}}, n.sent);
    out.family("azdns_notify_total", "counter",
               "NOTIFY exchanges ended, by zone, target and outcome: acked (NOERROR), refused (another rcode), "
               "failed (no answer after every try, or not sent).");
    for (const MetricsInput::Notify& n : transfers.notify) {
        out.sample("azdns_notify_total", {{"zone", n.zone}, {"target", n.target}, {"outcome", "acked"}}, n.acked);
        out.sample("azdns_notify_total", {{"zone", n.zone}, {"target", n.target}, {"outcome", "refused"}}, n.refused);
        out.sample("azdns_notify_total", {{"zone", n.zone}, {"target", n.target}, {"outcome", "failed"}}, n.failed);
    }
}

}  // namespace

std::string escape_label_value(std::string_view value) {
    std::string out;
    out.reserve(value.size());
    for (char c : value) {
        if (c == '\\' || c == '"') {
            out += '\\';
            out += c;
        } else if (c == '\n') {
            out += "\\n";
        } else {
            out += c;
        }
    }
    return out;
}

std::string format_metric_value(double value) {
    if (std::isnan(value)) return "NaN";
    if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
    char text[32];
    auto result = std::to_chars(text, text + sizeof text, value);
    return {text, result.ptr};
}

void MetricsText::family(std::string_view name, std::string_view type, std::string_view help) {
    out_ += "# HELP ";
    out_ += name;
    out_ += ' ';
    out_ += escape_help(help);
    out_ += "\n# TYPE ";
    out_ += name;
    out_ += ' ';
    out_ += type;
    out_ += '\n';
}

void MetricsText::series(std::string_view name, MetricLabels labels, std::string_view extra_name,
                         std::string_view extra_value) {
    out_ += name;
    if (labels.size() == 0 && extra_name.empty()) return;
    char separator = '{';
    auto label = [&](std::string_view key, std::string_view value) {
        out_ += separator;
        out_ += key;
        out_ += "=\"";
        out_ += escape_label_value(value);
        out_ += '"';
        separator = ',';
    };
    for (const auto& [key, value] : labels) label(key, value);
    if (!extra_name.empty()) label(extra_name, extra_value);
    out_ += '}';
}

void MetricsText::sample(std::string_view name, MetricLabels labels, std::uint64_t value) {
    series(name, labels);
    out_ += ' ';
    out_ += std::to_string(value);
    out_ += '\n';
}

void MetricsText::sample(std::string_view name, MetricLabels labels, double value) {
    series(name, labels);
    out_ += ' ';
    out_ += format_metric_value(value);
    out_ += '\n';
}

void MetricsText::histogram(std::string_view name, MetricLabels labels, const DurationHistogram& histogram) {
    std::string bucket = std::string(name) + "_bucket";
    std::uint64_t cumulative = 0;
    for (std::size_t i = 0; i < histogram.buckets.size(); ++i) {
        cumulative += histogram.buckets[i];
        std::string le = i < probe_duration_buckets.size() ? format_metric_value(probe_duration_buckets[i]) : "+Inf";
        series(bucket, labels, "le", le);
        out_ += ' ';
        out_ += std::to_string(cumulative);
        out_ += '\n';
    }
    sample(std::string(name) + "_sum", labels, histogram.sum);
    sample(std::string(name) + "_count", labels, histogram.count);
}

std::string render_metrics(const MetricsInput& input) {
    MetricsText out;
    render_queries(out, input);
    render_health(out, input);
    render_fleet(out, input.fleet);
    render_zones(out, input);
    render_transfers(out, input.transfers);
    return out.text();
}

}  // namespace azdns
