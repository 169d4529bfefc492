// What the fuzz targets share: a way to fail loudly; and for those that
// read files (zone_fuzz, config_fuzz, control_fuzz) a sandbox folder that
// holds the input as a file beside a few fixed files, a confinement that
// keeps the code under test inside it whatever the input names ($INCLUDE, a
// config's `file` or `token_file`), and the checks every problem report
// must pass.
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "diagnostics.hpp"
#include "temp_dir.hpp"

namespace azdns::fuzz {

// Prints "fuzz: WHY" where stderr was when the process started (so that
// -close_fd_mask=2, which silences the server's log, does not silence it)
// and aborts, which libFuzzer reports as a crash with the input kept.
[[noreturn]] void fail(const std::string& why);

// A private folder for one target under TMPDIR, removed at exit (not after
// a crash). run.sh points TMPDIR into its scratch folder, on /dev/shm when
// there is one, so that writing the input per run costs no disk I/O.
class Sandbox {
public:
    explicit Sandbox(const std::string& target);

    // The absolute path of `name` inside the folder.
    [[nodiscard]] std::string path(std::string_view name) const;
    // Writes `content` to `name`, creating folders as needed.
    void write(std::string_view name, std::string_view content) const;
    // Copies a file of the source tree (relative to AZDNS_SOURCE_DIR) to
    // `name`; returns its text.
    std::string copy_in(std::string_view source, std::string_view name) const;
    [[nodiscard]] const std::string& folder() const { return folder_; }

private:
    testing::TempDir dir_;
    std::string folder_;
};

// While one lives, opening any file outside `sandbox` for reading fails
// with EACCES (fopen and open, as the readers call them, are wrapped at
// link time: see meson.build). Writing is left alone: libFuzzer saves a
// crashing input from inside the target; the code under test writes only
// the control target's state_dir, which is in the sandbox. Each target checks at start-up that a file outside is
// refused, so a reader that starts opening files some other way fails the
// run instead of reading the machine's files.
class Confinement {
public:
    explicit Confinement(const Sandbox& sandbox);
    ~Confinement();
    Confinement(const Confinement&) = delete;
    Confinement& operator=(const Confinement&) = delete;
};

// The byte length of each line of a file's text, as getline(3) splits it
// (a last line without '\n' counts; an empty text has no lines).
[[nodiscard]] std::vector<std::size_t> line_lengths(std::string_view text);

// The files a problem may point into, each with its line_lengths().
using KnownFiles = std::map<std::string, std::vector<std::size_t>, std::less<>>;

// Fails unless `problem` carries FILE:LINE:COL that exist: FILE one of
// `files` (however the path is spelled), LINE one of its lines and COL at
// most one past the line's end; or, for a problem about a file as a whole,
// exactly `whole_file` when given. Its message must not be empty.
void check_location(const Diagnostic& problem, const KnownFiles& files, const SourceLocation* whole_file = nullptr);

// Fails unless `problems` has an error whose message contains `text`:
// the targets' start-up checks.
void expect_error(const Diagnostics& problems, std::string_view text, const std::string& what);

}  // namespace azdns::fuzz
