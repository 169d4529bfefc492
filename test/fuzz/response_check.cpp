#include "response_check.hpp"

#include <string>

#include "fuzz_support.hpp"

// Last: ldns's C headers define macros (`__is_signed`, `true`, `false`) that
// break the C++ standard headers included after them.
#include <ldns/ldns.h>

namespace azdns::fuzz {

void check_response(std::span<const std::uint8_t> query, std::span<const std::uint8_t> response, std::size_t length,
                    std::size_t udp_limit, Transport transport) {
    if (length > response.size()) fail("response longer than the buffer");
    if (length == 0) return;
    if (transport == Transport::udp && length > udp_limit)
        fail("UDP response longer than the largest UDP payload size");
    if (length < 12) fail("non-empty response shorter than a header");
    if (query.size() < 2) fail("answered a query shorter than its ID");
    if (response[0] != query[0] || response[1] != query[1]) fail("response ID differs from the query ID");
    if ((response[2] & 0x80) == 0) fail("response without QR=1");
    ldns_pkt* packet = nullptr;
    if (ldns_wire2pkt(&packet, response.data(), length) != LDNS_STATUS_OK)
        fail("ldns cannot parse the " + std::to_string(length) + "-byte response (" +
             (transport == Transport::udp ? "udp" : "tcp") + ")");
    ldns_pkt_free(packet);
}

}  // namespace azdns::fuzz
