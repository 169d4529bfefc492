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

json time_or_null(SecondaryStatus::Time when) {
    return when == SecondaryStatus::Time{} ? json(nullptr) : json(wall_clock_text(when));
}

// A secondary zone's "in": where it comes from and how that went.
json transfer_in_json(const SecondaryStatus& in) {
    json last = nullptr;
    if (!in.last_in_kind.empty())
        last = {{"time", wall_clock_text(in.last_in_at)},
                {"primary", in.last_in_primary},
                {"kind", in.last_in_kind},
                {"serial", in.serial},
                {"messages", in.last_in_messages},
                {"bytes", in.last_in_bytes}};
    return {{"primaries", in.primaries},
            {"held", in.held},
            {"expired", in.expired},
            {"serial", in.held ? json(in.serial) : json(nullptr)},
            {"confirmed_at", time_or_null(in.confirmed_at)},
            {"next_refresh", time_or_null(in.next_refresh)},
            {"last_in", last},
            {"errors", in.last_errors},
            {"last_error_at", in.last_errors.empty() ? json(nullptr) : time_or_null(in.last_error_at)},
            {"last_notify", time_or_null(in.last_notify_at)},
            {"transfers_in", in.transfers_in},
            {"refresh_failures", in.refresh_failures},
            {"notifies", in.notifies}};
}

}  // namespace

TransferFacts gather_transfer_facts(std::shared_ptr<const TransferState> offered, const TransferService* service,
                                    const SecondaryZones* secondaries) {
    TransferFacts facts{.offered = std::move(offered)};
    if (facts.offered)
        for (const ZoneTransfers& zone : facts.offered->zones()) facts.offered_by_zone[zone.origin] = &zone;
    if (secondaries != nullptr)
        for (SecondaryStatus& zone : secondaries->status()) {
            std::string origin = canonical_wire(zone.origin);
            facts.secondaries.emplace(std::move(origin), std::move(zone));
        }
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
    const auto in = facts.secondaries.find(origin);
    const bool secondary = in != facts.secondaries.end();
    return {{"source", secondary ? "primaries" : "file"},
            {"in", secondary ? transfer_in_json(in->second) : json(nullptr)},
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
    std::uint64_t in = 0, in_failed = 0;
    for (const auto& [zone, status] : facts.secondaries) {
        in += status.transfers_in;
        in_failed += status.refresh_failures;
    }
    return {{"in", in},
            {"in_refresh_failures", in_failed},
            {"out_axfr", facts.totals.axfr},
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
    for (const auto& [zone, status] : facts.secondaries)
        input.transfers.secondaries.push_back({status.origin, status.transfers_in, status.refresh_failures,
                                               status.held && !status.expired});
    for (const auto& [zone, targets] : facts.notify) {
        const std::string zone_text = name_to_text(zone);
        for (const NotifyTargetStatus& target : targets)
            input.transfers.notify.push_back({zone_text, target.target.to_string(), target.sent, target.acked,
                                              target.refused, target.failed});
    }
}

}  // namespace azdns
