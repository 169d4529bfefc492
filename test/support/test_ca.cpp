// Certificates for HTTPS tests, made in memory with OpenSSL 3 (see test_ca.hpp).
#include "test_ca.hpp"

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>
#include <system_error>

namespace azdns::testing {

namespace {

namespace fs = std::filesystem;

struct Free {
    void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
    void operator()(X509* cert) const { X509_free(cert); }
    void operator()(BIO* bio) const { BIO_free(bio); }
};
using Key = std::unique_ptr<EVP_PKEY, Free>;
using Cert = std::unique_ptr<X509, Free>;

std::string openssl_error(const std::string& what) {
    char text[256] = "unknown error";
    if (unsigned long code = ERR_get_error()) ERR_error_string_n(code, text, sizeof text);
    ERR_clear_error();
    return what + ": " + text;
}

struct Validity {
    long not_before;  // seconds from now
    long not_after;
};
constexpr long day = 24 * 3600;
constexpr Validity current{-3600, 30 * day};
constexpr Validity expired{-30 * day, -29 * day};

bool add_extension(X509* cert, X509* issuer, int nid, const std::string& value) {
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
    X509_EXTENSION* extension = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
    if (!extension) return false;
    bool ok = X509_add_ext(cert, extension, -1) == 1;
    X509_EXTENSION_free(extension);
    return ok;
}

// A certificate for `key` named `common_name`, signed by issuer_key (itself
// when `issuer` is null). `sans` empty for a CA.
Cert make_cert(EVP_PKEY* key, const std::string& common_name, X509* issuer, EVP_PKEY* issuer_key, bool ca,
               const std::string& sans, Validity validity, std::string& error) {
    Cert cert(X509_new());
    bool ok = cert && X509_set_version(cert.get(), X509_VERSION_3) == 1;
    if (ok) {
        BIGNUM* serial = BN_new();
        ok = serial && BN_rand(serial, 64, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) == 1 &&
             BN_to_ASN1_INTEGER(serial, X509_get_serialNumber(cert.get())) != nullptr;
        BN_free(serial);
    }
    ok = ok && X509_gmtime_adj(X509_getm_notBefore(cert.get()), validity.not_before) &&
         X509_gmtime_adj(X509_getm_notAfter(cert.get()), validity.not_after) &&
         X509_set_pubkey(cert.get(), key) == 1;
    if (ok) {
        X509_NAME* name = X509_get_subject_name(cert.get());
        ok = X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
                                        reinterpret_cast<const unsigned char*>("azdns tests"), -1, -1, 0) == 1 &&
             X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                        reinterpret_cast<const unsigned char*>(common_name.c_str()), -1, -1, 0) == 1;
    }
    X509* signer = issuer ? issuer : cert.get();
    ok = ok && X509_set_issuer_name(cert.get(), X509_get_subject_name(signer)) == 1;
    ok = ok && add_extension(cert.get(), signer, NID_subject_key_identifier, "hash");
    if (ok && ca) {
        ok = add_extension(cert.get(), signer, NID_basic_constraints, "critical,CA:TRUE") &&
             add_extension(cert.get(), signer, NID_key_usage, "critical,keyCertSign,cRLSign");
    } else if (ok) {
        ok = add_extension(cert.get(), signer, NID_basic_constraints, "critical,CA:FALSE") &&
             add_extension(cert.get(), signer, NID_key_usage, "critical,digitalSignature") &&
             add_extension(cert.get(), signer, NID_ext_key_usage, "serverAuth") &&
             (sans.empty() || add_extension(cert.get(), signer, NID_subject_alt_name, sans));
    }
    if (ok && issuer) ok = add_extension(cert.get(), signer, NID_authority_key_identifier, "keyid:always");
    ok = ok && X509_sign(cert.get(), issuer_key ? issuer_key : key, EVP_sha256()) > 0;
    if (!ok) {
        error = openssl_error("making certificate " + common_name);
        return nullptr;
    }
    return cert;
}

Key make_key(std::string& error) {
    Key key(EVP_EC_gen("P-256"));
    if (!key) error = openssl_error("EC P-256 key");
    return key;
}

