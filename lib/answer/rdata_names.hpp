// Where the domain names sit in the RDATA of the types whose names the
// message writer handles, and what it may do with them. Only the RFC 1035
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

struct RdataName {
    std::size_t offset = 0;  // in the RDATA
    std::size_t length = 0;  // uncompressed, root byte included
};

struct RdataNames {
    std::array<RdataName, 2> names;  // in RDATA order; only the first `count` are set
    std::size_t count = 0;
};

// The names in one RR's RDATA of a type whose use is not `none`. None at all
// when the RDATA does not hold them where the type says, uncompressed and
// within bounds (the zone's checks make that impossible; the writer does not
// rely on it).
[[nodiscard]] RdataNames find_rdata_names(std::uint16_t type, std::span<const std::uint8_t> rdata);

}  // namespace azdns
