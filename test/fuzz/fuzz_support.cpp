#include "fuzz_support.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>

#ifndef AZDNS_SOURCE_DIR
#error "AZDNS_SOURCE_DIR must name the source tree"
#endif

namespace azdns::fuzz {

namespace {

// Taken during static initialisation, before libFuzzer closes stderr
// (-close_fd_mask=2).
const int report_fd = ::dup(STDERR_FILENO);

// "/the/sandbox/": while not empty, only paths under it may be opened.
std::string confined_to;

// Only reading is confined: libFuzzer writes the crashing input (with
// fopen "wb") from inside the target, where a crash happens.
bool refused(const char* path, bool for_reading) {
    if (confined_to.empty() || path == nullptr || !for_reading) return false;
    std::error_code error;
    // No symbolic links in the sandbox, and no way for an input to make
    // one: the lexical form is where the kernel would go.
    const auto absolute = std::filesystem::absolute(path, error).lexically_normal();
    return error || !absolute.string().starts_with(confined_to);
}

}  // namespace

void fail(const std::string& why) {
    const std::string line = "fuzz: " + why + "\n";
    const int fd = report_fd >= 0 ? report_fd : STDERR_FILENO;
    if (::write(fd, line.data(), line.size()) < 0) {
        // Nothing better to do: the abort below is the report.
    }
    std::abort();
}

Sandbox::Sandbox(const std::string& target) : dir_("azdns-fuzz-" + target), folder_(dir_.path.string()) {}

std::string Sandbox::path(std::string_view name) const { return (dir_.path / name).string(); }

void Sandbox::write(std::string_view name, std::string_view content) const {
    const std::filesystem::path target = dir_.path / name;
    std::filesystem::create_directories(target.parent_path());
    std::ofstream out(target, std::ios::binary | std::ios::trunc);
    out.write(content.data(), static_cast<std::streamsize>(content.size()));
    if (!out.flush()) fail("cannot write " + target.string());
}

std::string Sandbox::copy_in(std::string_view source, std::string_view name) const {
    const std::filesystem::path from = std::filesystem::path(AZDNS_SOURCE_DIR) / source;
    std::ifstream in(from, std::ios::binary);
    std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (!in) fail("cannot read " + from.string());
    write(name, content);
    return content;
}

Confinement::Confinement(const Sandbox& sandbox) { confined_to = sandbox.folder() + "/"; }

Confinement::~Confinement() { confined_to.clear(); }

std::vector<std::size_t> line_lengths(std::string_view text) {
    std::vector<std::size_t> lengths;
    while (!text.empty()) {
        const auto end = text.find('\n');
        lengths.push_back(text.substr(0, end).size());
        if (end == std::string_view::npos) break;
        text.remove_prefix(end + 1);
    }
    return lengths;
}

void check_location(const Diagnostic& problem, const KnownFiles& files, const SourceLocation* whole_file) {
    const SourceLocation& at = problem.where;
    if (problem.message.empty()) fail("a problem without a message: " + problem.to_string());
    if (whole_file != nullptr && at.file.str() == whole_file->file.str() && at.line == whole_file->line &&
        at.column == whole_file->column)
        return;
    // "$INCLUDE include/../include/hosts.zone" names a known file too.
    const auto file = files.find(std::filesystem::path(at.file.str()).lexically_normal().string());
    if (file == files.end()) fail("a problem in a file that was not read: " + problem.to_string());
    const std::vector<std::size_t>& lines = file->second;
    if (at.line == 0 || at.line > lines.size())
        fail("a problem on line " + std::to_string(at.line) + " of a file with " + std::to_string(lines.size()) +
             " lines: " + problem.to_string());
    if (at.column == 0 || at.column > lines[at.line - 1] + 1)
        fail("a problem at column " + std::to_string(at.column) + " of a line of " +
             std::to_string(lines[at.line - 1]) + " bytes: " + problem.to_string());
}

void expect_error(const Diagnostics& problems, std::string_view text, const std::string& what) {
    for (const Diagnostic& problem : problems.all())
        if (problem.severity == Severity::error && problem.message.find(text) != std::string::npos) return;
    std::string found;
    for (const Diagnostic& problem : problems.all()) found += "\n  " + problem.to_string();
    fail(what + ": no error saying \"" + std::string(text) + "\"; found:" + (found.empty() ? " none" : found));
}

}  // namespace azdns::fuzz

// The readers open files with these (fopen64/open64 under
// _FILE_OFFSET_BITS=64); meson.build links the fuzz targets with
// --wrap for each, so that calls from the code under test land here.
extern "C" {

FILE* __real_fopen(const char* path, const char* mode);
FILE* __real_fopen64(const char* path, const char* mode);
int __real_open(const char* path, int flags, ...);
int __real_open64(const char* path, int flags, ...);

static bool reads_only(const char* mode) { return mode != nullptr && mode[0] == 'r' && std::strchr(mode, '+') == nullptr; }

static bool reads_only(int flags) { return (flags & O_ACCMODE) == O_RDONLY; }

FILE* __wrap_fopen(const char* path, const char* mode) {
    if (azdns::fuzz::refused(path, reads_only(mode))) return errno = EACCES, nullptr;
    return __real_fopen(path, mode);
}

FILE* __wrap_fopen64(const char* path, const char* mode) {
    if (azdns::fuzz::refused(path, reads_only(mode))) return errno = EACCES, nullptr;
    return __real_fopen64(path, mode);
}

// open(2) takes a mode only when it may create the file.
static mode_t open_mode(int flags, va_list arguments) {
    return (flags & O_CREAT) != 0 || (flags & O_TMPFILE) == O_TMPFILE ? static_cast<mode_t>(va_arg(arguments, int)) : 0;
}

int __wrap_open(const char* path, int flags, ...) {
    va_list arguments;
    va_start(arguments, flags);
    const mode_t mode = open_mode(flags, arguments);
    va_end(arguments);
    if (azdns::fuzz::refused(path, reads_only(flags))) return errno = EACCES, -1;
    return __real_open(path, flags, mode);
}

int __wrap_open64(const char* path, int flags, ...) {
    va_list arguments;
    va_start(arguments, flags);
    const mode_t mode = open_mode(flags, arguments);
    va_end(arguments);
    if (azdns::fuzz::refused(path, reads_only(flags))) return errno = EACCES, -1;
    return __real_open64(path, flags, mode);
}

}  // extern "C"
