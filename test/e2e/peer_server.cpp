#include "peer_server.hpp"

#include <poll.h>

#include <sstream>

namespace azdns::e2e {

namespace {

using Zones = std::vector<std::pair<std::string, std::string>>;

// The same identity and NSID as the azdns configs (server_process.cpp); no
// version, like azdns's default. Debian builds NSD with response rate
// limiting, which would truncate a test's thousands of queries from one
// address: it is off.
std::string nsd_config(const std::string& dir, std::uint16_t port, const Zones& zones) {
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
         << "    verbosity: 1\n    server-count: 1\n"
         << "    rrl-ratelimit: 0\n    rrl-whitelist-ratelimit: 0\n"
         << "    hide-version: yes\n    hide-identity: no\n    identity: \"e2e-ns1\"\n"
         << "    nsid: \"ascii_e2e-ns1\"\n"
         << "remote-control:\n    control-enable: no\n";
    for (const auto& [origin, file] : zones) conf << "zone:\n    name: \"" << origin << "\"\n    zonefile: \"" << file << "\"\n";
    return conf.str();
}

// Knot keeps zones as read: no journal, never written back to the files,
// every semantic check on (a zone with a serious error is not loaded, and
// the test sees it missing). Identity and NSID as above.
std::string knot_config(const std::string& dir, std::uint16_t port, const Zones& zones) {
    std::ostringstream conf;
    conf << "# written by test/e2e/peer_server.cpp\nserver:\n"
         << "    rundir: \"" << dir << "\"\n"
         << "    listen: [ 127.0.0.1@" << port << ", ::1@" << port << " ]\n"
         << "    udp-workers: 1\n    tcp-workers: 1\n    background-workers: 1\n"
         << "    identity: \"e2e-ns1\"\n    version: \"\"\n    nsid: \"e2e-ns1\"\n"
         << "database:\n    storage: \"" << dir << "\"\n"
         << "log:\n  - target: stderr\n    any: info\n"
         << "template:\n  - id: default\n    storage: \"" << dir << "\"\n"
         << "    zonefile-sync: -1\n    zonefile-load: whole\n    journal-content: none\n"
         << "    semantic-checks: on\n"
         << "zone:\n";
    for (const auto& [origin, file] : zones) conf << "  - domain: \"" << origin << "\"\n    file: \"" << file << "\"\n";
    return conf.str();
}

const char* config_name(Peer peer) { return peer == Peer::nsd ? "nsd.conf" : "knot.conf"; }

// Every zone's SOA answered NOERROR with AA, or false once `wait` has passed
// or the process has exited.
bool wait_until_serving(const Endpoint& server, const Zones& zones, std::chrono::milliseconds wait,
                        ChildProcess& process) {
    auto deadline = std::chrono::steady_clock::now() + wait;
    for (const auto& zone : zones) {
        for (;;) {
            if (!process.running() || std::chrono::steady_clock::now() >= deadline) return false;
            auto reply = ask_udp(server, Query{.name = zone.first, .type = rrtype::SOA}, milliseconds(100));
            if (reply && reply->rcode == rcode::NOERROR && reply->aa) break;
            // A refusal comes back at once: pause briefly before asking again.
            poll(nullptr, 0, 20);
        }
    }
    return true;
}

}  // namespace

const char* peer_name(Peer peer) { return peer == Peer::nsd ? "nsd" : "knot"; }

const char* peer_binary(Peer peer) { return peer == Peer::nsd ? "/usr/sbin/nsd" : "/usr/sbin/knotd"; }

PeerServer::PeerServer(Peer peer, const Zones& zones, std::chrono::milliseconds ready_wait)
    : peer_(peer), dir_(std::string("azdns-e2e-") + peer_name(peer)) {
    port_ = free_port();
    const std::string dir = dir_.path.string();
    for (const auto& [origin, file] : zones)
        fs::copy_file(e2e_data_dir() / file, dir_.path / file, fs::copy_options::overwrite_existing);
    const fs::path config = dir_.path / config_name(peer);
    write_text(config, peer == Peer::nsd ? nsd_config(dir, port_, zones) : knot_config(dir, port_, zones));
    std::vector<std::string> argv = {peer_binary(peer), "-c", config.string()};
    if (peer == Peer::nsd) argv.insert(argv.begin() + 1, "-d");  // knotd stays in the foreground by default
    if (!process_.spawn(argv, dir_.path / "output.log")) return;
    ready_ = wait_until_serving(v4(), zones, ready_wait, process_);
}

std::string PeerServer::log() const {
    return std::string("--- ") + peer_name(peer_) + " output ---\n" + read_text(dir_.path / "output.log") + "--- " +
           config_name(peer_) + " ---\n" + read_text(dir_.path / config_name(peer_));
}

}  // namespace azdns::e2e
