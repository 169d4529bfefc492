// The pin of a certificate's public key, in the form curl's
// CURLOPT_PINNEDPUBLICKEY takes: a client that knows the server's
// certificate file (its own config's control.tls_cert) trusts exactly that
// key, whoever signed it and whatever names it carries.
#pragma once

#include <optional>
#include <string>

namespace azdns {

// "sha256//BASE64" of the DER SubjectPublicKeyInfo of the first certificate
// in the PEM file at `path`; nullopt with `error` naming the file otherwise.
[[nodiscard]] std::optional<std::string> public_key_pin_of_certificate(const std::string& path, std::string& error);

}  // namespace azdns
