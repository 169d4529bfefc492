// Extended DNS Errors (RFC 8914): why a response says what it says, as an
// EDNS option. Sent only to clients that sent an OPT (version 0), and only
// when it fits: it never costs a client an RRset (spec: "Answer semantics").
#pragma once

#include <cstdint>
#include <string_view>

namespace azdns {

struct ExtendedError {
    std::uint16_t info_code = 0;
    std::string_view extra_text;  // UTF-8, not NUL-terminated; empty = none
};

namespace extended_error {
// REFUSED for a name in no zone we serve: INFO-CODE 20 with no EXTRA-TEXT,
// exactly as NSD 4.6 and Knot 3.2 send it.
inline constexpr ExtendedError not_authoritative{20, {}};
// A zone transfer we do not allow (we serve none yet): INFO-CODE 18 with
// no EXTRA-TEXT, as NSD 4.6 refuses one.
inline constexpr ExtendedError prohibited{18, {}};
// SERVFAIL under policy.all_down = "servfail". No INFO-CODE names "the
// health checks took every address out": 0 (Other) with the reason in text.
inline constexpr ExtendedError all_addresses_down{0, "all addresses of this name are down"};
}  // namespace extended_error

}  // namespace azdns
