// Where the domain names sit in the RDATA of the types whose names azdns
// handles, and what a message writer may do with them: the answer's writer
// compresses them, the transfer reader decompresses them. Only the RFC 1035
// types may have their names compressed (RFC 3597 section 4); SRV (RFC 2782)
// and DNAME (RFC 6672 section 2.5) go out as they are, but their names are
// in the message all the same, so later names may point at them.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "rr_type.hpp"

namespace azdns {

enum class RdataNameUse : std::uint8_t {
    none,      // no names the writer knows of: RDATA is opaque
    target,    // names written as they are, then pointed at
    compress,  // names compressed, then pointed at
};

// NS, CNAME, PTR, MX, SOA: compress; SRV, DNAME: target; every other type: none.
[[nodiscard]] constexpr RdataNameUse rdata_name_use(std::uint16_t type) {
    switch (type) {
        case rr_type::ns:
        case rr_type::cname:
        case rr_type::ptr:
        case rr_type::mx:
        case rr_type::soa: return RdataNameUse::compress;
        case rr_type::srv:
        case rr_type::dname: return RdataNameUse::target;
        default: return RdataNameUse::none;
    }
}

// What first_name_offset says of a type whose RDATA holds no name it knows.
inline constexpr std::size_t no_rdata_name = SIZE_MAX;

// Where the first name starts in the RDATA of the types above whose use is
// not `none`: after MX's PREFERENCE (RFC 1035 section 3.3.9) and SRV's
// PRIORITY, WEIGHT and PORT (RFC 2782); at the start for NS, CNAME, PTR,
// SOA and DNAME. The additional section reads it too, for NS, MX and SRV.
[[nodiscard]] constexpr std::size_t first_name_offset(std::uint16_t type) {
    switch (type) {
        case rr_type::ns:
        case rr_type::cname:
        case rr_type::ptr:
        case rr_type::soa:
        case rr_type::dname: return 0;
        case rr_type::mx: return 2;
        case rr_type::srv: return 6;
        default: return no_rdata_name;
    }
}

struct RdataName {
    std::size_t offset = 0;  // in the RDATA
    std::size_t length = 0;  // uncompressed, root byte included
};

struct RdataNames {
    std::array<RdataName, 2> names;  // in RDATA order; only the first `count` are set
    std::size_t count = 0;
};

// The names in one RR's RDATA of a type whose use is not `none` (none for
// other types). None at all when the RDATA does not hold them where the type
// says, uncompressed and within bounds (the zone's checks make that
// impossible; the writer does not rely on it).
[[nodiscard]] RdataNames find_rdata_names(std::uint16_t type, std::span<const std::uint8_t> rdata);

}  // namespace azdns
