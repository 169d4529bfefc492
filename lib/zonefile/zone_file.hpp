// Reads an RFC 1035 master file into records, reporting every problem with
// file:line:col. Handles $ORIGIN, $TTL, $INCLUDE (path relative to the
// including file's folder, optional origin argument), relative names, '@',
// parentheses spanning lines, comments, quoted strings, every type ldns
// knows and RFC 3597 "\#" RDATA. Records with errors are skipped; reading
// goes on so that all problems are reported in one pass.
#pragma once

#include <string>
#include <string_view>

#include "diagnostics.hpp"
#include "load_limits.hpp"
#include "zone_record.hpp"

namespace azdns {

// `origin` is the zone's origin in wire form; it is the initial $ORIGIN.
// A file that cannot be opened (only regular files are read) or that takes
// the zone past `limits.max_bytes` is reported at `opened_from` (the place
// that named it: the config's `file` key, or the $INCLUDE line); so is a
// read that `limits.stop` ended. Reading also ends at a record past
// `limits.max_records`, reported at that record. The records say which
// files were read (ZoneRecords::files_read), also when reading failed.
[[nodiscard]] ZoneRecords read_zone_file(const std::string& path, std::string_view origin,
                                        const SourceLocation& opened_from, Diagnostics& diags,
                                        const ZoneLoadLimits& limits = {});

}  // namespace azdns
