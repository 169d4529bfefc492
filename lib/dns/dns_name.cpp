#include "dns_name.hpp"

#include "ascii.hpp"

#include <algorithm>
#include <array>
#include <vector>

namespace azdns {

namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Offsets of each label's length byte, leftmost first, root excluded.
std::vector<std::size_t> label_offsets(std::string_view wire) {
    std::vector<std::size_t> offsets;
    std::size_t pos = 0;
    while (pos < wire.size() && wire[pos] != 0) {
        offsets.push_back(pos);
        pos += 1 + static_cast<unsigned char>(wire[pos]);
    }
    return offsets;
}

}  // namespace

std::optional<std::string> name_from_text(std::string_view text) {
    if (text == ".") return std::string(1, '\0');
    if (text.empty()) return std::nullopt;
    std::string wire;
    std::string label;
    auto close_label = [&]() -> bool {
        if (label.empty() || label.size() > max_label_length) return false;
        wire += static_cast<char>(label.size());
        wire += label;
        label.clear();
        return true;
    };
    for (std::size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        if (c == '.') {
            if (!close_label()) return std::nullopt;
            continue;
        }
        if (c == '\\') {
            if (i + 1 >= text.size()) return std::nullopt;
            if (is_digit(text[i + 1])) {
                if (i + 3 >= text.size() || !is_digit(text[i + 2]) || !is_digit(text[i + 3])) return std::nullopt;
                int value = (text[i + 1] - '0') * 100 + (text[i + 2] - '0') * 10 + (text[i + 3] - '0');
                if (value > 255) return std::nullopt;
                label += static_cast<char>(value);
                i += 3;
            } else {
                label += text[i + 1];
                i += 1;
            }
            continue;
        }
        label += c;
    }
    if (!label.empty() && !close_label()) return std::nullopt;
    wire += '\0';
    if (wire.size() > max_name_length) return std::nullopt;
    return wire;
}

std::string name_to_text(std::string_view wire) {
    std::string out;
    name_append_text(out, wire);
    return out;
}

void name_append_text(std::string& out, std::string_view wire) {
    if (wire.empty() || wire[0] == 0) {
        out += '.';
        return;
    }
    std::size_t pos = 0;
    while (pos < wire.size() && wire[pos] != 0) {
        std::size_t length = static_cast<unsigned char>(wire[pos]);
        for (std::size_t i = pos + 1; i <= pos + length && i < wire.size(); ++i) {
            auto c = static_cast<unsigned char>(wire[i]);
            if (c == '.' || c == '\\' || c == '"' || c == ';' || c == '(' || c == ')' || c == '@' || c == '$') {
                out += '\\';
                out += static_cast<char>(c);
            } else if (c <= 0x20 || c >= 0x7f) {
                const std::array<char, 4> escaped{'\\', static_cast<char>('0' + c / 100),
                                                  static_cast<char>('0' + (c / 10) % 10), static_cast<char>('0' + c % 10)};
                out.append(escaped.data(), escaped.size());
            } else {
                out += static_cast<char>(c);
            }
        }
        out += '.';
        pos += 1 + length;
    }
}

void name_canonicalize(std::string& wire) {
    // Length bytes are at most 63, below 'A', so lowering every byte is safe.
    std::transform(wire.begin(), wire.end(), wire.begin(), [](char c) { return ascii_lower(c); });
}

std::string name_canonical(std::string_view wire) {
    std::string copy(wire);
    name_canonicalize(copy);
    return copy;
}

std::size_t name_label_count(std::string_view wire) { return label_offsets(wire).size(); }

std::string_view name_parent(std::string_view wire) {
    if (wire.empty() || wire[0] == 0) return wire;
    return wire.substr(1 + static_cast<unsigned char>(wire[0]));
}

bool name_is_at_or_below(std::string_view name, std::string_view ancestor) {
    while (name.size() > ancestor.size()) name = name_parent(name);
    return name == ancestor;
}

int name_canonical_compare(std::string_view a, std::string_view b) {
    auto la = label_offsets(a);
    auto lb = label_offsets(b);
    auto ia = la.rbegin();
    auto ib = lb.rbegin();
    for (; ia != la.rend() && ib != lb.rend(); ++ia, ++ib) {
        std::string_view label_a = a.substr(*ia + 1, static_cast<unsigned char>(a[*ia]));
        std::string_view label_b = b.substr(*ib + 1, static_cast<unsigned char>(b[*ib]));
        int cmp = label_a.compare(label_b);
        if (cmp != 0) return cmp < 0 ? -1 : 1;
    }
    if (la.size() == lb.size()) return 0;
    return la.size() < lb.size() ? -1 : 1;
}

}  // namespace azdns
