#include "transfer_status.hpp"

#include "dns_name.hpp"
#include "log.hpp"

namespace azdns {

namespace {

using nlohmann::json;

json optional_time(const std::optional<std::chrono::system_clock::time_point>& when) {
    return when ? json(wall_clock_text(*when)) : json(nullptr);
}

const ZoneTransfers* offered_zone(const TransferFacts& facts, const std::string& origin_wire) {
    const auto found = facts.offered_by_zone.find(origin_wire);
    return found != facts.offered_by_zone.end() ? found->second : nullptr;
}

std::string canonical_wire(const std::string& origin_text) {
    const auto wire = name_from_text(origin_text);
    return wire ? name_canonical(*wire) : std::string();
}

json rule_json(const TransferRule& rule) {
    json prefixes = json::array();
    for (const IpPrefix& prefix : rule.prefixes) prefixes.push_back(prefix.to_string());
    return {{"prefixes", prefixes},
            {"key", rule.key.empty() ? json(nullptr) : json(name_to_text(rule.key))},
            {"view", rule.view == TransferView::filtered ? "filtered" : "raw"}};
}

json notify_json(const NotifyTargetStatus& target) {
    return {{"target", target.target.to_string()},
            {"serial", target.serial},
            {"outcome", to_string(target.outcome)},
            {"tries", target.tries},
            {"last_sent", optional_time(target.last_sent)},
            {"last_acked", optional_time(target.last_acked)},
            {"error", target.last_error.empty() ? json(nullptr) : json(target.last_error)}};
}

json last_out_json(const TransferOutRecord& out) {
    return {{"time", wall_clock_text(out.when)},
            {"client", out.client},
            {"kind", out.kind},
            {"view", out.view},
            {"serial", out.serial},
            {"messages", out.messages},
            {"bytes", out.bytes},
            {"took_ms", out.took.count()},
            {"error", out.error.empty() ? json(nullptr) : json(out.error)}};
}

}  // namespace

TransferFacts gather_transfer_facts(std::shared_ptr<const TransferState> offered, const TransferService* service) {
    TransferFacts facts{.offered = std::move(offered)};
    if (facts.offered)
        for (const ZoneTransfers& zone : facts.offered->zones()) facts.offered_by_zone[zone.origin] = &zone;
    if (service == nullptr) return facts;
    facts.last_out = service->server().last_by_zone();
    facts.totals = service->server().totals();
    for (NotifyTargetStatus& target : service->notifier().status()) {
        std::string zone = target.zone;
        facts.notify[zone].push_back(std::move(target));
    }
    return facts;
}

json zone_transfers_json(const TransferFacts& facts, const std::string& origin_text, std::uint32_t file_serial) {
    const std::string origin = canonical_wire(origin_text);
    const ZoneTransfers* zone = offered_zone(facts, origin);
    json rules = json::array();
    if (zone != nullptr)
        for (const TransferRule& rule : zone->rules) rules.push_back(rule_json(rule));
    json notify = json::array();
    if (const auto targets = facts.notify.find(origin); targets != facts.notify.end())
        for (const NotifyTargetStatus& target : targets->second) notify.push_back(notify_json(target));
    const auto last = facts.last_out.find(origin);
    // Every zone comes from its file until azdns can be a secondary.
    return {{"source", "file"},
            {"serial", file_serial},
            {"filtered_serial", zone != nullptr && zone->serves_filtered ? json(zone->filtered_serial) : json(nullptr)},
            {"allow_transfer", rules},
            {"notify", notify},
            {"last_out", last != facts.last_out.end() ? last_out_json(last->second) : json(nullptr)}};
}

json transfer_totals_json(const TransferFacts& facts) {
    std::uint64_t sent = 0, acked = 0, refused = 0, failed = 0;
    for (const auto& [zone, targets] : facts.notify) {
        for (const NotifyTargetStatus& target : targets) {
            sent += target.sent;
            acked += target.acked;
            refused += target.refused;
            failed += target.failed;
        }
    }
    return {{"out_axfr", facts.totals.axfr},
            {"out_ixfr", facts.totals.ixfr},
            {"out_failed", facts.totals.failed},
            {"turned_away", facts.totals.turned_away},
            {"notify_sent", sent},
            {"notify_acked", acked},
            {"notify_refused", refused},
            {"notify_failed", failed}};
}

void add_transfer_metrics(const TransferFacts& facts, MetricsInput& input) {
    for (MetricsInput::Zone& zone : input.zones) {
        const ZoneTransfers* offered = offered_zone(facts, canonical_wire(zone.origin));
        if (offered != nullptr && offered->serves_filtered) zone.filtered_serial = offered->filtered_serial;
    }
    input.transfers.out_axfr = facts.totals.axfr;
    input.transfers.out_ixfr = facts.totals.ixfr;
    input.transfers.out_failed = facts.totals.failed;
    input.transfers.turned_away = facts.totals.turned_away;
    for (const auto& [zone, targets] : facts.notify) {
        const std::string zone_text = name_to_text(zone);
        for (const NotifyTargetStatus& target : targets)
            input.transfers.notify.push_back({zone_text, target.target.to_string(), target.sent, target.acked,
                                              target.refused, target.failed});
    }
}

}  // namespace azdns
