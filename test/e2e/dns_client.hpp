// A small DNS client for end-to-end tests: builds queries byte by byte (so a
// test controls case, flags, EDNS and can send garbage), sends them over UDP
// or TCP to a loopback server with bounded waits, and parses responses with
// ldns into text a test can compare.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace azdns::e2e {

using Bytes = std::vector<std::uint8_t>;
using std::chrono::milliseconds;

inline constexpr milliseconds default_wait{2000};

struct Endpoint {
    std::string address;  // "127.0.0.1" or "::1"
    std::uint16_t port = 0;
    [[nodiscard]] std::string to_string() const;
};

// RR types and classes the tests use by number.
namespace rrtype {
inline constexpr std::uint16_t A = 1, NS = 2, CNAME = 5, SOA = 6, PTR = 12, MX = 15, TXT = 16, AAAA = 28,
                               SRV = 33, OPT = 41, DS = 43, IXFR = 251, AXFR = 252, ANY = 255, CAA = 257;
}
inline constexpr std::uint16_t class_in = 1, class_ch = 3;

namespace rcode {
inline constexpr int NOERROR = 0, FORMERR = 1, SERVFAIL = 2, NXDOMAIN = 3, NOTIMP = 4, REFUSED = 5, NOTAUTH = 9,
                     BADVERS = 16, BADCOOKIE = 23;
}

struct Query {
    std::string name;                   // case kept as written
    std::uint16_t type = rrtype::A;
    std::uint16_t qclass = class_in;
    std::uint16_t id = 0;               // 0 = pick a random one
    std::uint8_t opcode = 0;
    bool rd = false;
    bool cd = false;
    bool edns = false;                  // add an OPT record
    std::uint16_t udp_size = 1232;
    std::uint8_t edns_version = 0;
    bool do_bit = false;
    bool nsid = false;                  // ask for NSID (RFC 5001)
    Bytes client_subnet{};              // an EDNS Client Subnet payload (RFC 7871); empty: none
    Bytes cookie{};                     // a COOKIE payload (RFC 7873): client, then any server cookie; empty: none
    std::string source{};               // ask_udp sends from this local address; empty: any
};

// An EDNS Client Subnet payload: FAMILY, SOURCE PREFIX-LENGTH `bits`, SCOPE
// 0, and `address` cut to the prefix.
Bytes client_subnet(const std::string& address, std::uint8_t bits);

// The query's wire form. The id actually used is written back into `query`.
Bytes encode(Query& query);

// An Extended DNS Error option (RFC 8914).
struct ExtendedError {
    std::uint16_t info_code = 0;
    std::string extra_text;
    bool operator==(const ExtendedError&) const = default;
    [[nodiscard]] std::string to_string() const;  // `20 ""`
};

struct OptRecord {
    std::uint16_t udp_size = 0;
    std::uint8_t extended_rcode = 0;
    std::uint8_t version = 0;
    bool do_bit = false;
    std::optional<std::string> nsid;    // raw NSID payload when present
    std::optional<ExtendedError> extended_error;
    std::optional<Bytes> client_subnet{};  // the ECS payload when present
    std::optional<Bytes> cookie{};         // the COOKIE payload when present
};

// A parsed response. Sections hold one line per RR, "owner TTL CLASS TYPE
// RDATA" with single spaces (ldns's presentation), OPT excluded.
struct Response {
    Bytes wire;
    bool parsed = false;                // ldns accepted it
    std::uint16_t id = 0;
    std::uint8_t opcode = 0;
    bool qr = false, aa = false, tc = false, rd = false, ra = false, ad = false, cd = false;
    int rcode = 0;                      // full 12-bit RCODE (OPT's extended bits included)
    std::vector<std::string> question, answer, authority, additional;
    int opt_count = 0;                  // OPT records seen in the additional section
    std::optional<OptRecord> opt;
    // Every section on its own line, for failure messages.
    [[nodiscard]] std::string dump() const;
};

Response parse_response(const Bytes& wire);

// Sends one datagram (from `source`, when given) and waits for a reply with
// the same id; nullopt on timeout.
std::optional<Bytes> udp_exchange(const Endpoint& server, const Bytes& query, milliseconds wait = default_wait,
                                  const std::string& source = "");

// A connected UDP socket, for sending several packets and reading what comes back.
class UdpSocket {
public:
    explicit UdpSocket(const Endpoint& server, const std::string& source = "");
    ~UdpSocket();
    UdpSocket(const UdpSocket&) = delete;
    UdpSocket& operator=(const UdpSocket&) = delete;
    bool send(const Bytes& packet);
    std::optional<Bytes> receive(milliseconds wait = default_wait);
    [[nodiscard]] bool ok() const { return fd_ >= 0; }

private:
    int fd_ = -1;
};

class TcpConnection {
public:
    TcpConnection() = default;
    ~TcpConnection();
    TcpConnection(const TcpConnection&) = delete;
    TcpConnection& operator=(const TcpConnection&) = delete;
    TcpConnection(TcpConnection&& other) noexcept;

    bool connect(const Endpoint& server, milliseconds wait = default_wait);
    bool send_raw(const Bytes& bytes);          // exactly these bytes, no framing
    bool send_message(const Bytes& message);    // with its 2-byte length prefix
    // One framed message; nullopt on timeout or when the server closed.
    std::optional<Bytes> receive_message(milliseconds wait = default_wait);
    // Waits until the server closes the connection (EOF or reset); false on timeout.
    bool wait_closed(milliseconds wait);
    [[nodiscard]] bool is_open() const { return fd_ >= 0; }
    [[nodiscard]] bool peer_closed() const { return peer_closed_; }

private:
    bool fill(std::size_t want, std::chrono::steady_clock::time_point deadline);
    int fd_ = -1;
    Bytes pending_;
    bool peer_closed_ = false;
};

std::optional<Bytes> tcp_exchange(const Endpoint& server, const Bytes& query, milliseconds wait = default_wait);

// Encode, send over UDP or TCP, parse. nullopt when nothing came back in time.
std::optional<Response> ask_udp(const Endpoint& server, Query query, milliseconds wait = default_wait);
std::optional<Response> ask_tcp(const Endpoint& server, Query query, milliseconds wait = default_wait);

// "www.example.com. 300 IN A 192.0.2.10"-style lines, sorted: compare sections
// without caring about RR order.
std::vector<std::string> sorted(std::vector<std::string> lines);

}  // namespace azdns::e2e
