#include "rdata_names.hpp"

namespace azdns {

namespace {

// The length of the uncompressed name at `offset` in `rdata`, or 0 when it
// is not one (a pointer, a reserved label type, too long, cut short).
std::size_t name_length_at(std::span<const std::uint8_t> rdata, std::size_t offset) {
    std::size_t at = offset;
    while (at < rdata.size()) {
        std::uint8_t label = rdata[at];
        if (label > 63) return 0;
        at += 1u + label;
        if (label == 0) return at - offset <= 255 ? at - offset : 0;
    }
    return 0;
}

}  // namespace

RdataNames find_rdata_names(std::uint16_t type, std::span<const std::uint8_t> rdata) {
    const std::size_t first = first_name_offset(type);
    RdataNames found;
    if (first == no_rdata_name) return found;
    std::size_t length = name_length_at(rdata, first);
    if (length == 0) return found;
    found.names[0] = {first, length};
    found.count = 1;
    if (type == rr_type::soa) {  // MNAME, RNAME, then five 32-bit numbers
        std::size_t second = first + length;
        std::size_t rname = name_length_at(rdata, second);
        if (rname == 0) return {};
        found.names[1] = {second, rname};
        found.count = 2;
    }
    return found;
}

}  // namespace azdns
