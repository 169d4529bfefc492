#include "query_reader.hpp"

#include <algorithm>
#include <array>
#include <cstring>

#include "ascii.hpp"
#include "rr_type.hpp"
#include "wire_integers.hpp"
#include "wire_names.hpp"

namespace azdns {

namespace {

// RFC 7871 section 7.2.1: a wrongly formatted option (a FAMILY other than
// IPv4 or IPv6, a prefix longer than the family's address, an ADDRESS not
// exactly as long as the prefix or with bits set past it, or a second
// option) gets FORMERR.
bool read_client_subnet(std::span<const std::uint8_t> option, ClientSubnet& out) {
    if (out.present || option.size() < 4) return false;
    const std::uint16_t family = read_u16(&option[0]);
    const std::uint8_t source_bits = option[2];
    if (family != ClientSubnet::ipv4 && family != ClientSubnet::ipv6) return false;
    if (source_bits > (family == ClientSubnet::ipv4 ? 32 : 128)) return false;
    out.present = true;
    out.family = family;
    out.source_bits = source_bits;
    const std::size_t bytes = out.address_bytes();
    if (option.size() != 4 + bytes) return false;
    out.address.fill(0);
    std::memcpy(out.address.data(), option.data() + 4, bytes);
    const unsigned spare = bytes * 8 - source_bits;
    return spare == 0 || (out.address[bytes - 1] & ((1u << spare) - 1)) == 0;
}

// RFC 7873 section 5.2.2: a COOKIE option of fewer than 8 bytes, of 9 to 15
// or of more than 40 is malformed: FORMERR. A second COOKIE option is no
// error: section 5.2 says "In all cases of multiple COOKIE options in a
// request, only the first (the one closest to the DNS header) is
// considered. All others are ignored." Each must still be well formed, as
// BIND checks (its OPT parser checks every COOKIE option's length, then
// process_cookie takes the first); Knot's option table keeps the last one.
bool read_cookie(std::span<const std::uint8_t> option, DnsCookie& out) {
    const std::size_t length = option.size();
    if (length < 8 || (length > 8 && length < 16) || length > 40) return false;
    if (out.present) return true;
    out.present = true;
    out.server_length = static_cast<std::uint8_t>(length - 8);
    std::memcpy(out.client.data(), option.data(), 8);
    std::memcpy(out.server.data(), option.data() + 8, length - 8);
    return true;
}

// The question's name may not be compressed: nothing precedes it to point at.
// Inlined into both callers: a call here costs 1 % of answering a query.
[[gnu::always_inline]] inline bool read_question(std::span<const std::uint8_t> packet, std::size_t& pos, Question& question) {
    std::size_t start = pos;
    while (true) {
        if (pos >= packet.size()) return false;
        std::uint8_t label = packet[pos];
        if (label > 63) return false;
        if (pos - start + 1u + label > 255 || pos + 1u + label > packet.size()) return false;
        pos += 1u + label;
        if (label == 0) break;
    }
    std::size_t length = pos - start;
    // Length bytes are at most 63, below 'A': lowering every byte of the
    // name leaves them alone, and one flat loop vectorises.
    for (std::size_t i = 0; i < length; ++i) question.canonical[i] = ascii_lower(packet[start + i]);
    if (pos + 4 > packet.size()) return false;
    question.name_length = static_cast<std::uint8_t>(length);
    question.qtype = read_u16(&packet[pos]);
    question.qclass = read_u16(&packet[pos + 2]);
    pos += 4;
    question.wire = packet.subspan(start, pos - start);
    return true;
}

bool read_opt(std::span<const std::uint8_t> rr, std::uint16_t rr_class, std::uint32_t ttl, EdnsQuery& edns) {
    edns.present = true;
    edns.udp_size = rr_class;
    edns.version = static_cast<std::uint8_t>(ttl >> 16);
    edns.dnssec_ok = (ttl & 0x8000) != 0;
    std::size_t pos = 0;
    while (pos < rr.size()) {
        if (pos + 4 > rr.size()) return false;
        std::uint16_t code = read_u16(&rr[pos]);
        std::uint16_t length = read_u16(&rr[pos + 2]);
        pos += 4;
        if (pos + length > rr.size()) return false;
        if (code == edns_option::nsid && length == 0) edns.nsid_requested = true;
        if (code == edns_option::client_subnet && !read_client_subnet(rr.subspan(pos, length), edns.client_subnet))
            return false;
        if (code == edns_option::cookie && !read_cookie(rr.subspan(pos, length), edns.cookie)) return false;
        pos += length;  // unknown options are ignored (RFC 6891 section 6.1.2)
    }
    return true;
}

}  // namespace

std::string rcode_name(unsigned rcode) {
    static constexpr std::array<const char*, 12> names{"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN",
                                                       "NOTIMP",  "REFUSED", "YXDOMAIN", "YXRRSET",
                                                       "NXRRSET", "NOTAUTH", "NOTZONE",  "DSOTYPENI"};
    if (rcode < names.size()) return names[rcode];
    if (rcode == rcode::badvers) return "BADVERS";
    if (rcode == rcode::badcookie) return "BADCOOKIE";
    return "RCODE" + std::to_string(rcode);
}

ReadStatus read_query(std::span<const std::uint8_t> packet, Query& out) {
    out = Query{};
    if (packet.size() < header_size || (packet[2] & 0x80) != 0) return ReadStatus::ignore;
    out.id = read_u16(&packet[0]);
    out.opcode = static_cast<std::uint8_t>((packet[2] >> 3) & 0x0F);
    out.recursion_desired = (packet[2] & 0x01) != 0;
    out.checking_disabled = (packet[3] & 0x10) != 0;
    std::uint16_t qdcount = read_u16(&packet[4]);
    std::uint16_t ancount = read_u16(&packet[6]);
    std::uint16_t nscount = read_u16(&packet[8]);
    std::uint16_t arcount = read_u16(&packet[10]);
    if (qdcount != 1) return ReadStatus::formerr;

    std::size_t pos = header_size;
    if (!read_question(packet, pos, out.question)) return ReadStatus::formerr;
    out.has_question = true;

    std::size_t records = std::size_t{ancount} + nscount + arcount;
    EdnsQuery edns;
    std::size_t tsig_offset = 0;
    for (std::size_t i = 0; i < records; ++i) {
        std::size_t record_start = pos;
        bool root = false;
        if (!skip_name(packet, pos, root) || pos + 10 > packet.size()) return ReadStatus::formerr;
        std::uint16_t type = read_u16(&packet[pos]);
        std::uint16_t rr_class = read_u16(&packet[pos + 2]);
        std::uint32_t ttl = read_u32(&packet[pos + 4]);
        std::uint16_t rdlength = read_u16(&packet[pos + 8]);
        pos += 10;
        if (pos + rdlength > packet.size()) return ReadStatus::formerr;
        if (type == rr_type::opt) {
            // One OPT, owned by the root, in the additional section only.
            bool in_additional = i >= std::size_t{ancount} + nscount;
            if (!in_additional || !root || edns.present) return ReadStatus::formerr;
            if (!read_opt(packet.subspan(pos, rdlength), rr_class, ttl, edns)) return ReadStatus::formerr;
        } else if (type == rr_type::tsig) {
            // The last record of the additional section, of class ANY and
            // TTL 0 (RFC 8945 section 5.1): so there is at most one. A DNS
            // message is at most 65535 bytes: the offset fits in 16 bits.
            bool last_additional = i + 1 == records && arcount != 0;
            if (!last_additional || rr_class != rr_class::any || ttl != 0 || record_start > 0xFFFF) {
                return ReadStatus::formerr;
            }
            tsig_offset = record_start;
        }
        pos += rdlength;
    }
    if (pos != packet.size()) return ReadStatus::formerr;  // trailing garbage
    out.edns = edns;
    out.tsig_offset = static_cast<std::uint16_t>(tsig_offset);
    return ReadStatus::ok;
}

bool peek_question(std::span<const std::uint8_t> packet, Question& out) {
    std::size_t pos = header_size;
    return packet.size() > header_size && read_u16(&packet[4]) != 0 && read_question(packet, pos, out);
}

}  // namespace azdns
