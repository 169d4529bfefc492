// One resource record as read from a master file: what the zone-file reader
// produces and the zone builder consumes.
#pragma once

#include <cstdint>
#include <string>

#include "diagnostics.hpp"

namespace azdns {

struct ZoneRecord {
    std::string owner;        // wire form, canonical (lowercase)
    std::uint16_t type = 0;   // RR type code
    std::uint16_t rclass = 1; // IN
    std::uint32_t ttl = 0;
    std::string rdata;        // RDATA wire form as ldns renders it (names uncompressed, case kept)
    SourceLocation where;     // file and line of the record, column of its first character
};

}  // namespace azdns
