// Why each address of an A/AAAA answer is in or out right now (spec: `azdns
// ctl explain`, `GET /v1/explain`): the AZ, the endpoint's state, a manual
// fence, the failover choice, the all-down policy, and the TTL rule. It reads
// the same HealthView the answers come from, so what it says is in is what
// queries get.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "client_networks.hpp"
#include "config.hpp"
#include "health_state.hpp"

namespace azdns {

class HealthView;
class ZoneSet;

struct AddressVerdict {
    IpAddress address;
    std::string az;  // empty when in no AZ
    bool in = true;
    std::string why;
};

struct HealthExplanation {
    const ServiceConfig* service = nullptr;  // the service at this name, if any
    std::vector<AddressVerdict> addresses;   // of the zone's RRset, before filtering
    bool has_rrset = false;                  // an A/AAAA RRset answers this name and type
    std::uint32_t ttl = 0;                   // what the answer carries
    std::string ttl_rule;
    std::string client_az;  // the AZ whose clients include the client; empty: outside them all
};

// `qname`: canonical wire form. Only A and AAAA are health-managed; other
// types explain as such.
// `client`: where the asking client is, for a `nearest` service (by
// default it says nothing: outside every AZ's clients).
[[nodiscard]] HealthExplanation explain_health(const ZoneSet& zones, const HealthView* view, const Config& config,
                                               const HealthSnapshot& health, std::string_view qname,
                                               std::uint16_t qtype, ClientPlace client = {});

}  // namespace azdns
