#include "token_file.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace azdns {

namespace {

// A token file holds at most a line; a larger one is no token file.
constexpr std::size_t max_token_file_bytes = 4096;

}  // namespace

bool read_token_file(const std::string& path, std::string& token, std::string& error) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        error = "cannot read the token file " + path + ": " + std::strerror(errno);
        return false;
    }
    std::string text(max_token_file_bytes + 1, '\0');
    in.read(text.data(), static_cast<std::streamsize>(text.size()));
    text.resize(static_cast<std::size_t>(in.gcount()));
    if (text.size() > max_token_file_bytes) {
        error = "the token file " + path + " is larger than " + std::to_string(max_token_file_bytes) + " bytes";
        return false;
    }
    const char* space = " \t\r\n";
    const auto first = text.find_first_not_of(space);
    token = first == std::string::npos ? "" : text.substr(first, text.find_last_not_of(space) - first + 1);
    if (token.empty()) {
        error = "the token file " + path + " is empty";
        return false;
    }
    return true;
}

}  // namespace azdns
