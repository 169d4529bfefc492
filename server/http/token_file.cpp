#include "token_file.hpp"

#include "regular_file.hpp"

namespace azdns {

namespace {

// A token file holds at most a line; a larger one is no token file.
constexpr std::size_t max_token_file_bytes = 4096;

}  // namespace

bool read_token_file(const std::string& path, std::string& token, std::string& error) {
    // A regular file only: `ctl --token-file` given a FIFO must not wait for a writer.
    const FileContent content = read_regular_file(path, max_token_file_bytes);
    if (!content.error.empty()) {
        error = "cannot read the token file " + path + ": " + content.error;
        return false;
    }
    const char* space = " \t\r\n";
    const auto first = content.text.find_first_not_of(space);
    token = first == std::string::npos ? ""
                                       : content.text.substr(first, content.text.find_last_not_of(space) - first + 1);
    if (token.empty()) {
        error = "the token file " + path + " is empty";
        return false;
    }
    return true;
}

}  // namespace azdns
