#include "sd_notify.hpp"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <ctime>

namespace azdns {

void sd_notify_state(std::string_view state) {
    const char* name = std::getenv("NOTIFY_SOCKET");
    if (name == nullptr || name[0] == '\0') return;
    std::size_t length = std::strlen(name);

    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    // Only filesystem paths and abstract names; anything else (vsock:, ...)
    // is not for us. The path must fit, with its NUL for a filesystem path.
    if (name[0] != '/' && name[0] != '@') return;
    if (length >= sizeof(address.sun_path)) return;
    std::memcpy(address.sun_path, name, length);
    socklen_t address_length;
    if (name[0] == '@') {
        address.sun_path[0] = '\0';  // abstract: the name is exactly the bytes given, no NUL
        address_length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + length);
    } else {
        address_length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + length + 1);
    }

    int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return;
    // MSG_DONTWAIT: a full receive queue must not stall the server.
    [[maybe_unused]] ssize_t sent = ::sendto(fd, state.data(), state.size(), MSG_NOSIGNAL | MSG_DONTWAIT,
                                             reinterpret_cast<const sockaddr*>(&address), address_length);
    ::close(fd);
}

std::string sd_reloading_state() {
    timespec now{};
    ::clock_gettime(CLOCK_MONOTONIC, &now);
    unsigned long long usec =
        static_cast<unsigned long long>(now.tv_sec) * 1000000ULL + static_cast<unsigned long long>(now.tv_nsec) / 1000ULL;
    return "RELOADING=1\nMONOTONIC_USEC=" + std::to_string(usec);
}

}  // namespace azdns
