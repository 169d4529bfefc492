#include "response_class.hpp"

#include "query_reader.hpp"

namespace azdns {

const char* response_class_name(ResponseClass response_class) {
    switch (response_class) {
        case ResponseClass::positive: return "positive";
        case ResponseClass::nxdomain: return "nxdomain";
        case ResponseClass::nodata: return "nodata";
        case ResponseClass::referral: return "referral";
        case ResponseClass::error: return "error";
        case ResponseClass::large: return "large";
    }
    return "unknown";
}

ResponseClass classify_response(const ResponseShape& shape) {
    if (shape.rcode == rcode::nxdomain) return ResponseClass::nxdomain;
    if (shape.rcode != rcode::noerror) return ResponseClass::error;
    if (shape.size >= large_response_size) return ResponseClass::large;
    if (shape.answer_count > 0) return ResponseClass::positive;
    if (!shape.authoritative && shape.authority_has_ns) return ResponseClass::referral;
    return ResponseClass::nodata;
}

}  // namespace azdns
