// The master-file writer. The types nearly every zone is made of (A, AAAA,
// NS, CNAME, PTR, DNAME, MX, SOA, TXT, CAA) are written here, without ldns, so
// that a million records take no allocation each. A few more types go
// through ldns' presentation code, each field checked by reading it back;
// everything else, and any RDATA that does not parse as its type, is
// written in RFC 3597's generic form, which every reader takes byte for byte.
#include "zone_file_writer.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cstring>
#include <memory>

// Without stdbool.h first, ldns/common.h defines `false` and `true` as
// macros, which breaks <optional> and <compare>.
#include <stdbool.h>

#include <ldns/ldns.h>

#include "ascii.hpp"
#include "dns_name.hpp"
#include "rr_type.hpp"

namespace azdns {

namespace {

constexpr std::uint16_t class_in = 1;
constexpr char hex_digits[] = "0123456789abcdef";
// A rough size of one record's line, so that the text grows by few copies.
constexpr std::size_t line_estimate = 64;

// Types rendered by ldns: those whose every field ldns writes in a form it
// reads back, which zone_file_writer_test checks through read_zone_file.
bool ldns_renders(std::uint16_t type) {
    switch (type) {
        case 13:   // HINFO
        case 17:   // RP
        case 29:   // LOC
        case 33:   // SRV
        case 35:   // NAPTR
        case 43:   // DS
        case 44:   // SSHFP
        case 46:   // RRSIG
        case 47:   // NSEC
        case 48:   // DNSKEY
        case 52:   // TLSA
        case 59:   // CDS
        case 60:   // CDNSKEY
        case 61:   // OPENPGPKEY
        case 63:   // ZONEMD
        case 64:   // SVCB
        case 65:   // HTTPS
        case 256:  // URI
            return true;
        default:
            return false;
    }
}

struct LdnsFree {
    void operator()(ldns_rr* rr) const { ldns_rr_free(rr); }
    void operator()(ldns_rdf* rdf) const { ldns_rdf_deep_free(rdf); }
    void operator()(ldns_buffer* buffer) const { ldns_buffer_free(buffer); }
};

bool is_letter_or_digit(char c) {
    char lower = ascii_lower(c);
    return (lower >= 'a' && lower <= 'z') || (c >= '0' && c <= '9');
}

template <typename Number>
void append_number(std::string& out, Number value) {
    std::array<char, 24> digits{};
    auto end = std::to_chars(digits.data(), digits.data() + digits.size(), value).ptr;
    out.append(digits.data(), end);
}

std::uint32_t read_u32(std::string_view data) {
    return static_cast<std::uint32_t>(static_cast<unsigned char>(data[0])) << 24 |
           static_cast<std::uint32_t>(static_cast<unsigned char>(data[1])) << 16 |
           static_cast<std::uint32_t>(static_cast<unsigned char>(data[2])) << 8 |
           static_cast<unsigned char>(data[3]);
}

// The size of the uncompressed name that `data` starts with; 0 when it does
// not start with one (a compression pointer, a cut label, over 255 bytes).
std::size_t name_size(std::string_view data) {
    std::size_t pos = 0;
    while (pos < data.size()) {
        auto label = static_cast<unsigned char>(data[pos]);
        if (label > max_label_length) return 0;
        pos += 1u + label;
        if (pos > max_name_length) return 0;
        if (label == 0) return pos;
    }
    return 0;
}

// True when `rdata` is exactly one name.
bool append_one_name(std::string& out, std::string_view rdata) {
    if (name_size(rdata) != rdata.size()) return false;
    name_append_text(out, rdata);
    return true;
}

// A character-string in quotes (RFC 1035 section 5.1): printable ASCII as
// it is, but for the quote and the backslash; every other byte as \DDD.
void append_quoted(std::string& out, std::string_view bytes) {
    out += '"';
    for (char ch : bytes) {
        auto c = static_cast<unsigned char>(ch);
        if (c == '"' || c == '\\') {
            out += '\\';
            out += ch;
        } else if (c < 0x20 || c >= 0x7f) {
            const std::array<char, 4> escaped{'\\', static_cast<char>('0' + c / 100),
                                              static_cast<char>('0' + (c / 10) % 10), static_cast<char>('0' + c % 10)};
            out.append(escaped.data(), escaped.size());
        } else {
            out += ch;
        }
    }
    out += '"';
}

bool append_txt(std::string& out, std::string_view rdata) {
    if (rdata.empty()) return false;  // no string at all: only the generic form says that
    for (std::size_t pos = 0; pos < rdata.size();) {
        std::size_t length = static_cast<unsigned char>(rdata[pos]);
        if (pos + 1 + length > rdata.size()) return false;
        if (pos > 0) out += ' ';
        append_quoted(out, rdata.substr(pos + 1, length));
        pos += 1 + length;
    }
    return true;
}

bool append_soa(std::string& out, std::string_view rdata) {
    std::size_t mname = name_size(rdata);
    std::size_t rname = mname == 0 ? 0 : name_size(rdata.substr(mname));
    if (rname == 0 || mname + rname + 20 != rdata.size()) return false;
    name_append_text(out, rdata.substr(0, mname));
    out += ' ';
    name_append_text(out, rdata.substr(mname, rname));
    for (std::size_t at = mname + rname; at < rdata.size(); at += 4) {
        out += ' ';
        append_number(out, read_u32(rdata.substr(at, 4)));
    }
    return true;
}

// RFC 8659 section 4.1: flags, a tag of letters and digits, and a value
// that may be empty (which ldns' wire reader does not see as a field).
bool append_caa(std::string& out, std::string_view rdata) {
    if (rdata.size() < 2) return false;
    std::size_t tag_length = static_cast<unsigned char>(rdata[1]);
    if (tag_length == 0 || 2 + tag_length > rdata.size()) return false;
    std::string_view tag = rdata.substr(2, tag_length);
    if (!std::all_of(tag.begin(), tag.end(), is_letter_or_digit)) return false;
    append_number(out, static_cast<unsigned>(static_cast<unsigned char>(rdata[0])));
    out += ' ';
    out += tag;
    out += ' ';
    append_quoted(out, rdata.substr(2 + tag_length));
    return true;
}

bool append_address(std::string& out, std::string_view rdata, int family, std::size_t size) {
    if (rdata.size() != size) return false;
    std::array<char, INET6_ADDRSTRLEN> text{};
    if (inet_ntop(family, rdata.data(), text.data(), text.size()) == nullptr) return false;
    out += text.data();
    return true;
}

void append_generic(std::string& out, std::string_view rdata) {
    out += "\\# ";
    append_number(out, rdata.size());
    if (!rdata.empty()) out += ' ';
    for (char c : rdata) {
        out += hex_digits[static_cast<unsigned char>(c) >> 4];
        out += hex_digits[static_cast<unsigned char>(c) & 0xf];
    }
}

class ZoneTextWriter {
public:
    explicit ZoneTextWriter(std::string& out) : out_(out), field_text_(ldns_buffer_new(256)) {}

