// Splits a master file into entries (RFC 1035 section 5.1): one line, or
// several joined by parentheses, with comments dropped. Tokens keep their raw
// text, quotes and backslash escapes included, so that ldns reads RDATA
// exactly as written; each token knows its line and column for diagnostics.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "bounded_line_reader.hpp"
#include "diagnostics.hpp"

namespace azdns {

// ldns reads at most this much RDATA text and silently drops the rest.
inline constexpr std::size_t max_rdata_text = 65534;
// One entry's text: the bytes of its lines, comments included, line ends
// not. Twice what ldns reads as RDATA, rounded up: room for any RDATA it
// reads, the fields before it and comments. A longer entry is refused as it
// is read, so that no entry holds more memory than this.
inline constexpr std::size_t max_entry_text = 128 * 1024;

struct ZoneToken {
    std::string_view text;  // raw, as written; never empty
    std::uint32_t line = 0;
    std::uint32_t column = 0;  // 1-based byte offset in the line
};

struct ZoneEntry {
    std::vector<ZoneToken> tokens;  // at least one
    bool blank_owner = false;       // the first line starts with a blank: "same owner as before"
    std::uint32_t line = 0;         // where the entry's first token or '(' is
    std::uint32_t column = 0;
};

class ZoneTokenizer {
public:
    // Reads `file` (owned by the caller); `path` names it in diagnostics.
    ZoneTokenizer(std::FILE* file, std::string path, Diagnostics& diags);
    ZoneTokenizer(const ZoneTokenizer&) = delete;
    ZoneTokenizer& operator=(const ZoneTokenizer&) = delete;

    // Fills `entry` with the next entry free of syntax errors; those with
    // errors, or longer than max_entry_text, are reported and skipped. False at the end of the file. The
    // entry's token texts stay valid until the next call.
    [[nodiscard]] bool next(ZoneEntry& entry);

private:
    void scan_line(std::string_view line, ZoneEntry& entry);
    void refuse_long_entry(std::string_view line, const ZoneEntry& entry);
    void skip_line(std::string_view line);
    void error(std::uint32_t line, std::uint32_t column, std::string message);

    std::FILE* file_;
    std::string path_;
    Diagnostics& diags_;
    BoundedLineReader lines_;
    std::uint32_t line_number_ = 0;

    // The entry being assembled. Tokens are recorded as offsets into text_,
    // which may grow while a parenthesised entry spans lines; string views
    // are made once the entry is complete.
    std::string text_;
    struct Span {
        std::size_t begin, size;
    };
    std::vector<Span> spans_;
    int paren_depth_ = 0;
    std::uint32_t paren_line_ = 0, paren_column_ = 0;
    bool broken_ = false;  // a syntax error was reported for this entry
    std::size_t entry_bytes_ = 0;  // of max_entry_text
    bool skipping_ = false;  // the entry is too long: read to its end, not kept
};

}  // namespace azdns
