#include "fleet_link.hpp"

#include <algorithm>

#include "fleet_report.hpp"
#include "http_client.hpp"
#include "log.hpp"

namespace azdns {

namespace {

using std::chrono::milliseconds;

// A heartbeat every quarter of stale_after: a peer's copy stays fresh with
// three heartbeats lost in a row. Never more often than this floor.
constexpr milliseconds min_heartbeat{50};

milliseconds heartbeat_period(const FleetConfig& fleet) {
    return std::max(min_heartbeat, std::chrono::duration_cast<milliseconds>(fleet.stale_after) / 4);
}

// An exchange that takes longer than stale_after is of no use: the peer's
// copy is stale by then. At least a second, so a TLS handshake on a slow
// link can finish. It bounds connecting, every stall, and the whole.
milliseconds exchange_timeout(const FleetConfig& fleet) {
    return std::max(milliseconds(1000), std::chrono::duration_cast<milliseconds>(fleet.stale_after));
}

// While a peer stays unreachable, a new reason is logged at most this often.
constexpr std::chrono::seconds reason_log_period{60};

// A peer's reply names the report it holds: a line. More is not a reply.
constexpr std::size_t max_reply_bytes = 4096;

}  // namespace

FleetLink::FleetLink(HealthMonitor& health, const FleetConfig& fleet, std::string token)
    : health_(health), fleet_(fleet), token_(std::move(token)) {}

FleetLink::~FleetLink() { stop(); }

void FleetLink::start() {
    for (const FleetPeer& peer : fleet_.peers) threads_.emplace_back([this, &peer] { run(peer); });
}

void FleetLink::stop() {
    stopping_ = true;
    health_.wake_waiters();
    for (auto& thread : threads_)
        if (thread.joinable()) thread.join();
    threads_.clear();
}

void FleetLink::run(const FleetPeer& peer) {
    std::string error;
    const std::optional<HttpUrl> url = parse_http_url(peer.url, error);
    if (!url) {  // load_config checked it; this would be a bug
        log_line("fleet: peer " + peer.name + ": " + error);
        return;
    }
    HttpClientOptions options{exchange_timeout(fleet_), fleet_.ca_file, {}};
    options.deadline = exchange_timeout(fleet_);     // a hung peer holds its thread this long at most
    options.max_response_bytes = max_reply_bytes;  // a reply is one line
    const milliseconds period = heartbeat_period(fleet_);
    std::optional<FleetReportKey> peer_holds;  // what the peer said it holds of us
    HealthMonitor::PeerLink link;
    auto last_logged = std::chrono::steady_clock::time_point{};
    std::uint64_t sent_sequence = 0;
    bool first = true;
    while (!stopping_) {
        // Wait for a change, or until the next heartbeat is due.
        if (!first) sent_sequence = health_.wait_for_change(sent_sequence, period);
        first = false;
        if (stopping_) break;
        // A heartbeat is cheap to make; a report only when the peer does not
        // hold the latest (the whole state of 10,000 endpoints is a megabyte).
        FleetReport report = health_.own_report(false);
        const bool full = !peer_holds || *peer_holds != FleetReportKey{report.generation, report.sequence};
        if (full) {
            // Only what changed since the report the peer holds, when it
            // holds one of this start.
            const bool same_start = peer_holds && peer_holds->generation == report.generation &&
                                    peer_holds->sequence < report.sequence;
            report = health_.own_report(true, same_start ? peer_holds->sequence : 0);
        }
        sent_sequence = report.sequence;
        const FleetReportKey key{report.generation, report.sequence};
        HttpRequest request;
        request.method = "POST";
        request.target = "/v1/fleet/state";
        request.headers = {{"Authorization", "Bearer " + token_}, {"Content-Type", "application/json"}};
        request.body = encode_fleet_report(report);
        HttpResponse response;
        std::string why;
        bool ok = http_exchange(*url, request, response, why, options);
        if (ok && response.status != 200) {
            ok = false;
            why = "HTTP " + std::to_string(response.status) + ": " + response.body.substr(0, 200);
        }
        std::optional<FleetReportKey> holds;
        if (ok) {
            holds = decode_report_key(response.body, why);
            ok = holds.has_value();
        }
        // A flip is logged at once; a new reason while unreachable at most
        // once a minute, so that a peer cannot fill the log.
        const auto now = std::chrono::steady_clock::now();
        if (ok != link.reachable || (!ok && why != link.error && now - last_logged >= reason_log_period)) {
            last_logged = now;
            if (ok)
                log_event("fleet: peer " + peer.name + " reachable at " + peer.url,
                          {{"event", "peer_reachable"}, {"peer", peer.name}});
            else
                log_event("fleet: peer " + peer.name + " unreachable at " + peer.url + ": " + why,
                          {{"event", "peer_unreachable"}, {"peer", peer.name}, {"why", why}});
        }
        link.reachable = ok;
        link.error = ok ? "" : why;
        if (ok) {
            ++link.sent;
            link.bytes += request.body.size();
            peer_holds = holds;
            // A heartbeat it could not place (it restarted, or missed a
            // report): the whole report at once. After a whole report, the
            // next heartbeat tries again, so a peer that never takes it
            // costs one report per period, not a loop.
            if (*holds != key && !full) sent_sequence = ~std::uint64_t{0};
        } else {
            peer_holds.reset();
        }
        health_.set_peer_link(peer.name, link);
    }
}

}  // namespace azdns
