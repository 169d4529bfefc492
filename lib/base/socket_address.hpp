// An IP address and port as the socket API takes them. Pure conversion: no
// socket is opened here.
#pragma once

#include <sys/socket.h>

#include <cstdint>
#include <string>

#include "ip_prefix.hpp"

namespace azdns {

// An address and port the server itself sends to (a zone's NOTIFY targets).
struct SocketAddress {
    IpAddress address;
    std::uint16_t port = 53;

    // "192.0.2.53:53", "[2001:db8::53]:53": the syntax the config uses.
    [[nodiscard]] std::string to_string() const;

    bool operator==(const SocketAddress&) const = default;
};

// Fills `storage` (zeroed first) and returns the length to pass with it.
socklen_t to_sockaddr(const IpAddress& address, std::uint16_t port, sockaddr_storage& storage);

// The reverse, for a peer address the kernel filled in (recvmmsg, getpeername).
// False for a family other than IPv4 and IPv6; an IPv4-mapped IPv6 address
// stays IPv6, as the socket saw it.
[[nodiscard]] bool from_sockaddr(const sockaddr_storage& storage, IpAddress& address, std::uint16_t& port);

}  // namespace azdns
