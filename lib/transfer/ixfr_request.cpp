#include "ixfr_request.hpp"

#include <cstddef>

#include "query_reader.hpp"
#include "rr_type.hpp"
#include "wire_integers.hpp"
#include "wire_names.hpp"

namespace azdns {

std::optional<std::uint32_t> ixfr_client_serial(std::span<const std::uint8_t> query) {
    if (query.size() < header_size || read_u16(&query[4]) != 1) return std::nullopt;
    const std::size_t answers = read_u16(&query[6]);
    const std::size_t authority = read_u16(&query[8]);
    if (authority != 1) return std::nullopt;
    std::size_t pos = header_size;
    bool root = false;
    if (!skip_name(query, pos, root) || (pos += 4) > query.size()) return std::nullopt;
    for (std::size_t i = 0; i < answers + authority; ++i) {
        if (!skip_name(query, pos, root) || pos + 10 > query.size()) return std::nullopt;
        const std::uint16_t type = read_u16(&query[pos]);
        const std::size_t rdlength = read_u16(&query[pos + 8]);
        const std::size_t rdata = pos + 10;
        pos = rdata + rdlength;
        if (pos > query.size()) return std::nullopt;
        if (i < answers || type != rr_type::soa) continue;
        // MNAME and RNAME, then SERIAL; all inside the RDATA.
        std::size_t at = rdata;
        const auto record = query.first(pos);
        if (!skip_name(record, at, root) || !skip_name(record, at, root) || at + 20 != pos) return std::nullopt;
        return read_u32(&query[at]);
    }
    return std::nullopt;
}

}  // namespace azdns
