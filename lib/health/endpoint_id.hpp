// The names health state is keyed by: an endpoint (address and check),
// and the version of a fleet-wide fence change. Shared by the state, the
// fleet's exchange document and the peers' votes.
#pragma once

#include <compare>
#include <cstdint>
#include <string>

#include "ip_prefix.hpp"

namespace azdns {

struct EndpointId {
    IpAddress address;
    std::string check;

    bool operator==(const EndpointId&) const = default;
    [[nodiscard]] std::string to_string() const;  // "192.0.2.1 web"
};

// A total order so ids can key a map (IpAddress has none of its own).
struct EndpointIdLess {
    bool operator()(const EndpointId& a, const EndpointId& b) const;
};

// The version of a fleet-wide fence change (docs/fleet.md, "Fleet-wide
// fences"): a counter one above the highest this instance knew for the AZ,
// and the instance that made the change to break ties. No clock: the
// greater version wins everywhere.
struct FenceVersion {
    std::uint64_t counter = 0;  // 0: no fleet-wide change known
    std::string instance;

    auto operator<=>(const FenceVersion&) const = default;
    bool operator==(const FenceVersion&) const = default;
};

}  // namespace azdns
