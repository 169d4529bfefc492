// The few reasons that carry a value (status, rcode, libuv code) are built
// here so their spelling stays in one file.
#include "probe_errors.hpp"

#include <uv.h>


#include "ascii.hpp"
#include "query_reader.hpp"

namespace azdns::probe_error {

std::string from_uv(int uv_status) {
    switch (uv_status) {
    case UV_ETIMEDOUT: return std::string(timeout);
    case UV_ECONNREFUSED: return std::string(connect_refused);
    case UV_ECONNRESET:
    case UV_EPIPE: return std::string(connection_reset);
    case UV_ENETUNREACH: return std::string(network_unreachable);
    case UV_EHOSTUNREACH: return std::string(host_unreachable);
    case UV_EMFILE:
    case UV_ENFILE: return std::string(out_of_sockets);
    case UV_EOF: return std::string(closed_early);
    default: break;
    }
    std::string name = uv_err_name(uv_status);
    for (char& c : name) c = ascii_lower(c);
    return "socket error " + name;
}

std::string source_unusable(std::string_view source, int uv_status) {
    std::string why = uv_status == UV_EADDRNOTAVAIL ? "address not available" : from_uv(uv_status);
    return "cannot use probe source " + std::string(source) + ": " + why;
}

std::string http_status(unsigned status) { return "status " + std::to_string(status); }

std::string body_lacks(std::string_view expected) {
    return "body lacks \"" + std::string(expected) + "\"";
}

std::string dns_rcode(unsigned rcode) { return "rcode " + rcode_name(rcode); }

}  // namespace azdns::probe_error
