#include "listen_socket.hpp"

#include <netinet/in.h>
#include <netinet/ip.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "socket_address.hpp"

namespace azdns {

namespace {

constexpr int tcp_backlog = 1024;

bool is_wildcard(const IpAddress& address) {
    for (std::size_t i = 0; i < address.size(); ++i)
        if (address.bytes[i] != 0) return false;
    return true;
}

std::string failure(const char* what, const char* proto, const ListenAddress& address, int err) {
    return std::string("cannot ") + what + ' ' + proto + ' ' + address.to_string() + ": " + std::strerror(err);
}

bool set_flag(int fd, int level, int option) {
    int one = 1;
    return ::setsockopt(fd, level, option, &one, sizeof one) == 0;
}

// A socket of the address's family, IPV6_V6ONLY for IPv6.
Fd make_socket(const ListenAddress& address, int type) {
    int family = address.address.family == IpFamily::v4 ? AF_INET : AF_INET6;
    Fd fd(::socket(family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (fd && family == AF_INET6 && !set_flag(fd.get(), IPPROTO_IPV6, IPV6_V6ONLY)) return Fd();
    return fd;
}

bool bind_to(const Fd& fd, const ListenAddress& address) {
    sockaddr_storage storage;
    socklen_t length = to_sockaddr(address.address, address.port, storage);
    return ::bind(fd.get(), reinterpret_cast<const sockaddr*>(&storage), length) == 0;
}

}  // namespace

Fd& Fd::operator=(Fd&& other) noexcept {
    if (this != &other) {
        if (fd_ >= 0) ::close(fd_);
        fd_ = std::exchange(other.fd_, -1);
    }
    return *this;
}

Fd::~Fd() {
    if (fd_ >= 0) ::close(fd_);
}

bool check_address_free(const ListenAddress& address, std::string& error) {
    // Bound without SO_REUSEPORT, these conflict with any socket already on
    // the address. SO_REUSEADDR on TCP only lets us past TIME_WAIT leftovers
    // of a previous run, never past a listener.
    Fd udp = make_socket(address, SOCK_DGRAM);
    if (!udp) return error = failure("create", "udp", address, errno), false;
    if (!bind_to(udp, address)) return error = failure("bind", "udp", address, errno), false;
    Fd tcp = make_socket(address, SOCK_STREAM);
    if (!tcp || !set_flag(tcp.get(), SOL_SOCKET, SO_REUSEADDR))
        return error = failure("create", "tcp", address, errno), false;
    if (!bind_to(tcp, address)) return error = failure("bind", "tcp", address, errno), false;
    return true;
}

bool open_listen_sockets(const ListenAddress& address, ListenSockets& sockets, std::string& error) {
    bool v4 = address.address.family == IpFamily::v4;

    Fd udp = make_socket(address, SOCK_DGRAM);
    if (!udp || !set_flag(udp.get(), SOL_SOCKET, SO_REUSEPORT))
        return error = failure("create", "udp", address, errno), false;
    bool pktinfo = is_wildcard(address.address);
    if (pktinfo && !set_flag(udp.get(), v4 ? IPPROTO_IP : IPPROTO_IPV6, v4 ? IP_PKTINFO : IPV6_RECVPKTINFO))
        return error = failure("configure", "udp", address, errno), false;
    // Never fragment by path MTU guesses: DNS over UDP is sized by EDNS, and a
    // forged ICMP "too big" must not make us fragment (best effort).
    int omit = v4 ? IP_PMTUDISC_OMIT : IPV6_PMTUDISC_OMIT;
    (void)::setsockopt(udp.get(), v4 ? IPPROTO_IP : IPPROTO_IPV6, v4 ? IP_MTU_DISCOVER : IPV6_MTU_DISCOVER, &omit,
                       sizeof omit);
    if (!bind_to(udp, address)) return error = failure("bind", "udp", address, errno), false;

    Fd tcp = make_socket(address, SOCK_STREAM);
    if (!tcp || !set_flag(tcp.get(), SOL_SOCKET, SO_REUSEADDR) || !set_flag(tcp.get(), SOL_SOCKET, SO_REUSEPORT))
        return error = failure("create", "tcp", address, errno), false;
    if (!bind_to(tcp, address)) return error = failure("bind", "tcp", address, errno), false;
    if (::listen(tcp.get(), tcp_backlog) != 0) return error = failure("listen on", "tcp", address, errno), false;

    sockets.udp = std::move(udp);
    sockets.tcp = std::move(tcp);
    sockets.udp_pktinfo = pktinfo;
    return true;
}

}  // namespace azdns
