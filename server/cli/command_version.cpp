// toml++ comes first: ldns's headers define `false` and `true` as macros,
// which break the standard headers that toml++ pulls in.
#include <toml++/toml.h>

#include <curl/curl.h>
#include <ldns/ldns.h>
#include <openssl/crypto.h>
#include <uv.h>

#include "build_info.hpp"
#include "commands.hpp"

namespace azdns {

int run_version(std::ostream& out) {
    out << "azdns " << AZDNS_VERSION << '\n'
        << "build: " << AZDNS_BUILD_TYPE << ", " << AZDNS_COMPILER << ", C++" << __cplusplus / 100 % 100
        << ", sanitizers: " << AZDNS_SANITIZE << '\n'
        << "ldns " << ldns_version() << ", libuv " << uv_version_string() << ", "
        << OpenSSL_version(OPENSSL_VERSION) << ", toml++ " << TOML_LIB_MAJOR << '.' << TOML_LIB_MINOR << '.'
        << TOML_LIB_PATCH << ", libcurl " << curl_version_info(CURLVERSION_NOW)->version << '\n';
    return exit_ok;
}

}  // namespace azdns
