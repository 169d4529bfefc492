#include "cookie_secret_file.hpp"

#include <algorithm>
#include <cstdint>
#include <string_view>
#include <vector>

#include "diagnostics.hpp"
#include "regular_file.hpp"

namespace azdns {

namespace {

// Two lines of 32 digits and some comments: anything larger is no secret file.
constexpr std::uint64_t max_secret_file_size = 4096;
constexpr std::size_t secret_digits = 2 * CookieSecret{}.size();

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\r'; }

std::string where(const std::string& path, std::size_t line, std::size_t column, std::string message) {
    const SourceLocation location{path, static_cast<std::uint32_t>(line), static_cast<std::uint32_t>(column)};
    return Diagnostic{Severity::error, location, std::move(message)}.to_string();
}

std::string shown(char c) {
    if (c >= 0x20 && c <= 0x7e) return std::string("'") + c + "'";
    static constexpr char digits[] = "0123456789abcdef";
    const auto byte = static_cast<unsigned char>(c);
    return std::string("byte 0x") + digits[byte >> 4] + digits[byte & 0xf];
}

// The secret on one line (`start` and `end` bound it, blanks and comment
// cut off), or nullopt and `error`.
std::optional<CookieSecret> read_secret(std::string_view line, std::size_t start, std::size_t end,
                                        const std::string& path, std::size_t line_number, std::string& error) {
    std::size_t pos = start;
    while (pos < end && hex_value(line[pos]) >= 0) ++pos;
    if (pos < end) {
        error = where(path, line_number, pos + 1, shown(line[pos]) + " is not a hex digit");
        return std::nullopt;
    }
    if (end - start != secret_digits) {
        error = where(path, line_number, start + 1,
                      "a secret is 32 hex digits (16 bytes), not " + std::to_string(end - start));
        return std::nullopt;
    }
    CookieSecret secret;
    for (std::size_t i = 0; i < secret.size(); ++i)
        secret[i] = static_cast<std::uint8_t>(hex_value(line[start + 2 * i]) << 4 | hex_value(line[start + 2 * i + 1]));
    if (std::all_of(secret.begin(), secret.end(), [](std::uint8_t b) { return b == 0; })) {
        error = where(path, line_number, start + 1, "an all-zero secret is no secret");
        return std::nullopt;
    }
    return secret;
}

std::optional<CookieSecrets> parse_cookie_secrets(std::string_view text, const std::string& path,
                                                  std::string& error) {
    std::vector<CookieSecret> secrets;
    std::size_t line_number = 0;
    while (!text.empty()) {
        ++line_number;
        const std::size_t newline = text.find('\n');
        const std::string_view line = text.substr(0, newline);
        text.remove_prefix(newline == std::string_view::npos ? text.size() : newline + 1);
        std::size_t end = std::min(line.find('#'), line.size());
        while (end > 0 && is_blank(line[end - 1])) --end;
        std::size_t start = 0;
        while (start < end && is_blank(line[start])) ++start;
        if (start == end) continue;
        auto secret = read_secret(line, start, end, path, line_number, error);
        if (!secret) return std::nullopt;
        if (secrets.size() == 2) {
            error = where(path, line_number, start + 1,
                          "a third secret: the file holds the current secret and at most one other");
            return std::nullopt;
        }
        secrets.push_back(*secret);
    }
    if (secrets.empty()) {
        error = path + ": no secret: expected a line of 32 hex digits (16 bytes)";
        return std::nullopt;
    }
    CookieSecrets out;
    out.current = secrets[0];
    if (secrets.size() == 2) out.previous = secrets[1];
    return out;
}

}  // namespace

std::optional<CookieSecrets> read_cookie_secrets(const std::string& path, std::string& error) {
    const FileContent content = read_regular_file(path, max_secret_file_size);
    if (!content.error.empty()) {
        error = path + ": " + content.error;
        return std::nullopt;
    }
    return parse_cookie_secrets(content.text, path, error);
}

}  // namespace azdns
