// A reference nameserver for the differential tests: Debian's NSD or Knot
// serving zones of test/data/e2e on a free loopback port, in the foreground,
// everything it writes kept in a temp folder, stopped by PID. The two differ
// only in their config file and command line.
#pragma once

#include "server_process.hpp"

namespace azdns::e2e {

enum class Peer { nsd, knot };

// "nsd" or "knot", for messages.
[[nodiscard]] const char* peer_name(Peer peer);
// The daemon's path; a test requires it to exist.
[[nodiscard]] const char* peer_binary(Peer peer);

class PeerServer {
public:
    // `zones`: origin -> file name in test/data/e2e. Ready once every zone's
    // SOA is answered authoritatively (Knot loads zones after it starts listening).
    PeerServer(Peer peer, const std::vector<std::pair<std::string, std::string>>& zones,
               std::chrono::milliseconds ready_wait = std::chrono::seconds(10));
    ~PeerServer() { process_.stop(); }

    [[nodiscard]] Peer peer() const { return peer_; }
    [[nodiscard]] bool ready() const { return ready_; }
    [[nodiscard]] Endpoint v4() const { return {"127.0.0.1", port_}; }
    // Its output and config, for failure messages.
    [[nodiscard]] std::string log() const;

private:
    Peer peer_;
    TempDir dir_;
    std::uint16_t port_ = 0;
    ChildProcess process_;
    bool ready_ = false;
};

}  // namespace azdns::e2e
