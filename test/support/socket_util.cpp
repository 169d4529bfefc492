// Socket and loop plumbing shared by the fake endpoints (see socket_util.hpp).
#include "socket_util.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

namespace azdns::testing::detail {

bool to_sockaddr(const std::string& address, std::uint16_t port, sockaddr_storage& storage, socklen_t& length) {
    storage = {};
    auto* four = reinterpret_cast<sockaddr_in*>(&storage);
    auto* six = reinterpret_cast<sockaddr_in6*>(&storage);
    if (inet_pton(AF_INET, address.c_str(), &four->sin_addr) == 1) {
        four->sin_family = AF_INET;
        four->sin_port = htons(port);
        length = sizeof *four;
        return true;
    }
    if (inet_pton(AF_INET6, address.c_str(), &six->sin6_addr) == 1) {
        six->sin6_family = AF_INET6;
        six->sin6_port = htons(port);
        length = sizeof *six;
        return true;
    }
    return false;
}

std::string address_text(const sockaddr_storage& storage) {
    char text[INET6_ADDRSTRLEN] = {};
    const void* bytes = storage.ss_family == AF_INET
                            ? static_cast<const void*>(&reinterpret_cast<const sockaddr_in*>(&storage)->sin_addr)
                            : static_cast<const void*>(&reinterpret_cast<const sockaddr_in6*>(&storage)->sin6_addr);
    inet_ntop(storage.ss_family, bytes, text, sizeof text);
    return text;
}

int bind_socket(int type, const std::string& address, std::uint16_t& port, std::string& error) {
    sockaddr_storage storage{};
    socklen_t length = 0;
    if (!to_sockaddr(address, port, storage, length)) {
        error = "not an IP address: " + address;
        return -1;
    }
    int fd = socket(storage.ss_family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        error = std::string("socket: ") + std::strerror(errno);
        return -1;
    }
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (storage.ss_family == AF_INET6) setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
    const char* step = "bind";
    bool ok = bind(fd, reinterpret_cast<sockaddr*>(&storage), length) == 0;
    if (ok && type == SOCK_STREAM) {
        step = "listen";
        ok = listen(fd, 128) == 0;
    }
    if (ok) {
        step = "getsockname";
        ok = getsockname(fd, reinterpret_cast<sockaddr*>(&storage), &length) == 0;
    }
    if (!ok) {
        error = std::string(step) + " " + address + ":" + std::to_string(port) + ": " + std::strerror(errno);
        close(fd);
        return -1;
    }
    port = ntohs(storage.ss_family == AF_INET ? reinterpret_cast<sockaddr_in*>(&storage)->sin_port
                                              : reinterpret_cast<sockaddr_in6*>(&storage)->sin6_port);
    return fd;
}

void close_with_reset(int fd) {
    linger lin{1, 0};
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &lin, sizeof lin);
    close(fd);
}

void ignore_sigpipe() {
    static const bool done = [] {
        signal(SIGPIPE, SIG_IGN);
        return true;
    }();
    (void)done;
}

LoopControl::LoopControl() : fd_(eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {}

LoopControl::~LoopControl() {
    if (fd_ >= 0) close(fd_);
}

void LoopControl::wake() {
    std::uint64_t one = 1;
    ssize_t ignored = write(fd_, &one, sizeof one);
    (void)ignored;
}

void LoopControl::drain() {
    std::uint64_t value = 0;
    ssize_t ignored = read(fd_, &value, sizeof value);
    (void)ignored;
}

void LoopControl::change_and_wait(bool running) {
    std::unique_lock lock(mutex_);
    std::uint64_t generation = ++requested_;
    if (!running) {
        applied_ = generation;
        return;
    }
    wake();
    cv_.wait_for(lock, std::chrono::seconds(5), [&] { return applied_ >= generation || stop_; });
}

void LoopControl::request_stop() {
    std::lock_guard lock(mutex_);
    stop_ = true;
    wake();
    cv_.notify_all();
}

bool LoopControl::stop_requested() {
    std::lock_guard lock(mutex_);
    return stop_;
}

std::uint64_t LoopControl::requested() {
    std::lock_guard lock(mutex_);
    return requested_;
}

void LoopControl::mark_applied(std::uint64_t generation) {
    std::lock_guard lock(mutex_);
    if (generation > applied_) applied_ = generation;
    cv_.notify_all();
}

void LoopControl::reset_stop() {
    std::lock_guard lock(mutex_);
    stop_ = false;
    drain();
}

}  // namespace azdns::testing::detail
