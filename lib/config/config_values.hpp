// The small text syntaxes inside config values. Internal to the config
// loader; each parser gives the reason of a failure so that the diagnostic
// can say what is wrong, not only where.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "config.hpp"

namespace azdns {

// "53", "8053": 1..65535, digits only.
[[nodiscard]] std::optional<std::uint16_t> parse_port(std::string_view text, std::string& why);

// "127.0.0.1:5353" or "[::1]:5353" (IPv6 in brackets, port 1..65535).
[[nodiscard]] std::optional<ListenAddress> parse_listen_address(std::string_view text, std::string& why);

// A dns check's "NAME TYPE" ("example.com. SOA"): the name in canonical wire
// form and the type code. TYPE is a common mnemonic or TYPEnnn.
[[nodiscard]] std::optional<std::pair<std::string, std::uint16_t>> parse_check_query(std::string_view text,
                                                                                     std::string& why);

}  // namespace azdns