    void write_record(const ZoneRecord& record) {
        name_append_text(out_, record.owner);
        out_ += '\t';
        append_number(out_, record.ttl);
        if (record.rclass == class_in) {
            out_ += "\tIN\t";
        } else {  // read_zone_file refuses it, as it should: it is not what was served
            out_ += "\tCLASS";
            append_number(out_, record.rclass);
            out_ += '\t';
        }
        const std::size_t type_at = out_.size();
        const ldns_rr_descriptor* descriptor = ldns_rr_descript(record.type);
        if (descriptor != nullptr && descriptor->_name != nullptr) {
            out_ += descriptor->_name;
            out_ += '\t';
            if (append_rdata(record.type, record.rdata)) {
                out_ += '\n';
                return;
            }
        }
        out_.resize(type_at);  // the generic form, with the generic type name (RFC 3597 section 5)
        out_ += "TYPE";
        append_number(out_, record.type);
        out_ += '\t';
        append_generic(out_, record.rdata);
        out_ += '\n';
    }

private:
    // False, with part of the text written, when `rdata` is not what `type` says.
    bool append_rdata(std::uint16_t type, std::string_view rdata) {
        switch (type) {
            case rr_type::a: return append_address(out_, rdata, AF_INET, 4);
            case rr_type::aaaa: return append_address(out_, rdata, AF_INET6, 16);
            case rr_type::ns:
            case rr_type::cname:
            case rr_type::ptr:
            case rr_type::dname: return append_one_name(out_, rdata);
            case rr_type::mx:
                if (rdata.size() < 3) return false;
                append_number(out_, static_cast<unsigned>(static_cast<unsigned char>(rdata[0]) << 8 |
                                                          static_cast<unsigned char>(rdata[1])));
                out_ += ' ';
                return append_one_name(out_, rdata.substr(2));
            case rr_type::soa: return append_soa(out_, rdata);
            case rr_type::txt: return append_txt(out_, rdata);
            case rr_type::caa: return append_caa(out_, rdata);
            default: return ldns_renders(type) && append_with_ldns(type, rdata);
        }
    }

    bool append_with_ldns(std::uint16_t type, std::string_view rdata) {
        // ldns reads RDATA as it sits in a message: after its length.
        wire_.assign({static_cast<char>(rdata.size() >> 8), static_cast<char>(rdata.size())});
        wire_ += rdata;
        std::unique_ptr<ldns_rr, LdnsFree> rr(ldns_rr_new());
        ldns_rr_set_type(rr.get(), static_cast<ldns_rr_type>(type));
        std::size_t pos = 0;
        if (ldns_wire2rdf(rr.get(), reinterpret_cast<const std::uint8_t*>(wire_.data()), wire_.size(), &pos) !=
                LDNS_STATUS_OK ||
            pos != wire_.size() || ldns_rr_rd_count(rr.get()) < ldns_rr_descriptor_minimum(ldns_rr_descript(type))) {
            return false;
        }
        std::size_t at = 0;  // the fields must be the RDATA's bytes, as they are: no pointer followed
        for (std::size_t i = 0; i < ldns_rr_rd_count(rr.get()); ++i) {
            const ldns_rdf* field = ldns_rr_rdf(rr.get(), i);
            std::string_view bytes(reinterpret_cast<const char*>(ldns_rdf_data(field)), ldns_rdf_size(field));
            if (rdata.substr(at, bytes.size()) != bytes) return false;
            at += bytes.size();
            if (i > 0) out_ += ' ';
            if (ldns_rdf_get_type(field) == LDNS_RDF_TYPE_DNAME) {
                name_append_text(out_, bytes);  // escapes as the reader expects, case kept
            } else if (!append_field(field, bytes)) {
                return false;
            }
        }
        return at == rdata.size();
    }

