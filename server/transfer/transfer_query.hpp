// The queries a secondary sends its primary for one zone: SOA (to learn the
// serial), AXFR (RFC 5936), and IXFR with the SOA the secondary holds in the
// authority section (RFC 1995 section 3). Bytes only: transfer_client.hpp
// sends them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "rr_type.hpp"

namespace azdns {

struct TransferRequest {
    std::string origin;  // wire form
    std::uint16_t qtype = rr_type::axfr;
    // IXFR: the SOA the secondary holds, its TTL and its RDATA as a zone
    // holds it (ZoneRecord::rdata: wire form, names uncompressed).
    std::uint32_t soa_ttl = 0;
    std::string soa_rdata;

    [[nodiscard]] static TransferRequest soa(std::string origin);
    [[nodiscard]] static TransferRequest axfr(std::string origin);
    [[nodiscard]] static TransferRequest ixfr(std::string origin, std::uint32_t soa_ttl, std::string soa_rdata);
};

// The query for `request`, ID `id`, recursion not desired, into `buffer`.
// Returns its length; 0 when `buffer` is too small or an IXFR's soa_rdata is
// not shaped as an SOA's (two names, then five 32-bit fields).
[[nodiscard]] std::size_t write_transfer_query(std::span<std::uint8_t> buffer, std::uint16_t id,
                                               const TransferRequest& request);

}  // namespace azdns
