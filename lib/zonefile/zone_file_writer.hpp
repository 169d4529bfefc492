// Writes records as an RFC 1035 master file: the copy of a zone that a
// secondary took by AXFR/IXFR, kept in server.state_dir so that a restart
// serves it at once (docs/transfers.md, "The kept copy"). azdns reads it
// back with read_zone_file, and operators with their own tools.
#pragma once

#include <string>
#include <string_view>

#include "zone_record.hpp"

namespace azdns {

// The master-file text of `records` (owners canonical, RDATA uncompressed):
// `header_comment` as "; " lines, "$ORIGIN origin.", then one record a line
// with its absolute owner, TTL, class, type and RDATA in presentation form,
// or in RFC 3597's generic form ("TYPE65280 \# 3 abcdef") for types the
// writer does not render and RDATA that is not what its type says.
// read_zone_file(path, origin, ...) reads it back into the same records in
// the same order, byte for byte.
[[nodiscard]] std::string zone_records_text(std::string_view origin_wire, const ZoneRecords& records,
                                            std::string_view header_comment);

// The kept copy's file name in state_dir: "secondary-example.org.zone", the
// root zone's "secondary-root.zone". Lowercase; every byte but [a-z0-9-_]
// in a label is written "%HH", so no origin makes a path, "..", an empty
// name, a name longer than a file name may be, or another zone's name.
[[nodiscard]] std::string zone_copy_file_name(std::string_view origin_wire);

}  // namespace azdns
