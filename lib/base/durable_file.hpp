// Files azdns keeps in server.state_dir (health.json, the transfer serials):
// written so that a crash or a full disk leaves the previous file whole,
// never half of a new one.
#pragma once

#include <string>

namespace azdns {

// Creates `dir` (mode 0700) if it does not exist. An error text, or empty.
[[nodiscard]] std::string ensure_private_dir(const std::string& dir);

// Replaces dir/name with `text`: a temp file in `dir`, fsync, rename over the
// old file, fsync of the folder. An error text, or empty; on error the old
// file is untouched and no temp file is left.
[[nodiscard]] std::string replace_file_durably(const std::string& dir, const std::string& name,
                                               const std::string& text);

}  // namespace azdns
