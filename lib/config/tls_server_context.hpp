// The control API's TLS identity (spec: "Control API", HTTPS): an OpenSSL
// server context made from a PEM certificate and private key. It lives with
// the config because the config's checks are what make it: `azdns check`,
// the start and every reload read the pair once, check it, and the server
// then uses that very context, so what was checked is what is served.
#pragma once

#include <memory>
#include <string>
#include <string_view>

struct ssl_ctx_st;  // OpenSSL's SSL_CTX; OpenSSL itself stays private to lib/config

namespace azdns {

// Shared: each new connection holds the context it started with, so a
// reload can replace it while connections made with the old one finish.
using TlsServerContext = std::shared_ptr<ssl_ctx_st>;

struct TlsServerContextResult {
    TlsServerContext context;  // null when either error is set
    std::string cert_error;    // about the certificate file, e.g. "holds no PEM certificate"
    std::string key_error;     // about the key file, e.g. "holds no unencrypted PEM private key"
    bool key_mismatch = false;  // the key_error is that the key is not the certificate's
};

// A server context (TLS 1.2 at least) from `cert_pem` (the certificate, then
// any intermediate certificates to send with it) and `key_pem` (its private
// key, not encrypted: a server cannot ask for a passphrase).
[[nodiscard]] TlsServerContextResult make_tls_server_context(std::string_view cert_pem, std::string_view key_pem);

}  // namespace azdns
