#include "rdata_wire_check.hpp"

#include <ldns/ldns.h>

#include <algorithm>
#include <memory>
#include <new>
#include <vector>

namespace azdns {

namespace {

std::string type_name(std::uint16_t type) {
    char* text = ldns_rr_type2str(static_cast<ldns_rr_type>(type));
    std::string name = text != nullptr ? text : "TYPE" + std::to_string(type);
    LDNS_FREE(text);
    return name;
}

}  // namespace

std::optional<std::string> rdata_wire_problem(std::uint16_t type, std::span<const std::uint8_t> rdata) {
    const ldns_rr_descriptor* descriptor = ldns_rr_descript(type);
    if (descriptor == nullptr) return std::nullopt;
    // ldns_wire2rdf reads RDLENGTH first, and bounds each field by the
    // buffer's end: the buffer is RDLENGTH and the RDATA, nothing after.
    std::vector<std::uint8_t> wire(2 + rdata.size());
    wire[0] = static_cast<std::uint8_t>(rdata.size() >> 8);
    wire[1] = static_cast<std::uint8_t>(rdata.size());
    std::copy(rdata.begin(), rdata.end(), wire.begin() + 2);
    // ldns_rr_new, not ldns_rr_new_frm_type: that one starts with the
    // required fields already there, empty, and they would count.
    std::unique_ptr<ldns_rr, decltype(&ldns_rr_free)> rr(ldns_rr_new(), &ldns_rr_free);
    if (!rr) throw std::bad_alloc();
    ldns_rr_set_type(rr.get(), static_cast<ldns_rr_type>(type));
    const std::string fits = "RDATA does not fit " + type_name(type) + ": ";
    std::size_t pos = 0;
    if (ldns_wire2rdf(rr.get(), wire.data(), wire.size(), &pos) != LDNS_STATUS_OK)
        return fits + "a field runs past its end";
    const std::size_t fields = ldns_rr_rd_count(rr.get());
    const std::size_t required = ldns_rr_descriptor_minimum(descriptor);
    if (fields < required)
        return fits + std::to_string(fields) + " of its " + std::to_string(required) + " fields";
    if (pos != wire.size()) return fits + std::to_string(wire.size() - pos) + " bytes after its last field";
    return std::nullopt;
}

}  // namespace azdns
