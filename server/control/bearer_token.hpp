// The control API's bearer token (docs/control.md, "Authentication").
#pragma once

#include <array>
#include <string_view>

namespace azdns {

class BearerToken {
public:
    explicit BearerToken(std::string_view token);

    // Whether `authorization`, an Authorization header's value, is "Bearer
    // TOKEN" (the scheme in any case, blanks around TOKEN allowed). Compares
    // SHA-256 digests with CRYPTO_memcmp, so that neither the token's bytes
    // nor its length leak through timing.
    [[nodiscard]] bool matches(std::string_view authorization) const;

private:
    std::array<unsigned char, 32> digest_{};
};

}  // namespace azdns
