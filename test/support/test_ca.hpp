// A throwaway certificate authority for HTTPS health-check tests: a CA and a
// server certificate it signed (plus "bad" ones: self-signed, expired), made
// with the OpenSSL 3 C API and written as PEM files, so tests need no openssl
// command and no fixed files that expire.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace azdns::testing {

struct TestCertificates {
    std::filesystem::path ca_cert;      // the trust anchor to verify against
    std::filesystem::path server_cert;  // leaf certificate (PEM)
    std::filesystem::path server_key;   // its EC P-256 private key (PEM, PKCS#8)
};

// A CA ("azdns test CA") and a server certificate signed by it, valid from an
// hour ago for 30 days, with SubjectAltName DNS entries `dns_names` and IP
// entries `ip_addresses` (IPv4 or IPv6). Writes ca.pem, server.pem, server.key in `dir`.
std::optional<TestCertificates> make_test_certificates(const std::filesystem::path& dir,
                                                       const std::vector<std::string>& dns_names,
                                                       const std::vector<std::string>& ip_addresses,
                                                       std::string& error);

// A self-signed leaf (signed by no CA) with the same SANs: any client that
// trusts only the test CA rejects it. ca_cert == server_cert. Writes
// self_signed.pem, self_signed.key in `dir`.
std::optional<TestCertificates> make_self_signed(const std::filesystem::path& dir,
                                                 const std::vector<std::string>& dns_names,
                                                 const std::vector<std::string>& ip_addresses,
                                                 std::string& error);

// Like make_test_certificates, but the leaf expires `seconds` from now (for
// what happens when a certificate expires under a running check). Writes
// short_lived_ca.pem, short_lived.pem, short_lived.key in `dir`.
std::optional<TestCertificates> make_short_lived_certificates(const std::filesystem::path& dir,
                                                              const std::vector<std::string>& dns_names,
                                                              const std::vector<std::string>& ip_addresses,
                                                              long seconds, std::string& error);

// A fresh CA and a leaf it signed that expired yesterday (valid for a day,
// 30 days ago). Writes expired_ca.pem, expired.pem, expired.key in `dir`.
std::optional<TestCertificates> make_expired_certificates(const std::filesystem::path& dir,
                                                          const std::vector<std::string>& dns_names,
                                                          const std::vector<std::string>& ip_addresses,
                                                          std::string& error);

}  // namespace azdns::testing
