#include "durable_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace azdns {

namespace {

std::string errno_text(const std::string& what, const std::string& path) {
    return what + " " + path + ": " + std::strerror(errno);
}

bool write_all(int fd, const std::string& text) {
    std::size_t done = 0;
    while (done < text.size()) {
        ssize_t n = ::write(fd, text.data() + done, text.size() - done);
        if (n < 0) {
            if (errno == EINTR) continue;
            return false;
        }
        done += static_cast<std::size_t>(n);
    }
    return true;
}

}  // namespace

std::string ensure_private_dir(const std::string& dir) {
    if (::mkdir(dir.c_str(), 0700) == 0) {
        // mkdir's mode is filtered by the umask; make it exactly 0700.
        if (::chmod(dir.c_str(), 0700) != 0) return errno_text("cannot chmod", dir);
        return {};
    }
    if (errno != EEXIST) return errno_text("cannot create", dir);
    struct stat st{};
    if (::stat(dir.c_str(), &st) != 0) return errno_text("cannot stat", dir);
    if (!S_ISDIR(st.st_mode)) return dir + " is not a directory";
    return {};
}

std::string replace_file_durably(const std::string& dir, const std::string& name, const std::string& text) {
    if (auto error = ensure_private_dir(dir); !error.empty()) return error;
    const std::string path = dir + "/" + name;
    std::string temp = dir + "/." + name + ".XXXXXX";
    int fd = ::mkstemp(temp.data());
    if (fd < 0) return errno_text("cannot create a temp file in", dir);
    std::string error;
    if (!write_all(fd, text)) error = errno_text("cannot write", temp);
    else if (::fsync(fd) != 0) error = errno_text("cannot fsync", temp);
    if (::close(fd) != 0 && error.empty()) error = errno_text("cannot close", temp);
    if (error.empty() && ::rename(temp.c_str(), path.c_str()) != 0) error = errno_text("cannot rename to", path);
    if (!error.empty()) {
        ::unlink(temp.c_str());
        return error;
    }
    int dir_fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir_fd < 0) return errno_text("cannot open", dir);
    if (::fsync(dir_fd) != 0) error = errno_text("cannot fsync", dir);
    ::close(dir_fd);
    return error;
}

}  // namespace azdns
