// Who may transfer a zone, and which view they get (docs/transfers.md,
// "Who may transfer"): the zone's [[zone.allow_transfer]] rules, in order.
#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "config.hpp"

namespace azdns {

// The view the first matching rule grants `client`, or nullopt: not allowed.
// A rule matches when one of its prefixes holds the address and, if it names
// a key, the request was signed with that key. `key` is the name (canonical
// wire form) of the key whose signature was verified; empty when unsigned.
[[nodiscard]] std::optional<TransferView> transfer_view_for(const std::vector<TransferRule>& rules,
                                                            const IpAddress& client, std::string_view key);

}  // namespace azdns
