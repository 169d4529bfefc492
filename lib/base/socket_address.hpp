// An IP address and port as the socket API takes them. Pure conversion: no
// socket is opened here.
#pragma once

#include <sys/socket.h>

#include <cstdint>

#include "ip_prefix.hpp"

namespace azdns {

// Fills `storage` (zeroed first) and returns the length to pass with it.
socklen_t to_sockaddr(const IpAddress& address, std::uint16_t port, sockaddr_storage& storage);

}  // namespace azdns
