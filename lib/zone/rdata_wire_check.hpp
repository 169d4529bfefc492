// Whether RDATA received on the wire is whole for its type, field by field
// as ldns's type descriptors lay it out: what a zone file could not hold must
// not enter a zone by transfer either (the kept copy would then not load).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>

namespace azdns {

// nullopt when `rdata` (names uncompressed) is whole for `type`: every field
// inside it, at least the type's required fields, no byte after the last.
// Otherwise what is wrong, e.g. "RDATA does not fit TXT: a field runs past
// its end". A type ldns
// does not know is opaque (RFC 3597) and always whole.
[[nodiscard]] std::optional<std::string> rdata_wire_problem(std::uint16_t type, std::span<const std::uint8_t> rdata);

}  // namespace azdns
