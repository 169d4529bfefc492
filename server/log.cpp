#include "log.hpp"

#include <unistd.h>

#include <cerrno>
#include <string>

namespace azdns {

void log_line(std::string_view message) {
    std::string line;
    line.reserve(message.size() + 8);
    line.append("azdns: ").append(message).push_back('\n');
    const char* data = line.data();
    std::size_t left = line.size();
    while (left > 0) {
        ssize_t written = ::write(STDERR_FILENO, data, left);
        if (written < 0) {
            if (errno == EINTR) continue;
            return;  // stderr is gone: nothing better to do
        }
        data += written;
        left -= static_cast<std::size_t>(written);
    }
}

}  // namespace azdns
