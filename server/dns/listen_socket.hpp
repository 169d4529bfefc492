// Opening the listening sockets of one worker: plain POSIX, before any loop
// runs, so that a bind failure is reported at start-up with a clear message.
//
// Every worker has its own UDP and TCP socket per listen address, all bound
// with SO_REUSEPORT: the kernel spreads packets and connections over them.
// IPv6 sockets are IPV6_V6ONLY so "[::]:53" and "0.0.0.0:53" coexist.
#pragma once

#include <sys/socket.h>

#include <string>
#include <utility>

#include "config.hpp"

namespace azdns {

// Owns a file descriptor; closes it unless released.
class Fd {
public:
    Fd() = default;
    explicit Fd(int fd) : fd_(fd) {}
    Fd(Fd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
    Fd& operator=(Fd&& other) noexcept;
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    ~Fd();

    [[nodiscard]] int get() const { return fd_; }
    [[nodiscard]] int release() { return std::exchange(fd_, -1); }
    explicit operator bool() const { return fd_ >= 0; }

private:
    int fd_ = -1;
};

struct ListenSockets {
    Fd udp;
    Fd tcp;
    // The address is a wildcard (0.0.0.0 or ::): UDP replies must name their
    // source address explicitly (IP_PKTINFO / IPV6_PKTINFO).
    bool udp_pktinfo = false;
};

// Fails with a message naming the address when `address` is already served
// by some other socket (SO_REUSEPORT would otherwise let a second azdns
// silently share the port with the first).
[[nodiscard]] bool check_address_free(const ListenAddress& address, std::string& error);

// A non-blocking UDP socket and a listening TCP socket bound to `address`.
// On failure returns false with `error` naming the address and the cause.
[[nodiscard]] bool open_listen_sockets(const ListenAddress& address, ListenSockets& sockets, std::string& error);

}  // namespace azdns
