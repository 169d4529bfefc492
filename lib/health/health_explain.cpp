#include "health_explain.hpp"

#include <algorithm>

#include "health_targets.hpp"
#include "healthy_ttl.hpp"
#include "health_view.hpp"
#include "ramp_share.hpp"
#include "rr_type.hpp"
#include "zone_set.hpp"

namespace azdns {

namespace {

std::string percent(double share) { return std::to_string(static_cast<int>(share * 100 + 0.5)) + "% of endpoints up"; }

std::string fence_text(const AzView& az) {
    if (az.fenced == FenceReason::manual)
        return "AZ " + az.name + " fenced by hand" + (az.manual && !az.manual->reason.empty() ? ": " + az.manual->reason : "");
    return "AZ " + az.name + " fenced for health (" + percent(az.up_share) + ")";
}

bool contains_rdata(const RRsetView& rrset, std::span<const std::uint8_t> wire) {
    return std::any_of(rrset.begin(), rrset.end(),
                       [&](RdataView rr) { return std::ranges::equal(rr.wire(), wire); });
}

const char* policy_name(AllDownPolicy policy) {
    switch (policy) {
    case AllDownPolicy::serve_all: return "serve-all";
    case AllDownPolicy::servfail: return "servfail";
    case AllDownPolicy::nodata: return "nodata";
    }
    return "?";
}

// In a fleet, whose votes made the verdict: ": seen down by ns1 and ns2 of
// 3 (quorum 2)"; alone, this instance's last probe error.
std::string endpoint_detail(const EndpointView& endpoint) {
    if (!endpoint.votes_text.empty()) return ": " + endpoint.votes_text;
    return endpoint.last_error.empty() ? "" : ": " + endpoint.last_error;
}

// Why a kept or removed address is so, in the order the view decides it.
std::string why(const AddressVerdict& verdict, const AzView* az, const std::vector<const EndpointView*>& probes,
                const ServiceConfig* service, const FilteredRRset* filtered, const Config& config,
                const std::string& client_az) {
    bool down = !probes.empty() && std::all_of(probes.begin(), probes.end(), [](const EndpointView* e) {
        return e->status == EndpointStatus::down;
    });
    if (!verdict.in) {
        if (az != nullptr && az->fenced != FenceReason::none) return fence_text(*az);
        if (down) return "endpoint down" + endpoint_detail(*probes[0]);
        if (filtered != nullptr && filtered->outcome != HealthOutcome::serve)
            return std::string("every address is down: policy ") + policy_name(config.all_down);
        if (service != nullptr && service->policy == ServicePolicy::nearest)
            return "nearest: the client's AZ, or one earlier in prefer, has an address up";
        return "failover: an AZ earlier in prefer has an address up";
    }
    if (filtered != nullptr && filtered->all_down)
        return "every address is down or fenced: served under policy serve-all";
    std::string text;
    if (az != nullptr) text = "AZ " + az->name + " up";
    if (az != nullptr && az->answer_permille < full_answer_permille)
        text += ", ramping back after a restore: in " + std::to_string(az->answer_permille / 10) + " % of answers";
    if (!probes.empty()) {
        bool unknown = std::all_of(probes.begin(), probes.end(),
                                   [](const EndpointView* e) { return e->status == EndpointStatus::unknown; });
        text += std::string(text.empty() ? "" : ", ") +
                (unknown ? "endpoint not probed yet" : "endpoint up" + (probes[0]->votes.empty() ? "" : endpoint_detail(*probes[0])));
    }
    if (service != nullptr && service->policy == ServicePolicy::failover && az != nullptr)
        text += ", first AZ in prefer with an address up";
    if (service != nullptr && service->policy == ServicePolicy::nearest && az != nullptr)
        text += client_az == az->name ? ", the client's own AZ" : ", first AZ in prefer with an address up";
    return text.empty() ? "in no AZ and not probed: never filtered" : text;
}

}  // namespace

HealthExplanation explain_health(const ZoneSet& zones, const HealthView* view, const Config& config,
                                 const HealthSnapshot& health, std::string_view qname, std::uint16_t qtype,
                                 ClientPlace client) {
    HealthExplanation out;
    if (view != nullptr) {
        const ClientNetworks& networks = view->index().clients();
        const std::uint16_t place = networks.place(client);
        if (place != ClientPlace::outside) out.client_az = view->index().az_names()[networks.azs()[place - 1]];
    }
    for (const ServiceConfig& service : config.services)
        if (service.name == qname) out.service = &service;
    const Zone* zone = zones.find(qname);
    if (zone == nullptr || (qtype != rr_type::a && qtype != rr_type::aaaa)) {
        out.ttl_rule = "not health-managed: only A and AAAA answers are filtered";
        return out;
    }
    LookupResult found = zone->lookup(qname, qtype);
    if (found.status != LookupStatus::answer || found.answer.empty()) {
        out.ttl_rule = "no A/AAAA RRset answers this name";
        return out;
    }
    out.has_rrset = true;
    const RRsetView& rrset = found.answer;
    // The form that carries ramping AZs, which a share of the answers get.
    const FilteredRRset* filtered = view != nullptr ? view->find_in_full(rrset, client) : nullptr;

    std::vector<std::string_view> deciding;  // the checks that judge these addresses
    for (RdataView rr : rrset) {
        auto address = address_in_rdata(qtype, rr.rdata());
        if (!address) continue;
        AddressVerdict verdict{*address, {}, true, {}};
        const AzConfig* az_config = az_containing(config.azs, *address);
        const AzView* az = az_config != nullptr ? health.az(az_config->name) : nullptr;
        if (az_config != nullptr) verdict.az = az_config->name;
        std::vector<const EndpointView*> probes;
        for (const EndpointView& e : health.endpoints) {
            if (e.id.address == *address && (out.service == nullptr || e.id.check == out.service->check))
                probes.push_back(&e);
        }
        for (const EndpointView* e : probes) deciding.push_back(e->id.check);
        if (filtered != nullptr)
            verdict.in = filtered->outcome == HealthOutcome::serve && contains_rdata(filtered->rrset, rr.wire());
        verdict.why = why(verdict, az, probes, out.service, filtered, config, out.client_az);
        out.addresses.push_back(std::move(verdict));
    }

    if (filtered == nullptr) {
        out.ttl = rrset.ttl();
        out.ttl_rule = "the zone's TTL: no address is in an AZ or probed";
    } else if (filtered->all_down) {
        out.ttl = config.ttl.all_down;
        out.ttl_rule = std::string("ttl.all_down: every address is down or fenced (policy ") +
                       policy_name(config.all_down) + ")";
    } else if (filtered->removed) {
        out.ttl = filtered->rrset.ttl();
        out.ttl_rule = "ttl.degraded: an address is down or fenced";
    } else if (filtered->ramping) {
        out.ttl = filtered->rrset.ttl();
        out.ttl_rule = "ttl.degraded: an AZ is ramping back after a restore (this answer in " +
                       std::to_string(view->share_in_full(rrset, client) / 10) + " % of answers)";
    } else {
        out.ttl = filtered->rrset.ttl();
        out.ttl_rule = healthy_ttl_rule(config.ttl, rrset.ttl(), slowest_check(config.checks, deciding));
    }
    return out;
}

}  // namespace azdns
