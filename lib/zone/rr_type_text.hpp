// A type's mnemonic as ldns prints it ("TXT", "TYPE65280" for one it does
// not know), for messages about records.
#pragma once

#include <cstdint>
#include <string>

namespace azdns {

[[nodiscard]] std::string rr_type_text(std::uint16_t type);

}  // namespace azdns