std::string subject_alt_names(const std::vector<std::string>& dns_names, const std::vector<std::string>& ips) {
    std::string text;
    for (const auto& name : dns_names) text += (text.empty() ? "DNS:" : ",DNS:") + name;
    for (const auto& ip : ips) text += (text.empty() ? "IP:" : ",IP:") + ip;
    return text;
}

bool write_pem(const fs::path& path, X509* cert, EVP_PKEY* key, std::string& error) {
    std::unique_ptr<BIO, Free> bio(BIO_new_file(path.c_str(), "w"));
    bool ok = bio && (cert ? PEM_write_bio_X509(bio.get(), cert)
                           : PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr)) == 1;
    if (!ok) error = openssl_error("writing " + path.string());
    return ok;
}

bool make_dir(const fs::path& dir, std::string& error) {
    std::error_code code;
    fs::create_directories(dir, code);
    if (code) error = "creating " + dir.string() + ": " + code.message();
    return !code;
}

// A CA and a leaf it signed, written as `ca_file`, <leaf>.pem and <leaf>.key in `dir`.
std::optional<TestCertificates> make_signed(const fs::path& dir, const std::string& ca_file, const std::string& leaf,
                                            const std::vector<std::string>& dns_names,
                                            const std::vector<std::string>& ips, Validity validity,
                                            std::string& error) {
    if (!make_dir(dir, error)) return std::nullopt;
    Key ca_key = make_key(error);
    if (!ca_key) return std::nullopt;
    Cert ca = make_cert(ca_key.get(), "azdns test CA", nullptr, nullptr, true, "", current, error);
    if (!ca) return std::nullopt;
    Key key = make_key(error);
    if (!key) return std::nullopt;
    std::string common_name = dns_names.empty() ? (ips.empty() ? "server" : ips.front()) : dns_names.front();
    Cert cert = make_cert(key.get(), common_name, ca.get(), ca_key.get(), false, subject_alt_names(dns_names, ips),
                          validity, error);
    if (!cert) return std::nullopt;
    TestCertificates files{dir / ca_file, dir / (leaf + ".pem"), dir / (leaf + ".key")};
    if (!write_pem(files.ca_cert, ca.get(), nullptr, error) || !write_pem(files.server_cert, cert.get(), nullptr, error) ||
        !write_pem(files.server_key, nullptr, key.get(), error))
        return std::nullopt;
    return files;
}

}  // namespace

std::optional<TestCertificates> make_test_certificates(const fs::path& dir, const std::vector<std::string>& dns_names,
                                                       const std::vector<std::string>& ip_addresses,
                                                       std::string& error) {
    return make_signed(dir, "ca.pem", "server", dns_names, ip_addresses, current, error);
}

std::optional<TestCertificates> make_expired_certificates(const fs::path& dir,
                                                          const std::vector<std::string>& dns_names,
                                                          const std::vector<std::string>& ip_addresses,
                                                          std::string& error) {
    return make_signed(dir, "expired_ca.pem", "expired", dns_names, ip_addresses, expired, error);
}

std::optional<TestCertificates> make_short_lived_certificates(const fs::path& dir,
                                                              const std::vector<std::string>& dns_names,
                                                              const std::vector<std::string>& ip_addresses,
                                                              long seconds, std::string& error) {
    return make_signed(dir, "short_lived_ca.pem", "short_lived", dns_names, ip_addresses, {-3600, seconds},
                       error);
}

std::optional<TestCertificates> make_self_signed(const fs::path& dir, const std::vector<std::string>& dns_names,
                                                 const std::vector<std::string>& ip_addresses, std::string& error) {
    if (!make_dir(dir, error)) return std::nullopt;
    Key key = make_key(error);
    if (!key) return std::nullopt;
    std::string common_name = dns_names.empty() ? "self-signed" : dns_names.front();
    Cert cert = make_cert(key.get(), common_name, nullptr, nullptr, false, subject_alt_names(dns_names, ip_addresses),
                          current, error);
    if (!cert) return std::nullopt;
    TestCertificates files{dir / "self_signed.pem", dir / "self_signed.pem", dir / "self_signed.key"};
    if (!write_pem(files.server_cert, cert.get(), nullptr, error) ||
        !write_pem(files.server_key, nullptr, key.get(), error))
        return std::nullopt;
    return files;
}

}  // namespace azdns::testing
