#include "bearer_token.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "ascii.hpp"

namespace azdns {

namespace {

std::array<unsigned char, 32> sha256(std::string_view text) {
    std::array<unsigned char, 32> digest{};
    unsigned int length = 0;
    EVP_Digest(text.data(), text.size(), digest.data(), &length, EVP_sha256(), nullptr);
    return digest;
}

}  // namespace

BearerToken::BearerToken(std::string_view token) : digest_(sha256(token)) {}

bool BearerToken::matches(std::string_view authorization) const {
    authorization = trim_blanks(authorization);
    constexpr std::string_view scheme = "bearer ";
    if (authorization.size() < scheme.size() || !ascii_iequals(authorization.substr(0, scheme.size()), scheme))
        return false;
    const auto given = sha256(trim_blanks(authorization.substr(scheme.size())));
    return CRYPTO_memcmp(given.data(), digest_.data(), given.size()) == 0;
}

}  // namespace azdns
