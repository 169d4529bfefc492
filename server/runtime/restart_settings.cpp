#include "restart_settings.hpp"

namespace azdns {

namespace {

std::string listen_text(const std::vector<ListenAddress>& addresses) {
    std::string text;
    for (const ListenAddress& address : addresses) text += address.to_string() + " ";
    return text;
}

}  // namespace

std::vector<std::string> restart_only_changes(const Config& running, const Config& next) {
    const ServerConfig& a = running.server;
    const ServerConfig& b = next.server;
    std::vector<std::string> changed;
    auto note = [&](bool differs, const char* key) {
        if (differs) changed.emplace_back(key);
    };
    note(listen_text(a.listen) != listen_text(b.listen), "server.listen");
    note(a.workers != b.workers, "server.workers");
    note(a.edns_udp_size != b.edns_udp_size, "server.edns_udp_size");
    note(a.tcp_idle_timeout != b.tcp_idle_timeout, "server.tcp_idle_timeout");
    note(a.max_tcp_clients != b.max_tcp_clients, "server.max_tcp_clients");
    note(a.identity != b.identity, "server.identity");
    note(a.version != b.version, "server.version");
    note(a.state_dir != b.state_dir, "server.state_dir");
    note(a.user != b.user, "server.user");
    note(running.control.listen.to_string() != next.control.listen.to_string(), "control.listen");
    note(running.control.token_file != next.control.token_file, "control.token_file");
    // HTTPS on or off changes what every client must speak; a renewed pair is applied live.
    note((running.control.tls == nullptr) != (next.control.tls == nullptr), "control.tls_cert");
    // The fleet's links to its peers are made at the start (quorum,
    // stale_after and fail_static_max follow a reload).
    std::string peers_a;
    std::string peers_b;
    for (const FleetPeer& peer : running.fleet.peers) peers_a += peer.name + "=" + peer.url + " ";
    for (const FleetPeer& peer : next.fleet.peers) peers_b += peer.name + "=" + peer.url + " ";
    note(running.fleet.name != next.fleet.name, "fleet.name");
    note(peers_a != peers_b, "fleet.peer");
    note(running.fleet.token_file != next.fleet.token_file, "fleet.token_file");
    note(running.fleet.ca_file != next.fleet.ca_file, "fleet.ca_file");
    return changed;
}

}  // namespace azdns
