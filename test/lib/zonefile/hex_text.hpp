// Bytes as lowercase hex, for readable failures: doctest prints strings,
// and hex shows binary bytes.
#pragma once

#include <string>
#include <string_view>

namespace azdns::test {

inline std::string hex(std::string_view data) {
    static const char digits[] = "0123456789abcdef";
    std::string out;
    for (char c : data) {
        auto byte = static_cast<unsigned char>(c);
        out += digits[byte >> 4];
        out += digits[byte & 0xf];
    }
    return out;
}

}  // namespace azdns::test
