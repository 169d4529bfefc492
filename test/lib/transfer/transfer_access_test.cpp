// Who may transfer a zone (docs/transfers.md, "Who may transfer"): the first
// [[zone.allow_transfer]] rule that matches the address and the key decides.
#include <doctest/doctest.h>

#include "dns_name.hpp"
#include "transfer_access.hpp"

using namespace azdns;

namespace {

TransferRule rule(std::initializer_list<const char*> prefixes, const char* key, TransferView view) {
    TransferRule out;
    for (const char* text : prefixes) out.prefixes.push_back(*IpPrefix::parse(text));
    if (*key != '\0') out.key = *name_from_text(key);
    out.view = view;
    return out;
}

IpAddress address(const char* text) { return *IpAddress::parse(text); }

}  // namespace

TEST_CASE("the first rule matching address and key decides the view") {
    const std::string xfr = *name_from_text("xfr.");
    const std::string other = *name_from_text("other.");
    const std::vector<TransferRule> rules{
        rule({"192.0.2.53/32"}, "xfr.", TransferView::filtered),
        rule({"192.0.2.0/24", "2001:db8::/32"}, "", TransferView::raw),
    };
    CHECK(transfer_view_for(rules, address("192.0.2.53"), xfr) == TransferView::filtered);
    // Unsigned, or signed with another key: the first rule does not match, the second does.
    CHECK(transfer_view_for(rules, address("192.0.2.53"), "") == TransferView::raw);
    CHECK(transfer_view_for(rules, address("192.0.2.53"), other) == TransferView::raw);
    CHECK(transfer_view_for(rules, address("2001:db8::1"), "") == TransferView::raw);
    CHECK_FALSE(transfer_view_for(rules, address("198.51.100.1"), xfr).has_value());
    CHECK_FALSE(transfer_view_for({}, address("192.0.2.53"), xfr).has_value());  // no rule: no transfer
    // A key alone is not enough: the address must be allowed too.
    CHECK_FALSE(transfer_view_for({rule({"192.0.2.53/32"}, "xfr.", TransferView::raw)}, address("192.0.2.54"), xfr)
                    .has_value());
}
