// ASCII letter case, as DNS names (RFC 4343) and HTTP header names compare:
// only A-Z fold, whatever the locale; and HTTP's blanks.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>

namespace azdns {

[[nodiscard]] constexpr char ascii_lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + ('a' - 'A')) : c; }

[[nodiscard]] constexpr std::uint8_t ascii_lower(std::uint8_t c) {
    return c >= 'A' && c <= 'Z' ? static_cast<std::uint8_t>(c + ('a' - 'A')) : c;
}

// `text` with A-Z folded: one spelling for names compared without regard to
// case, to key maps and to send.
[[nodiscard]] inline std::string ascii_lowered(std::string text) {
    std::transform(text.begin(), text.end(), text.begin(), [](char c) { return ascii_lower(c); });
    return text;
}

[[nodiscard]] constexpr bool ascii_iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() &&
           std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) { return ascii_lower(x) == ascii_lower(y); });
}

// `text` without leading and trailing spaces and tabs: HTTP's optional
// whitespace around a header value and its parts.
[[nodiscard]] constexpr std::string_view trim_blanks(std::string_view text) {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
    return text;
}

}  // namespace azdns
