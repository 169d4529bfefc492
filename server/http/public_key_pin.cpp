#include "public_key_pin.hpp"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/sha.h>
#include <openssl/x509.h>

#include <vector>

#include "owned_by.hpp"

namespace azdns {

namespace {


std::string openssl_reason() {
    unsigned long code = ERR_get_error();
    ERR_clear_error();
    if (code == 0) return "no PEM certificate in it";
    char text[256];
    ERR_error_string_n(code, text, sizeof text);
    return text;
}

}  // namespace

std::optional<std::string> public_key_pin_of_certificate(const std::string& path, std::string& error) {
    ERR_clear_error();
    OwnedBy<BIO, BIO_free> file(BIO_new_file(path.c_str(), "r"));
    if (!file) {
        error = "cannot read the certificate " + path + ": " + openssl_reason();
        return std::nullopt;
    }
    OwnedBy<X509, X509_free> certificate(PEM_read_bio_X509(file.get(), nullptr, nullptr, nullptr));
    if (!certificate) {
        error = "cannot read the certificate " + path + ": " + openssl_reason();
        return std::nullopt;
    }
    unsigned char* der = nullptr;
    int length = i2d_PUBKEY(X509_get0_pubkey(certificate.get()), &der);
    if (length <= 0) {
        error = "cannot read the public key of the certificate " + path + ": " + openssl_reason();
        return std::nullopt;
    }
    unsigned char digest[SHA256_DIGEST_LENGTH];
    SHA256(der, static_cast<std::size_t>(length), digest);
    OPENSSL_free(der);
    std::vector<unsigned char> base64(4 * ((sizeof digest + 2) / 3) + 1);
    int written = EVP_EncodeBlock(base64.data(), digest, sizeof digest);
    return "sha256//" + std::string(reinterpret_cast<const char*>(base64.data()), static_cast<std::size_t>(written));
}

}  // namespace azdns
