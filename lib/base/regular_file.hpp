// Opening the files an operator hands azdns (the config, zone files,
// health.json, the control token) so that no file can hang or exhaust it:
// only regular files are read. A FIFO would block open() or read() forever,
// /dev/zero never ends, a folder or a socket is no file at all. The open
// does not block (O_NONBLOCK), so a FIFO is refused, never waited on.
#pragma once

#include <cstdint>
#include <string>

namespace azdns {

// An open file descriptor, closed with its owner.
class FileDescriptor {
public:
    FileDescriptor() = default;
    explicit FileDescriptor(int fd) : fd_(fd) {}
    ~FileDescriptor();
    FileDescriptor(FileDescriptor&& other) noexcept : fd_(other.release()) {}
    FileDescriptor& operator=(FileDescriptor&& other) noexcept;
    FileDescriptor(const FileDescriptor&) = delete;
    FileDescriptor& operator=(const FileDescriptor&) = delete;

    [[nodiscard]] int get() const { return fd_; }
    [[nodiscard]] explicit operator bool() const { return fd_ >= 0; }
    int release() {
        int fd = fd_;
        fd_ = -1;
        return fd;
    }

private:
    int fd_ = -1;
};

struct RegularFile {
    FileDescriptor fd;       // blocking reads again; invalid when `error` is set
    std::uint64_t size = 0;  // at the time of opening: the file may still grow
    std::uint64_t device = 0, inode = 0;  // the file's identity, however its path is spelled
    std::string error;       // why it cannot be read, e.g. "No such file or directory" or
                             // "not a regular file (a FIFO)"; empty on success
};

// Opens `path` (following symbolic links) for reading if it is a regular file.
[[nodiscard]] RegularFile open_regular_file(const std::string& path);

struct FileContent {
    std::string text;
    std::string error;       // empty on success
    bool too_large = false;  // the error is "larger than MAX"
};

// The whole of a regular file of at most `max_bytes`, checked while reading
// too (a file can grow after it was opened).
[[nodiscard]] FileContent read_regular_file(const std::string& path, std::uint64_t max_bytes);

}  // namespace azdns
