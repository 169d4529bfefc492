// Bearer tokens kept in files (control.token_file, fleet.token_file): read
// by `azdns serve` for its control API and its peers, and by `azdns ctl`.
#pragma once

#include <string>

namespace azdns {

// The token in `path`, surrounding whitespace removed; false with `error`
// set when the file cannot be read or holds no token.
[[nodiscard]] bool read_token_file(const std::string& path, std::string& token, std::string& error);

}  // namespace azdns
