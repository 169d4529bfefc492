#include "common_rdata_text.hpp"

#include <arpa/inet.h>

#include <array>
#include <cstring>

#include "dns_name.hpp"
#include "rr_type.hpp"

namespace azdns {

namespace {


bool is_digit(char c) { return c >= '0' && c <= '9'; }

bool is_plain_name_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) || c == '-' || c == '_' || c == '*';
}

char ascii_upper(char c) { return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c; }

// Dotted quad as inet_pton(3) reads it: four decimal octets, no leading zeros.
bool parse_ipv4(std::string_view text, std::string& out) {
    std::size_t i = 0;
    for (int octet = 0; octet < 4; ++octet) {
        if (octet > 0) {
            if (i >= text.size() || text[i] != '.') return false;
            ++i;
        }
        std::size_t start = i;
        unsigned value = 0;
        while (i < text.size() && is_digit(text[i]) && i - start < 3) value = value * 10 + unsigned(text[i++] - '0');
        std::size_t digits = i - start;
        if (digits == 0 || value > 255 || (digits > 1 && text[start] == '0')) return false;
        out += static_cast<char>(value);
    }
    return i == text.size();
}

bool parse_ipv6(std::string_view text, std::string& out) {
    // INET6_ADDRSTRLEN less the NUL; longer texts are left to ldns.
    std::array<char, 46> c_text{};
    if (text.size() >= c_text.size()) return false;
    for (char c : text) {
        bool hex = is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
        if (!hex && c != ':' && c != '.') return false;
    }
    std::memcpy(c_text.data(), text.data(), text.size());
    std::array<char, 16> address{};
    if (inet_pton(AF_INET6, c_text.data(), address.data()) != 1) return false;
    out.append(address.data(), address.size());
    return true;
}

// A decimal 16-bit number, as ldns reads MX preferences (strtol), but
// without the overflow and sign cases, whose handling is ldns' to keep.
bool parse_u16(std::string_view text, std::string& out) {
    if (text.empty() || text.size() > 5) return false;
    unsigned value = 0;
    for (char c : text) {
        if (!is_digit(c)) return false;
        value = value * 10 + unsigned(c - '0');
    }
    if (value > 0xffff) return false;
    out += static_cast<char>(value >> 8);
    out += static_cast<char>(value & 0xff);
    return true;
}

}  // namespace

bool parse_plain_name(std::string_view text, std::string_view origin, std::string& out) {
    if (text == "@") {
        out += origin;
        return true;
    }
    // "." (the root) and empty labels are rare: ldns handles and words them.
    if (text.empty() || text[0] == '.') return false;
    const std::size_t start = out.size();
    std::size_t label = 0;  // where the current label's text starts
    for (std::size_t i = 0; i <= text.size(); ++i) {
        if (i < text.size() && text[i] != '.') {
            if (!is_plain_name_char(text[i])) return false;
            continue;
        }
        std::size_t length = i - label;
        if (length == 0) {
            if (i < text.size()) return false;  // ".." : an empty label
            break;                              // the trailing dot of an absolute name
        }
        if (length > max_label_length) return false;
        out += static_cast<char>(length);
        out.append(text.substr(label, length));
        label = i + 1;
    }
    if (text.back() == '.') {
        out += '\0';
    } else {
        out += origin;
    }
    return out.size() - start <= max_name_length;
}

bool parse_common_rdata(std::uint16_t type, std::span<const ZoneToken> fields, std::string_view origin, std::string& out) {
    out.clear();
    switch (type) {
        case rr_type::a:
            return fields.size() == 1 && parse_ipv4(fields[0].text, out);
        case rr_type::aaaa:
            return fields.size() == 1 && parse_ipv6(fields[0].text, out);
        case rr_type::ns:
        case rr_type::cname:
        case rr_type::ptr:
            return fields.size() == 1 && parse_plain_name(fields[0].text, origin, out);
        case rr_type::mx:
            return fields.size() == 2 && parse_u16(fields[0].text, out) && parse_plain_name(fields[1].text, origin, out);
        default:
            return false;
    }
}

std::uint16_t common_type_code(std::string_view name) {
    struct Known {
        std::string_view name;
        std::uint16_t code;
    };
    static constexpr std::array<Known, 8> known{{{"A", rr_type::a}, {"NS", rr_type::ns}, {"CNAME", rr_type::cname},
                                                 {"SOA", 6}, {"PTR", rr_type::ptr}, {"MX", rr_type::mx},
                                                 {"TXT", 16}, {"AAAA", rr_type::aaaa}}};
    if (name.size() > 5) return 0;
    std::array<char, 5> upper{};
    for (std::size_t i = 0; i < name.size(); ++i) upper[i] = ascii_upper(name[i]);
    std::string_view key(upper.data(), name.size());
    for (const Known& k : known) {
        if (k.name == key) return k.code;
    }
    return 0;
}

}  // namespace azdns
