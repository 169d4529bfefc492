#include "regular_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>

#include "byte_size.hpp"

namespace azdns {

namespace {

// What an operator calls the thing at the path, for "not a regular file (...)".
const char* kind_of(mode_t mode) {
    if (S_ISDIR(mode)) return "a directory";
    if (S_ISFIFO(mode)) return "a FIFO";
    if (S_ISCHR(mode)) return "a character device";
    if (S_ISBLK(mode)) return "a block device";
    if (S_ISSOCK(mode)) return "a socket";
    return "not a plain file";
}

}  // namespace

FileDescriptor::~FileDescriptor() {
    if (fd_ >= 0) ::close(fd_);
}

FileDescriptor& FileDescriptor::operator=(FileDescriptor&& other) noexcept {
    if (this != &other) {
        if (fd_ >= 0) ::close(fd_);
        fd_ = other.release();
    }
    return *this;
}

RegularFile open_regular_file(const std::string& path) {
    RegularFile file;
    // O_NONBLOCK: opening a FIFO with no writer would otherwise wait forever.
    FileDescriptor fd(::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC));
    struct stat info {};
    if (!fd || ::fstat(fd.get(), &info) != 0) {
        file.error = std::strerror(errno);
        return file;
    }
    if (!S_ISREG(info.st_mode)) {
        file.error = std::string("not a regular file (") + kind_of(info.st_mode) + ")";
        return file;
    }
    // Reads of a regular file wait for the disk, as every reader expects.
    const int flags = ::fcntl(fd.get(), F_GETFL);
    if (flags < 0 || ::fcntl(fd.get(), F_SETFL, flags & ~O_NONBLOCK) != 0) {
        file.error = std::strerror(errno);
        return file;
    }
    file.fd = std::move(fd);
    file.size = static_cast<std::uint64_t>(info.st_size);
    file.device = static_cast<std::uint64_t>(info.st_dev);
    file.inode = static_cast<std::uint64_t>(info.st_ino);
    return file;
}

FileContent read_regular_file(const std::string& path, std::uint64_t max_bytes) {
    FileContent content;
    RegularFile file = open_regular_file(path);
    auto too_large = [&] {
        content.text.clear();
        content.error = "larger than " + byte_size_text(max_bytes);
        content.too_large = true;
        return std::move(content);
    };
    if (!file.error.empty()) {
        content.error = file.error;
        return content;
    }
    if (file.size > max_bytes) return too_large();
    content.text.reserve(file.size);
    std::array<char, 65536> buffer;
    for (;;) {
        const ssize_t got = ::read(file.fd.get(), buffer.data(), buffer.size());
        if (got < 0 && errno == EINTR) continue;
        if (got < 0) {
            content.text.clear();
            content.error = std::strerror(errno);
            return content;
        }
        if (got == 0) return content;
        if (content.text.size() + static_cast<std::uint64_t>(got) > max_bytes) return too_large();  // it grew
        content.text.append(buffer.data(), static_cast<std::size_t>(got));
    }
}

}  // namespace azdns
