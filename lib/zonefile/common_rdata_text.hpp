// Fast paths for the field texts nearly every large zone is made of: plain
// names and the RDATA of A, AAAA, NS, CNAME, PTR and MX. ldns reads each
// record slowly (it re-tokenizes a text we built, allocating per field), and
// a million of them dominated the load time. These parsers accept only forms
// whose meaning is beyond doubt and answer "not sure" for anything else, so
// the caller falls back to ldns: results and error messages stay ldns'.
// test/common_rdata_text_test.cpp checks them against ldns.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "zone_file_tokenizer.hpp"

namespace azdns {

// Appends the wire form of a name written as '@', relative to `origin` (wire
// form) or absolute, letter case kept. False when it is not a plain name
// (only letters, digits, '-', '_', '*' and dots), or is invalid; `out` is
// then unspecified.
[[nodiscard]] bool parse_plain_name(std::string_view text, std::string_view origin, std::string& out);

// Sets `out` to the RDATA wire form of a record of `type` written as
// `fields` (its RDATA tokens). False when the type has no fast path or the
// fields are not plainly valid; `out` is then unspecified.
[[nodiscard]] bool parse_common_rdata(std::uint16_t type, std::span<const ZoneToken> fields, std::string_view origin,
                              std::string& out);

// The code of the common type names, any case; 0 for all others (which may
// still be types: ask ldns).
[[nodiscard]] std::uint16_t common_type_code(std::string_view name);

}  // namespace azdns
