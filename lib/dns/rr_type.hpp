// RR type codes that azdns reasons about by name (RFC 1035, 3596, 2782,
// 6891, 4034, 2930, 8945, 1995, 5936).
#pragma once

#include <cstdint>

namespace azdns {

namespace rr_type {
inline constexpr std::uint16_t a = 1;
inline constexpr std::uint16_t ns = 2;
inline constexpr std::uint16_t cname = 5;
inline constexpr std::uint16_t soa = 6;
inline constexpr std::uint16_t ptr = 12;
inline constexpr std::uint16_t mx = 15;
inline constexpr std::uint16_t txt = 16;
inline constexpr std::uint16_t aaaa = 28;
inline constexpr std::uint16_t srv = 33;
inline constexpr std::uint16_t dname = 39;
inline constexpr std::uint16_t opt = 41;
inline constexpr std::uint16_t ds = 43;
inline constexpr std::uint16_t rrsig = 46;
inline constexpr std::uint16_t nsec = 47;
inline constexpr std::uint16_t tkey = 249;
inline constexpr std::uint16_t tsig = 250;
inline constexpr std::uint16_t ixfr = 251;
inline constexpr std::uint16_t axfr = 252;
inline constexpr std::uint16_t any = 255;
inline constexpr std::uint16_t caa = 257;

// RFC 6895 section 3.1: OPT and the range 128-255 (TKEY, TSIG, IXFR, AXFR,
// ANY, ...) are meta and query types: they exist only in messages, never in
// zone data.
[[nodiscard]] constexpr bool is_meta(std::uint16_t type) { return type == opt || (type >= 128 && type <= 255); }

// The meta-RRs that belong to one transaction (RFC 6891, 2930, 8945): a
// question asking for one is malformed (FORMERR).
[[nodiscard]] constexpr bool is_transaction_meta(std::uint16_t type) {
    return type == opt || type == tkey || type == tsig;
}
}  // namespace rr_type

}  // namespace azdns
