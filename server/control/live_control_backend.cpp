#include "live_control_backend.hpp"

#include <cstdio>
#include <ctime>
#include <memory>
#include <vector>

#include "dns_name.hpp"
#include "fleet_report.hpp"
#include "log.hpp"
#include "health_explain.hpp"
#include "metrics_text.hpp"
#include "rr_type.hpp"
#include "transfer_status.hpp"

#include <ldns/ldns.h>  // after the C++ headers: it defines true/false

namespace azdns {

namespace {

using nlohmann::json;
using WallClock = std::chrono::system_clock;

std::string rfc3339(WallClock::time_point when) {
    std::time_t seconds = WallClock::to_time_t(when);
    std::tm utc{};
    gmtime_r(&seconds, &utc);
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
    return text;
}

// Health times are on the steady clock; the API speaks wall-clock time.
std::string rfc3339(HealthTime when) {
    auto age = std::chrono::duration_cast<WallClock::duration>(HealthClock::now() - when);
    return rfc3339(WallClock::now() - age);
}

const char* reason_name(FenceReason reason) {
    switch (reason) {
    case FenceReason::none: return nullptr;
    case FenceReason::health: return "health";
    case FenceReason::manual: return "manual";
    }
    return nullptr;
}

json az_json(const AzConfig& config, const AzView& az, const HealthSnapshot& health) {
    unsigned up = 0;
    unsigned total = 0;
    for (const EndpointView& e : health.endpoints) {
        if (e.az != az.name) continue;
        ++total;
        up += e.status != EndpointStatus::down ? 1 : 0;
    }
    const char* reason = reason_name(az.fenced);
    json out{{"name", az.name},
             {"region", config.region},
             {"state", az.fenced == FenceReason::none ? "up" : "fenced"},
             {"reason", reason != nullptr ? json(reason) : json(nullptr)},
             {"since", rfc3339(az.since)},
             {"endpoints_up", up},
             {"endpoints_total", total},
             {"manual_reason", az.manual ? json(az.manual->reason) : json(nullptr)},
             {"manual_scope", az.manual ? json(az.manual_local ? "local" : "fleet") : json(nullptr)},
             {"fence_version", az.fleet_fence.version.counter == 0
                                   ? json(nullptr)
                                   : json{{"counter", az.fleet_fence.version.counter},
                                          {"instance", az.fleet_fence.version.instance}}},
             {"expires", az.manual && az.manual->expires ? json(rfc3339(*az.manual->expires)) : json(nullptr)},
             // A gentle return after restore: in this share of answers until ramp_ends.
             {"answer_permille", az.answer_permille},
             {"ramp_ends", az.ramp_since ? json(rfc3339(*az.ramp_since + az.ramp)) : json(nullptr)}};
    return out;
}

json zone_json(const ZoneStatus& zone) {
    return {{"origin", zone.origin},
            {"serial", zone.serial},
            {"records", zone.records},
            {"loaded_at", rfc3339(zone.loaded_at)},
            {"error", zone.error.empty() ? json(nullptr) : json(zone.error)}};
}

const char* status_name(EndpointStatus status) {
    return status == EndpointStatus::down ? "down" : status == EndpointStatus::up ? "up" : "unknown";
}

// A query for (name, type) as bytes: the explain answer is the one a client
// gets. `anonymous`: with an EDNS Client Subnet of /0, which tells where no
// client is, so the answer is the one for a client outside every AZ.
std::vector<std::uint8_t> make_query(const std::string& wire_name, std::uint16_t type, bool anonymous) {
    std::vector<std::uint8_t> query{0x12, 0x34, 0, 0, 0, 1, 0, 0, 0, 0, 0, static_cast<std::uint8_t>(anonymous)};
    query.insert(query.end(), wire_name.begin(), wire_name.end());
    query.insert(query.end(), {static_cast<std::uint8_t>(type >> 8), static_cast<std::uint8_t>(type), 0, 1});
    // OPT: root, type 41, size 1232, no flags, 8 bytes of option: client subnet, IPv4, /0, scope 0.
    if (anonymous) query.insert(query.end(), {0, 0, 41, 0x04, 0xd0, 0, 0, 0, 0, 0, 8, 0, 8, 0, 4, 0, 1, 0, 0});
    return query;
}

// The answer section as zone-file lines, and the RCODE's name.
void describe_answer(std::span<const std::uint8_t> response, json& out) {
    ldns_pkt* packet = nullptr;
    out["answer"] = json::array();
    if (ldns_wire2pkt(&packet, response.data(), response.size()) != LDNS_STATUS_OK) return;
    std::unique_ptr<ldns_pkt, decltype(&ldns_pkt_free)> owned(packet, ldns_pkt_free);
    ldns_lookup_table* rcode = ldns_lookup_by_id(ldns_rcodes, ldns_pkt_get_rcode(packet));
    out["rcode"] = rcode != nullptr ? rcode->name : "?";
    ldns_rr_list* answer = ldns_pkt_answer(packet);
    for (std::size_t i = 0; i < ldns_rr_list_rr_count(answer); ++i) {
        char* text = ldns_rr2str(ldns_rr_list_rr(answer, i));
        std::string line = text != nullptr ? text : "";
        std::free(text);
        while (!line.empty() && (line.back() == '\n')) line.pop_back();
        for (char& c : line)
            if (c == '\t') c = ' ';
        out["answer"].push_back(line);
    }
}

const char* vote_name(const VantageView& vote) {
    if (vote.stale) return "stale";
    if (vote.vote == Vote::none) return "none";
    return vote.vote == Vote::down ? "down" : "up";
}

json optional_time(const std::optional<HealthTime>& when) { return when ? json(rfc3339(*when)) : json(nullptr); }

// The status JSON's "fleet" object (docs/fleet.md, "Seeing it"): this
// vantage point, its peers, and the matrix of endpoints by vantage point.
json fleet_json(const HealthSnapshot& health, const std::map<std::string, HealthMonitor::PeerLink>& links) {
    const FleetView& fleet = health.fleet;
    json peers = json::array();
    for (const PeerView& peer : fleet.peers) {
        const auto link = links.find(peer.name);
        const bool reachable = link != links.end() && link->second.reachable;
        peers.push_back({{"name", peer.name},
                         {"fresh", peer.fresh},
                         {"reachable", reachable},
                         {"error", link != links.end() && !link->second.error.empty() ? json(link->second.error) : json(nullptr)},
                         {"heard", optional_time(peer.heard)},
                         {"age_seconds", peer.heard ? json(std::chrono::duration<double>(HealthClock::now() - *peer.heard).count())
                                                    : json(nullptr)},
                         {"impaired", peer.impaired}});
    }
    json endpoints = json::array();
    for (const EndpointView& e : health.endpoints) {
        if (e.votes.empty()) continue;
        json votes = json::object();
        for (const VantageView& vote : e.votes) votes[vote.vantage] = vote_name(vote);
        endpoints.push_back({{"address", e.id.address.to_string()},
                             {"check", e.id.check},
                             {"verdict", status_name(e.status)},
                             {"since", rfc3339(e.since)},
                             {"down_votes", e.verdict.down_votes},
                             {"voters", e.verdict.voters},
                             {"votes", votes},
                             {"why", e.votes_text}});
    }
    return {{"name", fleet.self},
            {"quorum", fleet.quorum},
            {"vantage_points", fleet.vantage_points},
            {"deciding_alone", fleet.alone},
            {"deciding_alone_since", optional_time(fleet.alone_since)},
            {"impaired", fleet.impaired},
            {"impaired_since", optional_time(fleet.impaired_since)},
            {"fail_static", fleet.fail_static},
            {"peers", peers},
            {"endpoints", endpoints}};
}

}  // namespace

json LiveControlBackend::status() {
    const HealthSnapshot health = health_.snapshot();
    json out{{"zones", json::array()}, {"azs", json::array()}, {"endpoints", json::array()}};
    const TransferFacts transfers = gather_transfer_facts(served_.serving().transfers, transfers_, secondaries_);
    for (const ZoneStatus& zone : zones_.status()) {
        json entry = zone_json(zone);
        entry["transfers"] = zone_transfers_json(transfers, zone.origin, zone.serial);
        out["zones"].push_back(std::move(entry));
    }
    out["transfers"] = transfer_totals_json(transfers);
    const std::shared_ptr<const Config> in_force = served_.config();
    for (const AzConfig& config : in_force->azs) {
        if (const AzView* az = health.az(config.name)) out["azs"].push_back(az_json(config, *az, health));
    }
    for (const EndpointView& e : health.endpoints) {
        out["endpoints"].push_back({{"address", e.id.address.to_string()},
                                    {"az", e.az.empty() ? json(nullptr) : json(e.az)},
                                    {"check", e.id.check},
                                    {"state", status_name(e.status)},
                                    {"since", rfc3339(e.since)},
                                    {"last_error", e.last_error.empty() ? json(nullptr) : json(e.last_error)},
                                    {"rtt_ms", static_cast<double>(e.rtt.count()) / 1000.0}});
    }
    out["fleet"] = fleet_json(health, health_.peer_links());
    return out;
}

ApiReply LiveControlBackend::fence_reply(const std::string& az, const FenceOutcome& outcome) {
    switch (outcome.status) {
    case FenceOutcome::Status::unknown_az:
        return {404, {{"error", "no AZ named \"" + az + "\""}}};
    case FenceOutcome::Status::would_strand: {
        json services = json::array();
        for (const std::string& service : outcome.stranded_services) services.push_back(name_to_text(service));
        return {409,
                {{"error", "fencing " + az + " would leave services with no AZ up"},
                 {"services", services}}};
    }
    case FenceOutcome::Status::applied: break;
    }
    const HealthSnapshot health = health_.snapshot();
    const std::shared_ptr<const Config> in_force = served_.config();
    for (const AzConfig& config : in_force->azs) {
        if (config.name == az) return {200, az_json(config, *health.az(az), health)};
    }
    return {404, {{"error", "no AZ named \"" + az + "\""}}};
}

ApiReply LiveControlBackend::fence(const std::string& az, const std::string& reason, std::optional<Duration> for_duration,
                                   bool force, FenceScope scope) {
    return fence_reply(az, health_.fence(az, reason, for_duration, force, scope));
}

ApiReply LiveControlBackend::unfence(const std::string& az, FenceScope scope, bool skip_ramp) {
    return fence_reply(az, health_.unfence(az, scope, skip_ramp));
}

// 409 when the config was not applied or a zone kept its previous version:
// the request was understood and the zones did reload, but what the
// operator asked for is not what is served (docs/control.md, "POST /v1/reload").
ApiReply LiveControlBackend::reload() {
    const ReloadReport report = zones_.reload();
    json zones = json::array();
    std::size_t failed = 0;
    for (const ZoneStatus& zone : report.zones) {
        failed += zone.error.empty() ? 0 : 1;
        zones.push_back({{"origin", zone.origin},
                         {"serial", zone.serial},
                         {"error", zone.error.empty() ? json(nullptr) : json(zone.error)},
                         {"errors", zone.errors}});
    }
    std::string problems;
    if (!report.config_errors.empty())
        problems = report.config_file + " has errors: the config was not applied, and the zones reloaded under the running config";
    if (failed > 0) {
        if (!problems.empty()) problems += "; ";
        problems += failed == 1 ? "1 zone failed to reload and keeps serving its previous version"
                                : std::to_string(failed) + " zones failed to reload and keep serving their previous versions";
    }
    json body{{"error", problems.empty() ? json(nullptr) : json(problems)},
              {"config",
               {{"file", report.config_file}, {"applied", report.config_errors.empty()}, {"errors", report.config_errors}}},
              {"zones", zones}};
    return {problems.empty() ? 200 : 409, body};
}

ApiReply LiveControlBackend::explain(const std::string& name, const std::string& type, const std::string& client) {
    std::string absolute = name.empty() || name.back() != '.' ? name + "." : name;
    auto wire = name_from_text(absolute);
    if (!wire) return {400, {{"error", "not a domain name: \"" + name + "\""}}};
    std::string canonical = name_canonical(*wire);
    ldns_rr_type qtype = ldns_get_rr_type_by_name(type.c_str());
    if (qtype == 0) return {400, {{"error", "unknown RR type \"" + type + "\""}}};
    const std::optional<IpAddress> client_address = client.empty() ? std::nullopt : IpAddress::parse(client);
    if (!client.empty() && !client_address)
        return {400, {{"error", "not an IP address: \"" + client + "\" (the client, e.g. 10.1.2.3 or 2001:db8::1)"}}};

    const ServingState serving = served_.serving();
    const HealthSnapshot health = health_.snapshot();
    json out{{"name", name_to_text(canonical)}, {"type", type}};
    std::vector<std::uint8_t> response(engine_.max_response_size(Transport::tcp));
    // On behalf of `client` over TCP, or of one outside every AZ's networks.
    const Client asking{.address = client_address.value_or(IpAddress{}), .transport = Transport::tcp};
    ClientPlace place;  // knows nothing: outside
    if (client_address) place = ClientPlace::of_address(*client_address);
    std::size_t length = engine_.answer(make_query(canonical, qtype, !client_address), *serving.zones, asking, response,
                                        serving.health.get(), nullptr, serving.transfers.get());
    describe_answer({response.data(), length}, out);

    HealthExplanation why =
        explain_health(*serving.zones, serving.health.get(), *served_.config(), health, canonical, qtype, place);
    out["client"] = client_address ? json(client_address->to_string()) : json(nullptr);
    out["client_az"] = why.client_az.empty() ? json(nullptr) : json(why.client_az);
    out["ttl"] = why.has_rrset ? json(why.ttl) : json(nullptr);
    out["ttl_rule"] = why.ttl_rule;
    out["service"] = why.service != nullptr ? json(name_to_text(why.service->name)) : json(nullptr);
    out["policy"] = why.service == nullptr ? json(nullptr) : json(service_policy_name(why.service->policy));
    out["addresses"] = json::array();
    for (const AddressVerdict& verdict : why.addresses) {
        out["addresses"].push_back({{"address", verdict.address.to_string()},
                                    {"az", verdict.az.empty() ? json(nullptr) : json(verdict.az)},
                                    {"in", verdict.in},
                                    {"why", verdict.why}});
    }
    return {200, out};
}

// Gathers every series; metrics_text.cpp writes them.
std::string LiveControlBackend::metrics() {
    MetricsInput input;
    if (queries_ != nullptr) input.queries = queries_->totals();
    if (const auto zones = served_.serving().zones) {
        for (const std::string& origin : zones->origins()) input.zone_slots.push_back(name_to_text(origin));
    }
    const HealthSnapshot health = health_.snapshot();
    for (const AzView& az : health.azs) {
        const char* reason = reason_name(az.fenced);
        input.azs.push_back({az.name, reason != nullptr ? reason : ""});
    }
    for (const EndpointView& e : health.endpoints) {
        input.endpoints.push_back({e.id.address.to_string(), e.az, e.id.check, e.status != EndpointStatus::down,
                                   e.local != EndpointStatus::down, e.verdict.down_votes, e.verdict.voters});
    }
    input.fleet.deciding_alone = health.fleet.alone;
    input.fleet.impaired = health.fleet.impaired;
    input.fleet.fail_static = health.fleet.fail_static;
    const auto links = health_.peer_links();
    for (const PeerView& peer : health.fleet.peers) {
        MetricsInput::Peer out{peer.name, peer.fresh, false, std::nullopt, 0, 0};
        if (peer.heard) out.age_seconds = std::chrono::duration<double>(HealthClock::now() - *peer.heard).count();
        if (const auto link = links.find(peer.name); link != links.end()) {
            out.reachable = link->second.reachable;
            out.reports_sent = link->second.sent;
            out.report_bytes_sent = link->second.bytes;
        }
        input.fleet.peers.push_back(std::move(out));
    }
    if (probes_ != nullptr) input.probes = probes_->snapshot();
    input.health_view_rebuilds = served_.rebuilds();
    for (const ZoneStatus& zone : zones_.status()) input.zones.push_back({zone.origin, zone.serial, zone.reload_errors, std::nullopt});
    add_transfer_metrics(gather_transfer_facts(served_.serving().transfers, transfers_, secondaries_), input);
    return render_metrics(input);
}

// A peer's report (docs/fleet.md, "The exchange"): decoded strictly within
// this config's bounds, then applied; refusals are logged, so a hostile or
// broken peer is seen.
ApiReply LiveControlBackend::fleet_report(const std::string& body) {
    const std::shared_ptr<const Config> config = served_.config();
    if (config->fleet.peers.empty()) return {404, {{"error", "this instance has no peers"}}};
    std::string error;
    std::optional<FleetReport> report =
        decode_fleet_report(body, health_.endpoint_count() * 4 + 1024, config->azs.size() * 4 + 64, error);
    if (!report) {
        log_event("fleet: a report that does not decode was ignored: " + error,
                  {{"event", "fleet_report_ignored"}, {"why", error}});
        return {400, {{"error", "not a fleet report: " + error}}};
    }
    const FleetPeers::Received received = health_.receive_report(*report);
    if (received.receipt == FleetPeers::Receipt::unknown_peer)
        return {403, {{"error", "\"" + report->name + "\" is no peer of " + config->fleet.name}}};
    return {200, json::parse(encode_report_key(config->fleet.name, received.have))};
}

ApiReply LiveControlBackend::fleet_state() {
    if (served_.config()->fleet.peers.empty()) return {404, {{"error", "this instance has no peers"}}};
    return {200, json::parse(encode_fleet_report(health_.own_report()))};
}

}  // namespace azdns
