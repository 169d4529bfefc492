// The invariants every response of the answer engine keeps, whatever the
// query and the zone: shared by answer_fuzz (any query, a fixed zone) and
// zone_fuzz (fixed queries, any zone that loads).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "client.hpp"

namespace azdns::fuzz {

// Fails (fuzz_support.hpp) unless the `length` bytes of `response` answer
// `query`: they fit the buffer (and a UDP one `udp_limit`), start with a
// full header, QR=1 and the query's ID, and make a message ldns parses.
// A length of 0 (no answer at all) passes.
void check_response(std::span<const std::uint8_t> query, std::span<const std::uint8_t> response, std::size_t length,
                    std::size_t udp_limit, Transport transport);

}  // namespace azdns::fuzz
