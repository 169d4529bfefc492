// The [fleet] section and its [[fleet.peer]] entries (docs/fleet.md):
// who this vantage point is, its peers, the quorum and how peers
// authenticate. Internal to the config loader.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "config.hpp"
#include "config_files.hpp"
#include "config_toml.hpp"

namespace azdns {

// This machine's host name, the default fleet.name; empty if the system
// cannot tell.
[[nodiscard]] std::string host_name();

// Why `name` cannot name a vantage point, or nullopt if it can: 1 to 63
// letters, digits, '.', '-' and '_' (it appears in logs, metrics labels and
// the status JSON, and a host name fits). Names are compared without regard
// to letter case, as host names are.
[[nodiscard]] std::optional<std::string> vantage_name_problem(std::string_view name);

// A peer's control URL: "https://HOST:PORT" (or http://), HOST a name, an
// IPv4 address or an IPv6 address in brackets; nothing after the port but
// an optional "/".
struct PeerUrl {
    bool tls = false;
    std::string host;  // IPv6 without brackets
    std::uint16_t port = 0;
    bool loopback = false;  // 127.0.0.0/8, ::1 or "localhost"
};
[[nodiscard]] std::optional<PeerUrl> parse_peer_url(std::string_view text, std::string& why);

// Reads the [fleet] table `s` into `fleet`, whose name holds the host name
// already. `control` must be read first: its token_file is the default.
void read_fleet(ConfigSection& s, const ConfigFolder& folder, const ControlConfig& control, FleetConfig& fleet);

}  // namespace azdns
