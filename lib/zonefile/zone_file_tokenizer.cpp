#include "zone_file_tokenizer.hpp"

#include <sys/types.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace azdns {

namespace {

// The characters that end a plain run of token text. A table, because
// string_view::find_first_of calls memchr on the set for every character.
constexpr std::array<bool, 256> special_chars = [] {
    std::array<bool, 256> table{};
    for (unsigned char c : std::string_view(" \t\r;()\\\"")) table[c] = true;
    return table;
}();

bool is_special(char c) { return special_chars[static_cast<unsigned char>(c)]; }

}  // namespace

ZoneTokenizer::ZoneTokenizer(std::FILE* file, std::string path, Diagnostics& diags)
    : file_(file), path_(std::move(path)), diags_(diags) {}

ZoneTokenizer::~ZoneTokenizer() { std::free(line_buffer_); }

void ZoneTokenizer::error(std::uint32_t line, std::uint32_t column, std::string message) {
    diags_.error({path_, line, column}, std::move(message));
    broken_ = true;
}

bool ZoneTokenizer::next(ZoneEntry& entry) {
    auto start_entry = [&] {
        entry.tokens.clear();
        entry.line = 0;
        entry.column = 0;
        text_.clear();
        spans_.clear();
        broken_ = false;
    };
    start_entry();
    for (;;) {
        // getline(3) reuses one buffer and is far quicker than iostreams on
        // million-line zones.
        errno = 0;
        ssize_t length = ::getline(&line_buffer_, &line_capacity_, file_);
        if (length < 0) {
            int read_errno = errno;
            if (std::ferror(file_)) error(line_number_, 0, std::string("cannot read: ") + std::strerror(read_errno));
            if (paren_depth_ > 0) error(paren_line_, paren_column_, "'(' not closed by the end of the file");
            paren_depth_ = 0;
            return false;
        }
        ++line_number_;
        std::string_view line(line_buffer_, static_cast<std::size_t>(length));
        if (!line.empty() && line.back() == '\n') line.remove_suffix(1);

        if (paren_depth_ == 0 && entry.tokens.empty()) {
            entry.blank_owner = !line.empty() && (line[0] == ' ' || line[0] == '\t');
        }
        scan_line(line, entry);
        // getline(3) keeps NUL bytes, but ldns reads text as C strings: a NUL
        // would silently cut a record short.
        if (const auto nul = line.find('\0'); nul != std::string_view::npos)
            error(line_number_, static_cast<std::uint32_t>(nul + 1), "NUL byte in the zone file (is it a binary file?)");
        if (paren_depth_ > 0) continue;
        if (broken_ || entry.tokens.empty()) {
            start_entry();
            continue;
        }
        std::string_view text(text_);
        for (std::size_t i = 0; i < spans_.size(); ++i) {
            entry.tokens[i].text = text.substr(spans_[i].begin, spans_[i].size);
        }
        return true;
    }
}

void ZoneTokenizer::scan_line(std::string_view line, ZoneEntry& entry) {
    bool in_token = false;  // a line end always ends a token
    auto column = [](std::size_t i) { return static_cast<std::uint32_t>(i + 1); };
    auto mark_entry_start = [&](std::size_t i) {
        if (entry.line != 0) return;
        entry.line = line_number_;
        entry.column = column(i);
    };
    auto append = [&](std::size_t i, std::size_t count) {
        if (!in_token) {
            mark_entry_start(i);
            spans_.push_back({text_.size(), 0});
            entry.tokens.push_back({{}, line_number_, column(i)});
            in_token = true;
        }
        text_.append(line.substr(i, count));
        spans_.back().size += count;
    };

    for (std::size_t i = 0; i < line.size(); ++i) {
        switch (line[i]) {
            case ' ':
            case '\t':
            case '\r':
                in_token = false;
                break;
            case ';':
                return;
            case '(':
                in_token = false;
                mark_entry_start(i);
                // RFC 1035 has no nesting; the depth still counts so that
                // the matching ')' brings no second error.
                if (paren_depth_ > 0) {
                    error(line_number_, column(i), "'(' inside parentheses");
                } else {
                    paren_line_ = line_number_;
                    paren_column_ = column(i);
                }
                ++paren_depth_;
                break;
            case ')':
                in_token = false;
                if (paren_depth_ > 0) {
                    --paren_depth_;
                } else {
                    error(line_number_, column(i), "')' without a matching '('");
                }
                break;
            case '\\':
                // The escaped character is plain text here; ldns decodes it.
                append(i, std::min<std::size_t>(2, line.size() - i));
                ++i;
                break;
            case '"': {
                std::size_t close = i + 1;
                while (close < line.size() && line[close] != '"') close += line[close] == '\\' ? 2U : 1U;
                if (close >= line.size()) {
                    error(line_number_, column(i), "unterminated quoted string");
                    return;
                }
                append(i, close - i + 1);
                i = close;
                break;
            }
            default: {
                std::size_t end = i + 1;
                while (end < line.size() && !is_special(line[end])) ++end;
                append(i, end - i);
                i = end - 1;
                break;
            }
        }
    }
}

}  // namespace azdns
