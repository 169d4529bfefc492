// The serial a secondary holds, as its IXFR query says it (RFC 1995 section
// 3): the SOA in the query's authority section.
#pragma once

#include <cstdint>
#include <optional>
#include <span>

namespace azdns {

// The SERIAL of the query's one authority-section SOA, or nullopt when the
// message has no such record or is malformed there. Never reads outside `query`.
[[nodiscard]] std::optional<std::uint32_t> ixfr_client_serial(std::span<const std::uint8_t> query);

}  // namespace azdns
