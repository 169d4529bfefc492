// A caching resolver in the loop, as clients really meet azdns: unbound (the
// Debian package) in the foreground on 127.0.0.1, resolving health.test.
// from azdns only, stopped by its PID.
#pragma once

#include <cstdint>
#include <string>

#include "server_process.hpp"

namespace azdns::e2e {

inline constexpr const char* unbound_binary = "/usr/sbin/unbound";

class Unbound {
public:
    // `client_subnet`: unbound sends each client's /24 to azdns (RFC 7871,
    // its subnetcache module) and caches answers by the scope azdns returns.
    explicit Unbound(std::uint16_t azdns_port, bool client_subnet = false);
    // True once it answers for health.test. (bounded wait).
    [[nodiscard]] bool ready();
    [[nodiscard]] Endpoint endpoint() const { return {"127.0.0.1", port_}; }
    [[nodiscard]] std::string log() const;

private:
    TempDir dir_{"azdns-unbound"};
    std::uint16_t port_;
    ChildProcess process_;
    bool started_ = false;
};

}  // namespace azdns::e2e
