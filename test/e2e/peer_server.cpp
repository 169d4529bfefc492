#include "peer_server.hpp"

#include <poll.h>

#include <sstream>

namespace azdns::e2e {

namespace {

using Zones = std::vector<std::pair<std::string, std::string>>;

// The same identity and NSID as the azdns configs (server_process.cpp); no
// version, like azdns's default. Debian builds NSD with response rate
// limiting, which would truncate a test's thousands of queries from one
// address: it is off. Verbosity 2 logs NOTIFYs and transfers.
std::string nsd_server_config(const std::string& dir, std::uint16_t port) {
    std::ostringstream conf;
    conf << "# written by test/e2e/peer_server.cpp\nserver:\n"
         << "    ip-address: 127.0.0.1@" << port << "\n"
         << "    ip-address: ::1@" << port << "\n"
         << "    port: " << port << "\n"
         << "    username: \"\"\n    chroot: \"\"\n"
         << "    zonesdir: \"" << dir << "\"\n"
         << "    pidfile: \"" << dir << "/nsd.pid\"\n"
         << "    database: \"\"\n"
         << "    xfrdfile: \"" << dir << "/xfrd.state\"\n"
         << "    zonelistfile: \"" << dir << "/zone.list\"\n"
         << "    xfrdir: \"" << dir << "\"\n"
         << "    verbosity: 2\n    server-count: 1\n"
         << "    rrl-ratelimit: 0\n    rrl-whitelist-ratelimit: 0\n"
         << "    hide-version: yes\n    hide-identity: no\n    identity: \"e2e-ns1\"\n"
         << "    nsid: \"ascii_e2e-ns1\"\n"
         << "remote-control:\n    control-enable: no\n";
    return conf.str();
}

// Its journal, timers and control socket in `dir`; identity and NSID as above.
std::string knot_server_config(const std::string& dir, std::uint16_t port) {
    std::ostringstream conf;
    conf << "# written by test/e2e/peer_server.cpp\nserver:\n"
         << "    rundir: \"" << dir << "\"\n"
         << "    listen: [ 127.0.0.1@" << port << ", ::1@" << port << " ]\n"
         << "    udp-workers: 1\n    tcp-workers: 1\n    background-workers: 1\n"
         << "    identity: \"e2e-ns1\"\n    version: \"\"\n    nsid: \"e2e-ns1\"\n"
         << "database:\n    storage: \"" << dir << "\"\n"
         << "log:\n  - target: stderr\n    any: info\n";
    return conf.str();
}

// Reference zones as read: Knot keeps no journal, never writes back to the
// files, and runs every semantic check (a zone with a serious error is not
// loaded, and the test sees it missing).
std::string zones_config(Peer peer, const std::string& dir, const Zones& zones) {
    std::ostringstream conf;
    if (peer == Peer::nsd) {
        for (const auto& [origin, file] : zones)
            conf << "zone:\n    name: \"" << origin << "\"\n    zonefile: \"" << file << "\"\n";
        return conf.str();
    }
    conf << "template:\n  - id: default\n    storage: \"" << dir << "\"\n"
         << "    zonefile-sync: -1\n    zonefile-load: whole\n    journal-content: none\n"
         << "    semantic-checks: on\n"
         << "zone:\n";
    for (const auto& [origin, file] : zones) conf << "  - domain: \"" << origin << "\"\n    file: \"" << file << "\"\n";
    return conf.str();
}

const char* config_name(Peer peer) { return peer == Peer::nsd ? "nsd.conf" : "knot.conf"; }

}  // namespace

const char* peer_name(Peer peer) { return peer == Peer::nsd ? "nsd" : "knot"; }

const char* peer_binary(Peer peer) { return peer == Peer::nsd ? "/usr/sbin/nsd" : "/usr/sbin/knotd"; }

PeerDaemon::PeerDaemon(Peer peer, std::uint16_t port)
    : peer_(peer), dir_(std::string("azdns-e2e-") + peer_name(peer)), port_(port != 0 ? port : free_port()) {}

bool PeerDaemon::start(const std::string& role_config) {
    const std::string dir = dir_.path.string();
    const fs::path config = dir_.path / config_name(peer_);
    write_text(config, (peer_ == Peer::nsd ? nsd_server_config(dir, port_) : knot_server_config(dir, port_)) +
                           role_config);
    std::vector<std::string> argv = {peer_binary(peer_), "-c", config.string()};
    if (peer_ == Peer::nsd) argv.insert(argv.begin() + 1, "-d");  // knotd stays in the foreground by default
    return process_.spawn(argv, dir_.path / "output.log");
}

std::string PeerDaemon::output() const { return read_text(dir_.path / "output.log"); }

std::string PeerDaemon::log() const {
    return std::string("--- ") + peer_name(peer_) + " output ---\n" + output() + "--- " + config_name(peer_) +
           " ---\n" + read_text(dir_.path / config_name(peer_));
}

bool wait_until_authoritative(const Endpoint& server, const std::string& zone,
                              std::chrono::steady_clock::time_point deadline, ChildProcess& process) {
    for (;;) {
        if (!process.running() || std::chrono::steady_clock::now() >= deadline) return false;
        auto reply = ask_udp(server, Query{.name = zone, .type = rrtype::SOA}, milliseconds(100));
        if (reply && reply->rcode == rcode::NOERROR && reply->aa) return true;
        // A refusal comes back at once: pause briefly before asking again.
        poll(nullptr, 0, 20);
    }
}

PeerServer::PeerServer(Peer peer, const Zones& zones, std::chrono::milliseconds ready_wait) : daemon_(peer) {
    for (const auto& [origin, file] : zones)
        fs::copy_file(e2e_data_dir() / file, daemon_.dir() / file, fs::copy_options::overwrite_existing);
    if (!daemon_.start(zones_config(peer, daemon_.dir().string(), zones))) return;
    const auto deadline = std::chrono::steady_clock::now() + ready_wait;
    ready_ = true;
    for (const auto& zone : zones)
        ready_ = ready_ && wait_until_authoritative(daemon_.v4(), zone.first, deadline, daemon_.process());
}

}  // namespace azdns::e2e
