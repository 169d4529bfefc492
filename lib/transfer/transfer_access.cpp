#include "transfer_access.hpp"

#include <algorithm>

namespace azdns {

std::optional<TransferView> transfer_view_for(const std::vector<TransferRule>& rules, const IpAddress& client,
                                              std::string_view key) {
    for (const TransferRule& rule : rules) {
        const bool address_allowed = std::any_of(rule.prefixes.begin(), rule.prefixes.end(),
                                                 [&](const IpPrefix& prefix) { return prefix.contains(client); });
        if (address_allowed && (rule.key.empty() || rule.key == key)) return rule.view;
    }
    return std::nullopt;
}

}  // namespace azdns
