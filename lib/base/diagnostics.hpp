// Problems found while loading config and zones, each tied to a place in a
// file, so an operator can jump straight to the mistake.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace azdns {

// A file's path, shared by every location in that file: a million zone
// records then hold one pointer each instead of a million copies of the path.
class FileName {
public:
    FileName() = default;
    FileName(std::string path) : path_(std::make_shared<const std::string>(std::move(path))) {}
    FileName(const char* path) : FileName(std::string(path)) {}

    [[nodiscard]] const std::string& str() const { return path_ ? *path_ : empty_path(); }
    operator const std::string&() const { return str(); }
    bool operator==(const std::string& other) const { return str() == other; }

private:
    static const std::string& empty_path();
    std::shared_ptr<const std::string> path_;
};

struct SourceLocation {
    FileName file;
    std::uint32_t line = 0;    // 1-based; 0 when the problem is about the file as a whole
    std::uint32_t column = 0;  // 1-based; 0 when unknown
};

// A note says something about the others (how many were not listed); it
// is neither an error nor a warning.
enum class Severity { error, warning, note };

struct Diagnostic {
    Severity severity = Severity::error;
    SourceLocation where;
    std::string message;

    // "FILE:LINE:COL: message", warnings as "FILE:LINE:COL: warning: message".
    [[nodiscard]] std::string to_string() const;
};

// Collects every problem instead of stopping at the first one. A collector
// may list only the first `max_listed` and count the rest, so that a file
// of a million mistakes costs no more than a thousand: errors past the
// cap still count as errors.
class Diagnostics {
public:
    Diagnostics() = default;
    explicit Diagnostics(std::size_t max_listed) : max_listed_(max_listed) {}

    void error(SourceLocation where, std::string message);
    void warning(SourceLocation where, std::string message);

    [[nodiscard]] bool has_errors() const { return error_count_ > 0; }
    // Listed or not.
    [[nodiscard]] std::size_t error_count() const { return error_count_; }
    [[nodiscard]] std::size_t warning_count() const { return warning_count_; }
    // The problems listed, with any notes.
    [[nodiscard]] const std::vector<Diagnostic>& all() const { return items_; }
    // Errors and warnings past the cap, not in all().
    [[nodiscard]] std::size_t unlisted() const { return unlisted_; }

    // When some were not listed, a note at `where` (listed whatever the
    // cap): "... and N more errors and warnings in WHAT (the first M are listed)".
    void note_unlisted(SourceLocation where, std::string_view what);

    // Appends another collector's problems (e.g. from a zone loaded aside).
    void merge(const Diagnostics& other);

private:
    void add(Diagnostic diagnostic);

    std::size_t max_listed_ = SIZE_MAX;
    std::vector<Diagnostic> items_;
    std::size_t error_count_ = 0;
    std::size_t warning_count_ = 0;
    std::size_t unlisted_ = 0;
};

}  // namespace azdns
