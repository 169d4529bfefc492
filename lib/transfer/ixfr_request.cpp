#include "ixfr_request.hpp"

#include <cstddef>

#include "query_reader.hpp"
#include "rr_type.hpp"

namespace azdns {

namespace {

std::uint16_t read16(const std::uint8_t* p) { return static_cast<std::uint16_t>(p[0] << 8 | p[1]); }

// Steps over a name, compressed or not; false when it runs off the message.
bool skip_name(std::span<const std::uint8_t> message, std::size_t& pos) {
    for (std::size_t labels = 0; labels < 128; ++labels) {
        if (pos >= message.size()) return false;
        const std::uint8_t length = message[pos];
        if ((length & 0xC0) == 0xC0) {
            pos += 2;
            return pos <= message.size();
        }
        if (length > 63) return false;
        pos += 1u + length;
        if (length == 0) return pos <= message.size();
    }
    return false;
}

}  // namespace

std::optional<std::uint32_t> ixfr_client_serial(std::span<const std::uint8_t> query) {
    if (query.size() < header_size || read16(&query[4]) != 1) return std::nullopt;
    const std::size_t answers = read16(&query[6]);
    const std::size_t authority = read16(&query[8]);
    if (authority != 1) return std::nullopt;
    std::size_t pos = header_size;
    if (!skip_name(query, pos) || (pos += 4) > query.size()) return std::nullopt;
    for (std::size_t i = 0; i < answers + authority; ++i) {
        if (!skip_name(query, pos) || pos + 10 > query.size()) return std::nullopt;
        const std::uint16_t type = read16(&query[pos]);
        const std::size_t rdlength = read16(&query[pos + 8]);
        const std::size_t rdata = pos + 10;
        pos = rdata + rdlength;
        if (pos > query.size()) return std::nullopt;
        if (i < answers || type != rr_type::soa) continue;
        // MNAME and RNAME, then SERIAL; all inside the RDATA.
        std::size_t at = rdata;
        const auto record = query.first(pos);
        if (!skip_name(record, at) || !skip_name(record, at) || at + 20 != pos) return std::nullopt;
        return std::uint32_t{read16(&query[at])} << 16 | read16(&query[at + 2]);
    }
    return std::nullopt;
}

}  // namespace azdns
