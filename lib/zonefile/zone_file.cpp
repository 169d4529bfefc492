// The master-file reader: ZoneTokenizer splits the text into entries; this
// file handles the directives and the fields before RDATA itself, so every
// error can point at its token, and hands each record's RDATA to ldns one
// record at a time (ldns' zone reader lacks $INCLUDE and line numbers, and
// would hold the whole zone).
#include "zone_file.hpp"

#include <climits>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>

// Without stdbool.h first, ldns/common.h defines `false` and `true` as
// macros, which breaks <optional> and <compare>.
#include <stdbool.h>

#include <ldns/ldns.h>

#include "ascii.hpp"
#include "common_rdata_text.hpp"
#include "dns_name.hpp"
#include "byte_size.hpp"
#include "rr_type.hpp"
#include "zone_file_stream.hpp"
#include "zone_file_tokenizer.hpp"

namespace azdns {

namespace {

// RFC 2181 section 8: TTLs are unsigned 31-bit numbers, and a larger one
// is read as 0. Beyond the 32 bits of the field, the text is an error.
constexpr std::uint32_t max_ttl = 0x7fffffff;
constexpr std::uint64_t max_ttl_field = 0xffffffff;
// For a record with no TTL of its own, no $TTL and no earlier TTL to inherit
// (RFC 1035 gives no answer). An hour is the common choice; a warning asks
// the operator to say what they mean with $TTL.
constexpr std::uint32_t fallback_ttl = 3600;
// Far deeper than any real layout: bounds the recursion for long chains of
// distinct files, which the cycle check lets through.
constexpr std::size_t max_include_depth = 16;
constexpr std::uint16_t class_in = 1;
constexpr std::size_t excerpt_length = 60;

struct LdnsFree {
    void operator()(ldns_rdf* rdf) const { ldns_rdf_deep_free(rdf); }
    void operator()(ldns_rr* rr) const { ldns_rr_free(rr); }
};
using RdfPtr = std::unique_ptr<ldns_rdf, LdnsFree>;
using RrPtr = std::unique_ptr<ldns_rr, LdnsFree>;

std::string in_quotes(std::string_view text) {
    std::string out = "\"";
    out += text;
    out += '"';
    return out;
}

// A token can be kilobytes (RDATA in base64, or a mistake): quote its start only.
std::string excerpt(std::string_view text, std::size_t length = excerpt_length) {
    if (text.size() <= length) return in_quotes(text);
    return in_quotes(text.substr(0, length)) + "...";
}

// A path is quoted whole unless it is longer than any that opens.
std::string path_excerpt(std::string_view path) { return excerpt(path, PATH_MAX); }

std::string ldns_says(ldns_status status) {
    return std::string(" (ldns: ") + ldns_get_errorstr_by_id(status) + ")";
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

bool istarts_with(std::string_view text, std::string_view prefix) {
    return text.size() >= prefix.size() && ascii_iequals(text.substr(0, prefix.size()), prefix);
}

// The number of RFC 3597 "TYPE123" / "CLASS1" after its prefix; 0 if not
// exactly a number that fits 16 bits. ldns' own lookup reads "TYPE12abc" as
// 12 and lets "TYPE70000" wrap, so these forms are parsed here.
std::uint16_t generic_code(std::string_view digits) {
    if (digits.empty() || digits.size() > 5) return 0;
    std::uint32_t value = 0;
    for (char c : digits) {
        if (!is_digit(c)) return 0;
        value = value * 10 + static_cast<std::uint32_t>(c - '0');
    }
    return value <= 0xffff ? static_cast<std::uint16_t>(value) : 0;
}

// 0 when `token` names no type.
std::uint16_t type_code(std::string_view token) {
    if (std::uint16_t code = common_type_code(token)) return code;
    if (istarts_with(token, "TYPE")) return generic_code(token.substr(4));
    std::string name(token);
    return static_cast<std::uint16_t>(ldns_get_rr_type_by_name(name.c_str()));
}

// 0 when `token` names no class.
std::uint16_t class_code(std::string_view token) {
    if (ascii_iequals(token, "IN")) return class_in;
    if (common_type_code(token) != 0) return 0;  // no common type name is also a class name
    if (istarts_with(token, "CLASS")) return generic_code(token.substr(5));
    std::string name(token);
    return static_cast<std::uint16_t>(ldns_get_rr_class_by_name(name.c_str()));
}

// Seconds, or BIND's units (1w2d3h4m5s, any case, a bare number at the end
// counting as seconds). nullopt when malformed; a value past the 32-bit field
// comes back as max_ttl_field + 1, so that no sum overflows.
std::optional<std::uint64_t> parse_ttl(std::string_view text) {
    constexpr std::uint64_t too_large = max_ttl_field + 1;
    std::uint64_t total = 0;
    std::uint64_t number = 0;
    bool have_number = false;
    for (char c : text) {
        if (is_digit(c)) {
            number = std::min(number * 10 + static_cast<std::uint64_t>(c - '0'), too_large);
            have_number = true;
            continue;
        }
        std::uint64_t unit = 0;
        switch (ascii_lower(c)) {
            case 's': unit = 1; break;
            case 'm': unit = 60; break;
            case 'h': unit = 3600; break;
            case 'd': unit = 86400; break;
            case 'w': unit = 604800; break;
            default: return std::nullopt;
        }
        if (!have_number) return std::nullopt;
        total = std::min(total + number * unit, too_large);
        number = 0;
        have_number = false;
    }
    if (text.empty()) return std::nullopt;
    return std::min(total + number, too_large);
}

// A name ends with an unescaped dot: "a\." is relative, "a\\." absolute.
bool is_absolute(std::string_view text) {
    if (text.empty() || text.back() != '.') return false;
    std::size_t backslashes = 0;
    for (std::size_t i = text.size() - 1; i > 0 && text[i - 1] == '\\'; --i) ++backslashes;
    return backslashes % 2 == 0;
}

// A presentation name ('@', relative or absolute) in wire form, letter case
// kept; on failure `status` says why in ldns' words.
std::optional<std::string> resolve_name(std::string_view text, std::string_view origin, ldns_status& status) {
    status = LDNS_STATUS_OK;
    std::string fast;
    if (parse_plain_name(text, origin, fast)) return fast;
    std::string c_text(text);
    ldns_rdf* raw = nullptr;
    status = ldns_str2rdf_dname(&raw, c_text.c_str());
    RdfPtr rdf(raw);
    if (status != LDNS_STATUS_OK) return std::nullopt;
    std::string wire(reinterpret_cast<const char*>(ldns_rdf_data(rdf.get())), ldns_rdf_size(rdf.get()));
    if (!is_absolute(text)) {
        wire.pop_back();  // the root label ldns ends every name with
        wire += origin;
        if (wire.size() > max_name_length) {
            status = LDNS_STATUS_DOMAINNAME_OVERFLOW;
            return std::nullopt;
        }
    }
    return wire;
}

RdfPtr ldns_name(std::string_view wire) {
    return RdfPtr(ldns_dname_new_frm_data(static_cast<std::uint16_t>(wire.size()), wire.data()));
}

// BIND accepts a quoted $INCLUDE file name, so that it may hold blanks.
std::string_view unquote(std::string_view text) {
    if (text.size() >= 2 && text.front() == '"' && text.back() == '"') return text.substr(1, text.size() - 2);
    return text;
}

// A file's identity, so that an $INCLUDE loop is caught however its paths are spelled.
struct FileId {
    std::uint64_t device;
    std::uint64_t inode;
    bool operator==(const FileId&) const = default;
};

// What RFC 1035 section 5.1 restores when an included file ends.
struct FileState {
    FileName path;
    std::string origin;  // wire form
    RdfPtr origin_rdf;   // the same, for ldns to complete relative names in RDATA
    std::optional<std::string> previous_owner;
};

// The fields before RDATA: [owner] [TTL] [class] type, TTL and class in either
// order. The owner is left in FileState::previous_owner.
struct RecordHead {
    std::optional<std::uint32_t> ttl;
    std::uint16_t type = 0;
    std::size_t type_index = 0;  // the type's token; RDATA tokens follow it
};

class ZoneFileReader {
public:
    ZoneFileReader(Diagnostics& diags, const ZoneLoadLimits& limits)
        : diags_(diags), limits_(limits), bytes_left_(limits.max_bytes) {}

    void read_file(const std::string& path, std::string_view origin, const SourceLocation& opened_from);
    void report_cut(ZoneFileStream::Status status, const std::string& path, const SourceLocation& opened_from);
    [[nodiscard]] ZoneRecords take_records() { return std::move(records_); }

private:
    void read_directive(const ZoneEntry& entry, FileState& file);
    void read_include(std::span<const ZoneToken> args, const FileState& file);
    void read_record(const ZoneEntry& entry, FileState& file);
    std::optional<RecordHead> read_head(const ZoneEntry& entry, FileState& file);
    bool read_rdata(const ZoneEntry& entry, const RecordHead& head, const FileState& file);
    std::optional<std::uint32_t> read_ttl(const FileState& file, const ZoneToken& token);
    std::uint32_t effective_ttl(std::optional<std::uint32_t> stated, const SourceLocation& where);

    void error(const FileState& file, const ZoneToken& token, std::string message) {
        diags_.error({file.path, token.line, token.column}, std::move(message));
    }

    Diagnostics& diags_;
    const ZoneLoadLimits& limits_;
    std::uint64_t bytes_left_;  // of limits_.max_bytes, over every file of the zone
    bool cut_short_ = false;    // a limit ended reading: nothing more is read (and said so once)
    ZoneRecords records_;
    std::vector<FileId> open_files_;  // the $INCLUDE chain being read
    // TTL defaults carry across $INCLUDE boundaries, as in BIND.
    std::optional<std::uint32_t> dollar_ttl_;
    std::optional<std::uint32_t> last_stated_ttl_;
    bool warned_no_ttl_ = false;
    // Reused for every record, so that reading allocates nothing per record.
    std::string rr_text_;  // the record's text handed to ldns
    std::string rdata_;    // the record's RDATA, wire form
    std::string owner_;    // the owner being resolved
};

void ZoneFileReader::read_file(const std::string& path, std::string_view origin, const SourceLocation& opened_from) {
    if (cut_short_) return;
    if (open_files_.size() >= max_include_depth) {
        diags_.error(opened_from, "$INCLUDE nested more than " + std::to_string(max_include_depth) + " files deep");
        return;
    }
    ZoneFileStream stream(path, bytes_left_, limits_.stop);
    if (stream.status() == ZoneFileStream::Status::cannot_open) {
        diags_.error(opened_from, "cannot open " + path_excerpt(path) + ": " + stream.open_error());
        return;
    }
    if (stream.status() != ZoneFileStream::Status::reading) {  // too large to start
        report_cut(stream.status(), path, opened_from);
        return;
    }
    FileId id{stream.device(), stream.inode()};
    if (std::find(open_files_.begin(), open_files_.end(), id) != open_files_.end()) {
        diags_.error(opened_from, "$INCLUDE cycle: " + path_excerpt(path) + " is already being read");
        return;
    }
    open_files_.push_back(id);
    records_.add_file_read(path);

    FileState state{path, std::string(origin), ldns_name(origin), std::nullopt};
    ZoneTokenizer tokenizer(stream.file(), path, diags_);
    ZoneEntry entry;
    // An entry that a limit cut off is not read: it may be half a line.
    while (!cut_short_ && tokenizer.next(entry) && stream.status() == ZoneFileStream::Status::reading) {
        // Directives start in column 1; "\$" escapes a name that begins with '$'.
        if (!entry.blank_owner && entry.tokens[0].text[0] == '$') {
            read_directive(entry, state);
        } else {
            read_record(entry, state);
        }
    }
    open_files_.pop_back();
    report_cut(stream.status(), path, opened_from);
}

// Once: the file where a limit was met; the files that include it stop too.
void ZoneFileReader::report_cut(ZoneFileStream::Status status, const std::string& path,
                                const SourceLocation& opened_from) {
    if (cut_short_ || status == ZoneFileStream::Status::reading) return;
    cut_short_ = true;
    if (status == ZoneFileStream::Status::over_size) {
        diags_.error(opened_from, path_excerpt(path) + " takes the zone's files past server.max_zone_size (" +
                                      byte_size_text(limits_.max_bytes) + ")");
    } else {
        diags_.error(opened_from, "stopped reading " + path_excerpt(path) + ": the load was abandoned");
    }
}

void ZoneFileReader::read_directive(const ZoneEntry& entry, FileState& file) {
    const ZoneToken& directive = entry.tokens[0];
    std::span<const ZoneToken> args(entry.tokens.begin() + 1, entry.tokens.end());
    auto takes = [&](std::size_t min, std::size_t max, const char* what) {
        if (args.size() < min) {
            error(file, directive, std::string(directive.text) + " needs " + what);
            return false;
        }
        if (args.size() > max) {
            error(file, args[max], "unexpected " + excerpt(args[max].text) + " after " + std::string(directive.text));
            return false;
        }
        return true;
    };

    if (ascii_iequals(directive.text, "$ORIGIN")) {
        if (!takes(1, 1, "a domain name")) return;
        ldns_status status = LDNS_STATUS_OK;
        auto origin = resolve_name(args[0].text, file.origin, status);
        if (!origin) {
            error(file, args[0], "bad $ORIGIN name " + excerpt(args[0].text) + ldns_says(status));
            return;
        }
        file.origin = std::move(*origin);
        file.origin_rdf = ldns_name(file.origin);
    } else if (ascii_iequals(directive.text, "$TTL")) {
        if (!takes(1, 1, "a TTL")) return;
        auto ttl = read_ttl(file, args[0]);
        if (!ttl) return;
        dollar_ttl_ = ttl;
    } else if (ascii_iequals(directive.text, "$INCLUDE")) {
        if (!takes(1, 2, "a file name")) return;
        read_include(args, file);
    } else {
        error(file, directive,
              "unknown directive " + excerpt(directive.text) + " (azdns reads $ORIGIN, $TTL and $INCLUDE)");
    }
}

// $INCLUDE file [origin]: the path is relative to the including file's folder.
void ZoneFileReader::read_include(std::span<const ZoneToken> args, const FileState& file) {
    std::string origin = file.origin;
    if (args.size() == 2) {
        ldns_status status = LDNS_STATUS_OK;
        auto name = resolve_name(args[1].text, file.origin, status);
        if (!name) {
            error(file, args[1], "bad $INCLUDE origin " + excerpt(args[1].text) + ldns_says(status));
            return;
        }
        origin = std::move(*name);
    }
    std::filesystem::path target(unquote(args[0].text));
    if (target.is_relative()) target = std::filesystem::path(file.path.str()).parent_path() / target;
    read_file(target.string(), origin, {file.path, args[0].line, args[0].column});
}

void ZoneFileReader::read_record(const ZoneEntry& entry, FileState& file) {
    auto head = read_head(entry, file);
    if (!head) return;
    if (!read_rdata(entry, *head, file)) return;
    ZoneRecord record{*file.previous_owner, head->type, class_in, 0, rdata_, {file.path, entry.line, entry.column}};
    // The zone is refused whatever follows: reading on would only cost time.
    if (records_.size() >= limits_.max_records) {
        diags_.error(record.where, "zone has more than " + std::to_string(limits_.max_records) +
                                       " records (server.max_zone_records)");
        cut_short_ = true;
        return;
    }
    record.ttl = effective_ttl(head->ttl, record.where);
    records_.add(record);
}

std::optional<RecordHead> ZoneFileReader::read_head(const ZoneEntry& entry, FileState& file) {
    RecordHead head;
    std::size_t next = 0;
    if (entry.blank_owner) {
        if (!file.previous_owner) {
            error(file, entry.tokens[0], "no owner name: the line starts with a blank but no record precedes it");
            return std::nullopt;
        }
    } else {
        const ZoneToken& owner = entry.tokens[next++];
        owner_.clear();
        if (!parse_plain_name(owner.text, file.origin, owner_)) {
            ldns_status status = LDNS_STATUS_OK;
            auto name = resolve_name(owner.text, file.origin, status);
            if (!name) {
                error(file, owner, "bad owner name " + excerpt(owner.text) + ldns_says(status));
                return std::nullopt;
            }
            owner_ = std::move(*name);
        }
        name_canonicalize(owner_);
        if (!file.previous_owner) file.previous_owner.emplace();
        file.previous_owner->swap(owner_);  // keeps both buffers: no allocation per record
    }

    // A TTL starts with a digit and no type or class does (BIND's rule).
    bool have_class = false;
    for (; next < entry.tokens.size(); ++next) {
        const ZoneToken& token = entry.tokens[next];
        if (!head.ttl && is_digit(token.text[0])) {
            head.ttl = read_ttl(file, token);
            if (!head.ttl) return std::nullopt;
            continue;
        }
        if (have_class) break;
        std::uint16_t rclass = class_code(token.text);
        if (rclass == 0) break;
        if (rclass != class_in) {
            error(file, token, "class " + excerpt(token.text) + " is not supported (only IN)");
            return std::nullopt;
        }
        have_class = true;
    }
    if (next == entry.tokens.size()) {
        diags_.error({file.path, entry.line, entry.column}, "missing record type");
        return std::nullopt;
    }
    const ZoneToken& type = entry.tokens[next];
    head.type = type_code(type.text);
    if (head.type == 0) {
        error(file, type, "unknown type " + excerpt(type.text));
        return std::nullopt;
    }
    if (rr_type::is_meta(head.type)) {
        error(file, type, "type " + excerpt(type.text) + " cannot appear in a zone");
        return std::nullopt;
    }
    head.type_index = next;
    return head;
}

// RFC 8659 section 4.1.1 lets a CAA value be one unquoted token
// (`0 issue ca.example.net`), as NSD, Knot and BIND read it; ldns reads only
// the quoted form. Quotes around the token change nothing else: escapes such
// as \. and \046 mean the same inside them. A token holding a quote is left
// for ldns to refuse, as the others do.
bool is_unquoted_caa_value(std::uint16_t type, std::span<const ZoneToken> fields) {
    return type == rr_type::caa && fields.size() == 3 && fields[2].text.find('"') == std::string_view::npos;
}

// The bytes RDATA in RFC 3597's generic form (`\\# 4 0a000001`) holds: its
// hex digits halved; nullopt when the RDATA is not in that form.
std::optional<std::size_t> generic_rdata_size(std::span<const ZoneToken> fields) {
    if (fields.empty() || fields[0].text != "\\#") return std::nullopt;
    std::size_t digits = 0;
    for (const ZoneToken& hex : fields.subspan(std::min<std::size_t>(2, fields.size()))) digits += hex.text.size();
    return digits / 2;
}

// RDATA in wire form into rdata_, names uncompressed and in the case written.
bool ZoneFileReader::read_rdata(const ZoneEntry& entry, const RecordHead& head, const FileState& file) {
    const std::size_t type_index = head.type_index;
    std::span<const ZoneToken> fields(entry.tokens.begin() + static_cast<std::ptrdiff_t>(type_index) + 1,
                                      entry.tokens.end());
    if (parse_common_rdata(head.type, fields, file.origin, rdata_)) return true;
    // ldns reads the RDATA from a one-line record. The owner is a placeholder
    // (ours is resolved already) and the class was checked above.
    const ZoneToken& type = entry.tokens[type_index];
    rr_text_.assign(". IN ");
    rr_text_ += type.text;
    const std::size_t rdata_offset = rr_text_.size() + 1;
    for (std::size_t i = type_index + 1; i < entry.tokens.size(); ++i) {
        rr_text_ += ' ';
        rr_text_ += entry.tokens[i].text;
    }
    std::string_view rdata_text = std::string_view(rr_text_).substr(std::min(rdata_offset, rr_text_.size()));
    std::string quoted_caa;  // errors still quote the text as written
    if (is_unquoted_caa_value(head.type, fields)) {
        quoted_caa.assign(rr_text_, 0, rr_text_.size() - fields[2].text.size());
        quoted_caa += in_quotes(fields[2].text);
    }
    const std::string& ldns_text = quoted_caa.empty() ? rr_text_ : quoted_caa;

    // ldns does not say which field failed: point at the first.
    const bool has_rdata = type_index + 1 < entry.tokens.size();
    const ZoneToken& first = has_rdata ? entry.tokens[type_index + 1] : type;
    if (ldns_text.size() > rdata_offset + max_rdata_text) {
        error(file, first, "RDATA for " + std::string(type.text) + " longer than " + std::to_string(max_rdata_text) +
                               " characters, more than ldns reads");
        return false;
    }
    ldns_rr* raw = nullptr;
    ldns_status status = ldns_rr_new_frm_str(&raw, ldns_text.c_str(), 0, file.origin_rdf.get(), nullptr);
    RrPtr rr(raw);
    if (status != LDNS_STATUS_OK) {
        error(file, first, "bad RDATA for " + std::string(type.text) + ": " + excerpt(rdata_text) + ldns_says(status));
        return false;
    }
    rdata_.clear();
    for (std::size_t i = 0; i < ldns_rr_rd_count(rr.get()); ++i) {
        const ldns_rdf* field = ldns_rr_rdf(rr.get(), i);
        rdata_.append(reinterpret_cast<const char*>(ldns_rdf_data(field)), ldns_rdf_size(field));
    }
    // Names written as '@' or relative to a long origin grow in wire form:
    // 2 characters can become 255 bytes.
    if (rdata_.size() > max_rdata_size) {
        error(file, first,
              "RDATA for " + std::string(type.text) + " is " + std::to_string(rdata_.size()) + " bytes; at most " +
                  std::to_string(max_rdata_size) + " (RFC 1035 RDLENGTH)");
        return false;
    }
    // ldns reads a known type's generic RDATA as the type's fields and drops
    // any bytes after them: those would be lost without a word.
    if (const auto written = generic_rdata_size(fields); written && *written != rdata_.size()) {
        error(file, first,
              "generic RDATA of " + std::to_string(*written) + " bytes does not match " + std::string(type.text) +
                  "'s " + std::to_string(rdata_.size()) + " bytes");
        return false;
    }
    return true;
}

// A TTL field ($TTL's or a record's), as BIND reads it: nullopt (reported)
// when it is not a TTL or exceeds 32 bits; 0 (with a warning) above max_ttl.
std::optional<std::uint32_t> ZoneFileReader::read_ttl(const FileState& file, const ZoneToken& token) {
    auto ttl = parse_ttl(token.text);
    if (!ttl) {
        error(file, token, "bad TTL " + excerpt(token.text) + " (expected seconds, or units as in 1h30m)");
        return std::nullopt;
    }
    if (*ttl > max_ttl_field) {
        error(file, token,
              "bad TTL " + excerpt(token.text) + ": more than 32 bits (at most " + std::to_string(max_ttl_field) + ")");
        return std::nullopt;
    }
    if (*ttl > max_ttl) {
        diags_.warning({file.path, token.line, token.column},
                       "TTL " + excerpt(token.text) + " is above " + std::to_string(max_ttl) +
                           " seconds (RFC 2181 section 8); using 0");
        return 0;
    }
    return static_cast<std::uint32_t>(*ttl);
}

// The record's own TTL wins, then $TTL (RFC 2308), then the last TTL stated
// on a record (RFC 1035), then fallback_ttl with a warning.
std::uint32_t ZoneFileReader::effective_ttl(std::optional<std::uint32_t> stated, const SourceLocation& where) {
    if (stated) {
        last_stated_ttl_ = stated;
        return *stated;
    }
    if (dollar_ttl_) return *dollar_ttl_;
    if (last_stated_ttl_) return *last_stated_ttl_;
    if (!warned_no_ttl_) {
        diags_.warning(where, "no TTL, $TTL or earlier TTL to inherit; using " + std::to_string(fallback_ttl) +
                                  " here and until one is given");
        warned_no_ttl_ = true;
    }
    return fallback_ttl;
}

}  // namespace

ZoneRecords read_zone_file(const std::string& path, std::string_view origin,
                                       const SourceLocation& opened_from, Diagnostics& diags,
                                       const ZoneLoadLimits& limits) {
    ZoneFileReader reader(diags, limits);
    reader.read_file(path, origin, opened_from);
    return reader.take_records();
}

}  // namespace azdns
