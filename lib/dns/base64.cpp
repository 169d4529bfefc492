#include "base64.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <string>

namespace azdns {

namespace {

bool is_base64_letter(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/';
}

}  // namespace

std::optional<std::vector<std::uint8_t>> decode_base64(std::string_view text) {
    std::string letters;
    letters.reserve(text.size());
    for (char c : text) {
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r') letters += c;
    }
    if (letters.size() % 4 != 0) return std::nullopt;
    std::size_t padding = 0;
    while (padding < 2 && padding < letters.size() && letters[letters.size() - 1 - padding] == '=') ++padding;
    if (!std::all_of(letters.begin(), letters.end() - static_cast<std::ptrdiff_t>(padding), is_base64_letter)) {
        return std::nullopt;
    }
    std::vector<std::uint8_t> bytes(letters.size() / 4 * 3);
    if (letters.empty()) return bytes;
    int written = EVP_DecodeBlock(bytes.data(), reinterpret_cast<const unsigned char*>(letters.data()),
                                  static_cast<int>(letters.size()));
    if (written < 0 || static_cast<std::size_t>(written) != bytes.size()) return std::nullopt;
    bytes.resize(bytes.size() - padding);  // EVP_DecodeBlock counts the padding as zero bytes
    return bytes;
}

}  // namespace azdns