    // ldns' text for one field, if ldns reads it back into the same bytes:
    // it normalizes some forms (an NSEC bitmap's windows, SVCB keys' order).
    bool append_field(const ldns_rdf* field, std::string_view bytes) {
        ldns_buffer_clear(field_text_.get());
        if (ldns_rdf2buffer_str(field_text_.get(), field) != LDNS_STATUS_OK) return false;
        std::string_view text(reinterpret_cast<const char*>(ldns_buffer_begin(field_text_.get())),
                              ldns_buffer_position(field_text_.get()));
        while (!text.empty() && text.back() == ' ') text.remove_suffix(1);  // after an NSEC bitmap
        // ldns quotes strings when writing but reads them without their quotes.
        std::string_view unquoted = text;
        if (unquoted.size() >= 2 && unquoted.front() == '"' && unquoted.back() == '"') {
            unquoted = unquoted.substr(1, unquoted.size() - 2);
        }
        check_text_.assign(unquoted);
        std::unique_ptr<ldns_rdf, LdnsFree> back(ldns_rdf_new_frm_str(ldns_rdf_get_type(field), check_text_.c_str()));
        if (!back || std::string_view(reinterpret_cast<const char*>(ldns_rdf_data(back.get())),
                                      ldns_rdf_size(back.get())) != bytes) {
            return false;
        }
        out_ += text;
        return true;
    }

    std::string& out_;
    std::unique_ptr<ldns_buffer, LdnsFree> field_text_;
    std::string wire_;        // reused: the RDATA with its length, for ldns
    std::string check_text_;  // reused: a field's text, for ldns to read back
};

}  // namespace

std::string zone_records_text(std::string_view origin_wire, const ZoneRecords& records,
                              std::string_view header_comment) {
    std::string out;
    out.reserve(header_comment.size() + max_name_length + records.size() * line_estimate);
    while (!header_comment.empty()) {
        std::size_t end = std::min(header_comment.find('\n'), header_comment.size());
        out += "; ";
        out += header_comment.substr(0, end);
        out += '\n';
        header_comment.remove_prefix(std::min(end + 1, header_comment.size()));
    }
    out += "$ORIGIN ";
    name_append_text(out, origin_wire);
    out += '\n';
    ZoneTextWriter writer(out);
    for (std::size_t i = 0; i < records.size(); ++i) writer.write_record(records[i]);
    return out;
}

std::string zone_copy_file_name(std::string_view origin_wire) {
    constexpr std::string_view prefix = "secondary-";
    constexpr std::string_view suffix = ".zone";
    constexpr std::size_t max_file_name = 255;  // NAME_MAX on Linux
    if (origin_wire.empty() || origin_wire[0] == 0) return std::string(prefix) + "root" + std::string(suffix);

    std::string text;
    for (std::size_t pos = 0; pos < origin_wire.size() && origin_wire[pos] != 0;) {
        std::size_t length = static_cast<unsigned char>(origin_wire[pos]);
        if (pos > 0) text += '.';
        for (std::size_t i = pos + 1; i <= pos + length && i < origin_wire.size(); ++i) {
            char c = ascii_lower(origin_wire[i]);
            if (is_letter_or_digit(c) || c == '-' || c == '_') {
                text += c;
            } else {
                static constexpr char upper_hex[] = "0123456789ABCDEF";
                text += '%';
                text += upper_hex[static_cast<unsigned char>(c) >> 4];
                text += upper_hex[static_cast<unsigned char>(c) & 0xf];
            }
        }
        pos += 1 + length;
    }
    if (text == "root") text = "%72oot";  // the root zone's name is taken

    // A name of escaped bytes can pass NAME_MAX: keep its start and a hash
    // of the whole ('~' appears in no other name: it would be "%7E").
    const std::size_t room = max_file_name - prefix.size() - suffix.size();
    if (text.size() > room) {
        std::uint64_t hash = 14695981039346656037ull;  // FNV-1a, stable across builds
        for (char c : name_canonical(origin_wire)) hash = (hash ^ static_cast<unsigned char>(c)) * 1099511628211ull;
        text.resize(room - 17);
        text += '~';
        for (int shift = 60; shift >= 0; shift -= 4) text += hex_digits[(hash >> shift) & 0xf];
    }
    return std::string(prefix) + text + std::string(suffix);
}

}  // namespace azdns
