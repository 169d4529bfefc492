#include "zone_file_tokenizer.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
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

// Follows the parentheses of text that is not kept, as scan_line counts
// them: none inside quotes or after a ';'. Quotes and comments end with
// the line, so a follower lasts one line.
class ParenFollower {
public:
    void feed(std::string_view piece, int& depth) {
        for (char c : piece) {
            if (in_comment_) return;
            if (escaped_) {
                escaped_ = false;
                continue;
            }
            switch (c) {
                case '\\': escaped_ = true; break;
                case '"': in_quotes_ = !in_quotes_; break;
                case ';': in_comment_ = !in_quotes_; break;
                case '(': depth += in_quotes_ ? 0 : 1; break;
                case ')': depth -= !in_quotes_ && depth > 0 ? 1 : 0; break;
                default: break;
            }
        }
    }

private:
    bool in_quotes_ = false;
    bool escaped_ = false;
    bool in_comment_ = false;
};

}  // namespace

ZoneTokenizer::ZoneTokenizer(std::FILE* file, std::string path, Diagnostics& diags)
    : file_(file), path_(std::move(path)), diags_(diags), lines_(file, max_entry_text) {}

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
        entry_bytes_ = 0;
        skipping_ = false;
    };
    start_entry();
    for (;;) {
        errno = 0;
        std::string_view line;
        if (!lines_.next(line)) {
            int read_errno = errno;
            if (std::ferror(file_)) error(line_number_, 0, std::string("cannot read: ") + std::strerror(read_errno));
            // A refused entry was reported already, and its '(' may not have been kept.
            if (paren_depth_ > 0 && !skipping_)
                error(paren_line_, paren_column_, "'(' not closed by the end of the file");
            paren_depth_ = 0;
            return false;
        }
        ++line_number_;
        if (paren_depth_ == 0 && entry.tokens.empty()) {
            entry.blank_owner = !line.empty() && (line[0] == ' ' || line[0] == '\t');
        }
        // A cut line is longer than max_entry_text by itself.
        entry_bytes_ += line.size();
        if (!skipping_ && entry_bytes_ > max_entry_text) refuse_long_entry(line, entry);
        if (skipping_) {
            skip_line(line);
        } else {
            scan_line(line, entry);
            // Lines keep NUL bytes, but ldns reads text as C strings: a NUL
            // would silently cut a record short.
            if (const auto nul = line.find('\0'); nul != std::string_view::npos)
                error(line_number_, static_cast<std::uint32_t>(nul + 1),
                      "NUL byte in the zone file (is it a binary file?)");
        }
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

// Reported at the entry's start: where it began, or this line's first
// character that is not a blank.
void ZoneTokenizer::refuse_long_entry(std::string_view line, const ZoneEntry& entry) {
    std::uint32_t line_at = entry.line, column = entry.column;
    if (line_at == 0) {
        line_at = line_number_;
        const auto first = line.find_first_not_of(" \t\r");
        column = static_cast<std::uint32_t>(first == std::string_view::npos ? 1 : first + 1);
    }
    error(line_at, column,
          "record text longer than " + std::to_string(max_entry_text) + " bytes (azdns reads at most " +
              std::to_string(max_rdata_text) + " characters of RDATA)");
    skipping_ = true;
}

// A line of a refused entry: only its parentheses matter, to find the
// entry's end, also in the part of a cut line that was not read.
void ZoneTokenizer::skip_line(std::string_view line) {
    ParenFollower follower;
    follower.feed(line, paren_depth_);
    lines_.skip_rest([&](std::string_view piece) { follower.feed(piece, paren_depth_); });
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
