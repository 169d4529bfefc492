// A real HTTPS client for the control API's TLS tests: blocking OpenSSL on a
// fresh loopback connection, verifying the server's certificate against a
// CA file and 127.0.0.1, with every read and write bounded in time.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

namespace azdns::e2e {

struct HttpsReply {
    std::string error;  // why there is no response (connect, handshake, verify, read); empty with one
    int status = 0;
    std::string body;
    std::string certificate;  // the SHA-256 fingerprint of the certificate the server sent (hex)
};

// `method target` on https://127.0.0.1:PORT, "Connection: close";
// `token` non-empty sends "Authorization: Bearer TOKEN".
HttpsReply https_request(std::uint16_t port, const std::filesystem::path& ca_file, const std::string& method,
                         const std::string& target, const std::string& token = {});

// The SHA-256 fingerprint (hex) of the first certificate in a PEM file.
std::string certificate_fingerprint(const std::filesystem::path& pem_file);

// Sends `bytes` in plain text to 127.0.0.1:PORT and returns what comes back
// until the server closes (or 10 s pass: then "(no close)" is appended).
std::string plain_exchange(std::uint16_t port, const std::string& bytes);

}  // namespace azdns::e2e
