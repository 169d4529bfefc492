// Reference nameservers for end-to-end tests: Debian's NSD or Knot on a free
// loopback port, in the foreground, everything it writes kept in a temp
// folder, stopped by PID. PeerDaemon is the process and the config both
// daemons need wherever they serve from; PeerServer serves zones of
// test/data/e2e for the differential tests; the transfer roles (a secondary,
// Knot as a primary) are in transfer_peers.hpp.
#pragma once

#include "server_process.hpp"

namespace azdns::e2e {

enum class Peer { nsd, knot };

// "nsd" or "knot", for messages.
[[nodiscard]] const char* peer_name(Peer peer);
// The daemon's path; a test requires it to exist.
[[nodiscard]] const char* peer_binary(Peer peer);

// One NSD or knotd listening on 127.0.0.1 and ::1 at one port, its files in
// its own temp folder. The role adds the zones (and keys, remotes, ACLs).
class PeerDaemon {
public:
    // `port` 0: a free one.
    PeerDaemon(Peer peer, std::uint16_t port = 0);
    ~PeerDaemon() { process_.stop(); }
    PeerDaemon(const PeerDaemon&) = delete;
    PeerDaemon& operator=(const PeerDaemon&) = delete;

    // Writes the shared server config followed by `role_config` and starts
    // the daemon in the foreground; false when it could not be spawned.
    bool start(const std::string& role_config);

    [[nodiscard]] Peer peer() const { return peer_; }
    [[nodiscard]] Endpoint v4() const { return {"127.0.0.1", port_}; }
    [[nodiscard]] const fs::path& dir() const { return dir_.path; }
    [[nodiscard]] bool running() { return process_.running(); }
    [[nodiscard]] ChildProcess& process() { return process_; }
    // What it printed so far (its log: both run with logging to stderr).
    [[nodiscard]] std::string output() const;
    // Its output and config, for failure messages.
    [[nodiscard]] std::string log() const;

private:
    Peer peer_;
    TempDir dir_;
    std::uint16_t port_ = 0;
    ChildProcess process_;
};

// Polls `zone`'s SOA over UDP until `server` answers NOERROR with AA; false
// once `deadline` has passed or `process` has exited.
bool wait_until_authoritative(const Endpoint& server, const std::string& zone,
                              std::chrono::steady_clock::time_point deadline, ChildProcess& process);

class PeerServer {
public:
    // `zones`: origin -> file name in test/data/e2e. Ready once every zone's
    // SOA is answered authoritatively (Knot loads zones after it starts listening).
    PeerServer(Peer peer, const std::vector<std::pair<std::string, std::string>>& zones,
               std::chrono::milliseconds ready_wait = std::chrono::seconds(10));

    [[nodiscard]] Peer peer() const { return daemon_.peer(); }
    [[nodiscard]] bool ready() const { return ready_; }
    [[nodiscard]] Endpoint v4() const { return daemon_.v4(); }
    // Its output and config, for failure messages.
    [[nodiscard]] std::string log() const { return daemon_.log(); }

private:
    PeerDaemon daemon_;
    bool ready_ = false;
};

}  // namespace azdns::e2e
