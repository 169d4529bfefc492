// Who asked: what the listener knows about the sender of one query. Every
// answer() call gets it, so that what depends on the client (locality,
// rate limiting, transfer ACLs, TSIG) has one place to look. Built per query
// on the listener's stack from the socket's peer address: no allocation.
#pragma once

#include <cstdint>

#include "ip_prefix.hpp"

namespace azdns {

enum class Transport : std::uint8_t { udp, tcp };

struct Client {
    IpAddress address{};  // the query's source: usually a resolver, not the end user
    std::uint16_t port = 0;
    Transport transport = Transport::udp;
    // What the message says about the client (EDNS client subnet, RFC 7871;
    // cookies, RFC 7873) is not here: the query reader finds it in the OPT
    // record, beside the other EDNS fields (EdnsQuery), and the solvers get
    // it with the question. A Client is what the socket says.
};

}  // namespace azdns
