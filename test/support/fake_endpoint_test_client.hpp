// Shared by the fake endpoint tests (fake_http_endpoint_test.cpp,
// fake_dns_endpoint_test.cpp): a plain socket client to talk to the endpoints.
#pragma once

#include <doctest/doctest.h>

#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <string>

#include "socket_util.hpp"

namespace azdns::testing::client {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

struct Fd {
    int fd = -1;
    explicit Fd(int value = -1) : fd(value) {}
    ~Fd() {
        if (fd >= 0) close(fd);
    }
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
};

inline sockaddr_storage make_address(const std::string& address, std::uint16_t port, socklen_t& length) {
    sockaddr_storage storage{};
    REQUIRE(detail::to_sockaddr(address, port, storage, length));
    return storage;
}

// A connected blocking socket whose reads and writes time out after `wait`; -1 with errno set on failure.
inline int connect_to(const std::string& address, std::uint16_t port, int type = SOCK_STREAM,
                      std::chrono::milliseconds wait = 2000ms) {
    socklen_t length = 0;
    sockaddr_storage storage = make_address(address, port, length);
    int fd = socket(storage.ss_family, type | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    timeval tv{static_cast<time_t>(wait.count() / 1000), static_cast<suseconds_t>(wait.count() % 1000 * 1000)};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    if (connect(fd, reinterpret_cast<sockaddr*>(&storage), length) != 0) {
        int saved = errno;
        close(fd);
        errno = saved;
        return -1;
    }
    return fd;
}

}  // namespace azdns::testing::client
