// NSD (Debian's /usr/sbin/nsd) serving the e2e zones on a free loopback port,
// in the foreground (-d), everything it writes kept in a temp folder. The
// reference for the differential test.
#pragma once

#include "server_process.hpp"

namespace azdns::e2e {

inline const char* const nsd_binary = "/usr/sbin/nsd";

class NsdServer {
public:
    explicit NsdServer(const std::vector<std::pair<std::string, std::string>>& zones,
                       std::chrono::milliseconds ready_wait = std::chrono::seconds(10));
    ~NsdServer() { process_.stop(); }

    [[nodiscard]] bool ready() const { return ready_; }
    [[nodiscard]] Endpoint v4() const { return {"127.0.0.1", port_}; }
    [[nodiscard]] std::string log() const;

private:
    TempDir dir_{"azdns-e2e-nsd"};
    std::uint16_t port_ = 0;
    ChildProcess process_;
    bool ready_ = false;
};

}  // namespace azdns::e2e
