#include "config_values.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <vector>

#include "dns_name.hpp"

namespace azdns {

namespace {

// Common RR types a dns check is likely to ask for; others as TYPEnnn.
std::optional<std::uint16_t> parse_rr_type(std::string_view text) {
    static constexpr std::array<std::pair<std::string_view, std::uint16_t>, 15> known{{
        {"A", 1}, {"NS", 2}, {"CNAME", 5}, {"SOA", 6}, {"PTR", 12}, {"MX", 15}, {"TXT", 16}, {"AAAA", 28},
        {"SRV", 33}, {"NAPTR", 35}, {"DS", 43}, {"DNSKEY", 48}, {"SVCB", 64}, {"HTTPS", 65}, {"CAA", 257},
    }};
    std::string upper(text);
    std::transform(upper.begin(), upper.end(), upper.begin(), [](unsigned char c) { return std::toupper(c); });
    for (const auto& [mnemonic, code] : known)
        if (upper == mnemonic) return code;
    if (!upper.starts_with("TYPE") || upper.size() == 4 || upper.size() > 9) return std::nullopt;
    unsigned code = 0;
    for (char c : upper.substr(4)) {
        if (c < '0' || c > '9') return std::nullopt;
        code = code * 10 + static_cast<unsigned>(c - '0');
    }
    if (code < 1 || code > 65535) return std::nullopt;
    return static_cast<std::uint16_t>(code);
}

}  // namespace

std::optional<Duration> parse_duration(std::string_view text) {
    if (text.empty()) return std::nullopt;
    std::int64_t total = 0;
    std::size_t i = 0;
    while (i < text.size()) {
        std::int64_t number = 0;
        const std::size_t start = i;
        for (; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i)
            if (__builtin_mul_overflow(number, 10, &number) || __builtin_add_overflow(number, text[i] - '0', &number))
                return std::nullopt;
        if (i == start || i == text.size()) return std::nullopt;  // a unit needs a number, a number a unit
        std::int64_t unit = 0;
        if (text.substr(i, 2) == "ms") {
            unit = 1;
            ++i;
        } else if (text[i] == 's') {
            unit = 1'000;
        } else if (text[i] == 'm') {
            unit = 60'000;
        } else if (text[i] == 'h') {
            unit = 3'600'000;
        } else {
            return std::nullopt;
        }
        ++i;
        if (__builtin_mul_overflow(number, unit, &number) || __builtin_add_overflow(total, number, &total))
            return std::nullopt;
    }
    return Duration(total);
}

std::string duration_text(Duration value) {
    // The largest unit that divides exactly, so "2s" reads back as "2s".
    const auto ms = value.count();
    if (ms != 0 && ms % 3'600'000 == 0) return std::to_string(ms / 3'600'000) + "h";
    if (ms != 0 && ms % 60'000 == 0) return std::to_string(ms / 60'000) + "m";
    if (ms % 1'000 == 0) return std::to_string(ms / 1'000) + "s";
    return std::to_string(ms) + "ms";
}

std::optional<std::uint16_t> parse_port(std::string_view text, std::string& why) {
    unsigned number = 0;
    bool valid = !text.empty() && text.size() <= 5;
    for (char c : text) {
        if (c < '0' || c > '9') valid = false;
        else number = number * 10 + static_cast<unsigned>(c - '0');
    }
    if (!valid || number < 1 || number > 65535) {
        why = "the port must be a number from 1 to 65535";
        return std::nullopt;
    }
    return static_cast<std::uint16_t>(number);
}

std::optional<ListenAddress> parse_listen_address(std::string_view text, std::string& why) {
    std::string_view host;
    std::string_view port;
    if (text.starts_with('[')) {
        const auto close = text.find("]:");
        if (close == std::string_view::npos) {
            why = "expected [IPV6]:PORT, like \"[::1]:5353\"";
            return std::nullopt;
        }
        host = text.substr(1, close - 1);
        port = text.substr(close + 2);
    } else {
        const auto colon = text.rfind(':');
        if (colon == std::string_view::npos) {
            why = "expected ADDRESS:PORT, like \"127.0.0.1:5353\" or \"[::1]:5353\"";
            return std::nullopt;
        }
        if (text.find(':') != colon) {
            why = "an IPv6 address must be in brackets, like \"[::1]:5353\"";
            return std::nullopt;
        }
        host = text.substr(0, colon);
        port = text.substr(colon + 1);
    }
    const auto address = IpAddress::parse(host);
    const bool bracketed = text.starts_with('[');
    if (!address || (address->family == IpFamily::v6) != bracketed) {
        why = "\"" + std::string(host) + "\" is not an " + (bracketed ? "IPv6" : "IPv4") + " address";
        return std::nullopt;
    }
    const auto number = parse_port(port, why);
    if (!number) return std::nullopt;
    return ListenAddress{{*address, *number}, {}};
}

std::optional<std::pair<std::string, std::uint16_t>> parse_check_query(std::string_view text, std::string& why) {
    std::vector<std::string_view> words;
    std::size_t i = 0;
    while (i < text.size()) {
        const auto start = text.find_first_not_of(" \t", i);
        if (start == std::string_view::npos) break;
        const auto end = std::min(text.find_first_of(" \t", start), text.size());
        words.push_back(text.substr(start, end - start));
        i = end;
    }
    if (words.size() != 2) {
        why = "expected \"NAME TYPE\", like \"example.com. SOA\"";
        return std::nullopt;
    }
    auto name = name_from_text(words[0]);
    if (!name) {
        why = "\"" + std::string(words[0]) + "\" is not a valid domain name";
        return std::nullopt;
    }
    const auto type = parse_rr_type(words[1]);
    if (!type) {
        why = "unknown type \"" + std::string(words[1]) + "\" (use a mnemonic like SOA, or TYPEnnn)";
        return std::nullopt;
    }
    name_canonicalize(*name);
    return std::pair{std::move(*name), *type};
}

}  // namespace azdns
