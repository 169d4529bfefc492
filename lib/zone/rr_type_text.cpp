#include "rr_type_text.hpp"

#include <cstdlib>

#include <ldns/ldns.h>

namespace azdns {

std::string rr_type_text(std::uint16_t type) {
    char* text = ldns_rr_type2str(static_cast<ldns_rr_type>(type));
    std::string out = text != nullptr ? text : "TYPE" + std::to_string(type);
    std::free(text);
    return out;
}

}  // namespace azdns
