#include "socket_address.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cstring>

namespace azdns {

std::string SocketAddress::to_string() const {
    const std::string host = address.family == IpFamily::v6 ? "[" + address.to_string() + "]" : address.to_string();
    return host + ":" + std::to_string(port);
}

socklen_t to_sockaddr(const IpAddress& address, std::uint16_t port, sockaddr_storage& storage) {
    std::memset(&storage, 0, sizeof storage);
    if (address.family == IpFamily::v4) {
        auto* in = reinterpret_cast<sockaddr_in*>(&storage);
        in->sin_family = AF_INET;
        in->sin_port = htons(port);
        std::memcpy(&in->sin_addr, address.bytes.data(), 4);
        return sizeof(sockaddr_in);
    }
    auto* in6 = reinterpret_cast<sockaddr_in6*>(&storage);
    in6->sin6_family = AF_INET6;
    in6->sin6_port = htons(port);
    std::memcpy(&in6->sin6_addr, address.bytes.data(), 16);
    return sizeof(sockaddr_in6);
}

bool from_sockaddr(const sockaddr_storage& storage, IpAddress& address, std::uint16_t& port) {
    if (storage.ss_family == AF_INET) {
        sockaddr_in in;
        std::memcpy(&in, &storage, sizeof in);
        address.family = IpFamily::v4;
        address.bytes = {};
        std::memcpy(address.bytes.data(), &in.sin_addr, 4);
        port = ntohs(in.sin_port);
        return true;
    }
    if (storage.ss_family == AF_INET6) {
        sockaddr_in6 in6;
        std::memcpy(&in6, &storage, sizeof in6);
        address.family = IpFamily::v6;
        std::memcpy(address.bytes.data(), &in6.sin6_addr, 16);
        port = ntohs(in6.sin6_port);
        return true;
    }
    return false;
}

}  // namespace azdns
