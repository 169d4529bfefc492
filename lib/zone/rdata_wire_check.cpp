#include "rdata_wire_check.hpp"

#include <algorithm>
#include <memory>
#include <new>
#include <vector>

#include "rr_type_text.hpp"

// After the standard headers: ldns's C headers redefine `false` and `true`.
#include <ldns/ldns.h>

namespace azdns {

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
    // Named only when something is wrong: most records pass.
    const auto unfit = [type](const std::string& what) { return "RDATA does not fit " + rr_type_text(type) + ": " + what; };
    std::size_t pos = 0;
    if (ldns_wire2rdf(rr.get(), wire.data(), wire.size(), &pos) != LDNS_STATUS_OK)
        return unfit("a field runs past its end");
    const std::size_t fields = ldns_rr_rd_count(rr.get());
    const std::size_t required = ldns_rr_descriptor_minimum(descriptor);
    if (fields < required) return unfit(std::to_string(fields) + " of its " + std::to_string(required) + " fields");
    if (pos != wire.size()) return unfit(std::to_string(wire.size() - pos) + " bytes after its last field");
    return std::nullopt;
}

}  // namespace azdns
