// A strict, zero-copy reader of one DNS query: the header, exactly one
// question and at most one OPT record. Every other record is walked only to
// prove the message is well formed (RFC 1035 section 4, RFC 6891 section 6).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace azdns {

namespace rcode {
inline constexpr std::uint8_t noerror = 0;
inline constexpr std::uint8_t formerr = 1;
inline constexpr std::uint8_t servfail = 2;
inline constexpr std::uint8_t nxdomain = 3;
inline constexpr std::uint8_t notimp = 4;
inline constexpr std::uint8_t refused = 5;
inline constexpr std::uint8_t yxdomain = 6;  // a DNAME would make a name too long (RFC 6672 section 2.2)
inline constexpr std::uint8_t notauth = 9;  // RFC 2136 section 2.2
inline constexpr std::uint16_t badvers = 16;  // extended: needs OPT
inline constexpr std::uint16_t badcookie = 23;  // extended: needs OPT (RFC 7873 section 8)
}  // namespace rcode

// "NOERROR", "NOTAUTH", "BADVERS" (IANA's names, RFC 1035, 2136, 6891,
// 8490), "RCODE12" for one with no name: for logs, errors and labels.
[[nodiscard]] std::string rcode_name(unsigned rcode);

namespace opcode {
inline constexpr std::uint8_t query = 0;
inline constexpr std::uint8_t notify = 4;  // RFC 1996
}  // namespace opcode

namespace rr_class {
inline constexpr std::uint16_t in = 1;
inline constexpr std::uint16_t ch = 3;
inline constexpr std::uint16_t any = 255;
}  // namespace rr_class

inline constexpr std::size_t header_size = 12;

// EDNS option codes (RFC 6891 section 6.1.2) that azdns reads or writes.
namespace edns_option {
inline constexpr std::uint16_t nsid = 3;            // RFC 5001
inline constexpr std::uint16_t client_subnet = 8;   // RFC 7871
inline constexpr std::uint16_t cookie = 10;         // RFC 7873
inline constexpr std::uint16_t extended_error = 15; // RFC 8914
}  // namespace edns_option

// An EDNS Client Subnet option (RFC 7871 section 6) as the query sent it,
// well formed: the reply echoes it with its SCOPE PREFIX-LENGTH.
struct ClientSubnet {
    static constexpr std::uint16_t ipv4 = 1, ipv6 = 2;  // FAMILY
    bool present = false;
    std::uint16_t family = 0;
    std::uint8_t source_bits = 0;  // SOURCE PREFIX-LENGTH
    // ADDRESS, zero past source_bits. Left unwritten unless present: read_query
    // would otherwise zero it for every query (see Question).
    std::array<std::uint8_t, 16> address;

    ClientSubnet() {}
    [[nodiscard]] std::size_t address_bytes() const { return (source_bits + 7u) / 8; }
};

// The COOKIE option (RFC 7873 section 4) as the query sent it, the first if
// it sent several (section 5.2): a Client Cookie alone, or with a Server
// Cookie of 8 to 32 bytes.
struct DnsCookie {
    bool present = false;
    std::uint8_t server_length = 0;  // 0: the Client Cookie alone
    // Left unwritten unless present, and `server` past server_length: 40
    // bytes zeroed for every query would be wasted (see Question).
    std::array<std::uint8_t, 8> client;
    std::array<std::uint8_t, 32> server;

    DnsCookie() {}
    [[nodiscard]] std::span<const std::uint8_t> server_cookie() const { return {server.data(), server_length}; }
};

// The client's OPT record, when it sent one.
struct EdnsQuery {
    bool present = false;
    std::uint16_t udp_size = 0;  // as sent; callers apply the 512 floor
    std::uint8_t version = 0;
    bool dnssec_ok = false;
    bool nsid_requested = false;  // an empty NSID option (RFC 5001 section 2.1)
    ClientSubnet client_subnet;
    DnsCookie cookie;  // fixed-size: reading a query still allocates nothing
};

struct Question {
    // Leaves `canonical` unwritten: read_query fills what name() shows, and
    // zeroing 255 bytes per query is a measurable share of answering one.
    Question() {}  // not `= default`: that would let Query{} zero the array

    std::span<const std::uint8_t> wire;  // name, type and class exactly as received
    std::array<char, 255> canonical;     // the name lowercased
    std::uint8_t name_length = 0;
    std::uint16_t qtype = 0;
    std::uint16_t qclass = 0;

    [[nodiscard]] std::string_view name() const { return {canonical.data(), name_length}; }
};

enum class ReadStatus : std::uint8_t {
    ok,
    ignore,   // shorter than a header, or a response: no answer at all
    formerr,  // malformed; `has_question` says whether the question can be echoed
};

struct Query {
    std::uint16_t id = 0;
    std::uint8_t opcode = 0;
    bool recursion_desired = false;
    bool checking_disabled = false;
    bool has_question = false;  // exactly one question, well formed
    Question question;
    EdnsQuery edns;             // only meaningful when the whole message parsed
    // Where the TSIG record starts (its owner name), for read_tsig; 0 when
    // the query is unsigned. Only meaningful when the whole message parsed.
    std::uint16_t tsig_offset = 0;
};

// Reads `packet` into `out`. Never reads outside the packet; never allocates.
// A TSIG record must be the last record of the additional section, of class
// ANY and TTL 0 (RFC 8945 section 5.1), else the query is FORMERR.
[[nodiscard]] ReadStatus read_query(std::span<const std::uint8_t> packet, Query& out);

// Reads only the first question of `packet`, to look ahead at what a query
// will need (AnswerEngine::prefetch); read_query still judges the packet.
// False when there is no well-formed question to read.
[[nodiscard]] bool peek_question(std::span<const std::uint8_t> packet, Question& out);

}  // namespace azdns
