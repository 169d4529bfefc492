#include "config_fleet.hpp"

#include <unistd.h>

#include <algorithm>
#include <climits>
#include <map>

#include "ascii.hpp"
#include "config_values.hpp"
#include "ip_prefix.hpp"

namespace azdns {

namespace {

constexpr std::size_t max_vantage_name = 63;

// Fleets run 2 to 13 nameservers; each peer costs a thread.
constexpr std::size_t max_fleet_peers = 32;

// System CA bundles are about 200 KB; curl reads the file on every exchange.
constexpr std::uint64_t max_ca_file_size = 4 << 20;

bool is_letter_or_digit(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); }

// RFC 1123 host name labels; an all-numeric last label is refused too, so
// that a mistyped address ("192.0.2.300") is not taken for a name.
bool is_host_name(std::string_view host) {
    if (host.ends_with('.')) host.remove_suffix(1);
    if (host.empty() || host.size() > 253) return false;
    std::string_view label;
    while (!host.empty()) {
        const auto dot = std::min(host.find('.'), host.size());
        label = host.substr(0, dot);
        host.remove_prefix(std::min(dot + 1, host.size()));
        if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') return false;
        if (!std::all_of(label.begin(), label.end(), [](char c) { return is_letter_or_digit(c) || c == '-'; }))
            return false;
    }
    return !std::all_of(label.begin(), label.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// The host of "[2001:db8::1]:8053" or "ns2.example.net:8053", and the port's text.
bool split_host_port(std::string_view authority, PeerUrl& url, std::string_view& port, std::string& why) {
    if (authority.starts_with('[')) {
        const auto close = authority.find(']');
        const auto address = close == std::string_view::npos ? std::nullopt
                                                              : IpAddress::parse(authority.substr(1, close - 1));
        if (!address || address->family != IpFamily::v6) {
            why = "expected an IPv6 address in brackets, like \"https://[2001:db8::1]:8053\"";
            return false;
        }
        url.host = address->to_string();
        url.loopback = address->is_loopback();
        authority.remove_prefix(close + 1);
        if (!authority.starts_with(':')) {
            why = "a port is required, like \"https://[2001:db8::1]:8053\"";
            return false;
        }
        port = authority.substr(1);
        return true;
    }
    const auto colon = authority.find(':');
    if (colon == std::string_view::npos) {
        why = "a port is required, like \"https://ns2.example.net:8053\"";
        return false;
    }
    if (authority.find(':', colon + 1) != std::string_view::npos) {
        why = "an IPv6 address must be in brackets, like \"https://[2001:db8::1]:8053\"";
        return false;
    }
    const auto host = authority.substr(0, colon);
    if (host.empty()) {
        why = "the host is missing";
        return false;
    }
    if (const auto address = IpAddress::parse(host)) {
        url.loopback = address->is_loopback();
    } else if (is_host_name(host)) {
        url.loopback = ascii_iequals(host, "localhost");
    } else {
        why = "\"" + std::string(host) + "\" is not a host name or an IPv4 address";
        return false;
    }
    url.host = host;
    port = authority.substr(colon + 1);
    return true;
}

// fleet.name, defaulted to the host name, which must then be a valid name too.
void check_own_name(ConfigSection& s, FleetConfig& fleet) {
    if (auto name = s.string("name")) {
        fleet.name = std::move(*name);
        if (const auto why = vantage_name_problem(fleet.name))
            s.error(s.where("name"), "invalid fleet.name \"" + fleet.name + "\": " + *why);
        return;
    }
    if (s.has("name")) return;  // mistyped, reported
    if (fleet.name.empty())
        s.error(s.where(), "the host name is unknown, so [fleet] needs a name");
    else if (const auto why = vantage_name_problem(fleet.name))
        s.error(s.where(), "the host name \"" + fleet.name + "\" cannot be the default fleet.name (" + *why +
                               "), so [fleet] needs a name");
}

void read_peer(ConfigSection& p, const FleetConfig& fleet, std::map<std::string, SourceLocation>& names,
               FleetPeer& peer) {
    if (auto name = p.string("name", true)) {
        peer.name = std::move(*name);
        const auto where = p.where("name");
        if (const auto why = vantage_name_problem(peer.name)) {
            p.error(where, "invalid fleet.peer.name \"" + peer.name + "\": " + *why);
        } else if (ascii_iequals(peer.name, fleet.name)) {
            p.error(where, "fleet.peer.name \"" + peer.name + "\" is this instance's own name (fleet.name)");
        } else if (const auto [first, inserted] = names.emplace(ascii_lowered(peer.name), where); !inserted) {
            p.error(where, "duplicate fleet.peer.name \"" + peer.name + "\" (first at line " +
                               std::to_string(first->second.line) + ")");
        }
    }
    if (auto url = p.string("url", true)) {
        peer.url = std::move(*url);
        std::string why;
        const auto parsed = parse_peer_url(peer.url, why);
        if (!parsed) {
            p.error(p.where("url"), "invalid fleet.peer.url \"" + peer.url + "\": " + why);
        } else if (!parsed->tls && !parsed->loopback) {
            // The token and the verdicts would cross the network in clear.
            p.error(p.where("url"), "fleet.peer.url \"" + peer.url +
                                        "\" is not a loopback address, so it must use https://");
        } else {
            peer.tls = parsed->tls;
            peer.host = parsed->host;
            peer.port = parsed->port;
        }
    }
}

void read_quorum(ConfigSection& s, FleetConfig& fleet) {
    const unsigned vantage_points = fleet.vantage_points();
    fleet.quorum = majority_of(vantage_points);
    const auto quorum = s.integer("quorum", INT64_MIN, INT64_MAX);
    if (!quorum) return;
    if (*quorum < 1 || *quorum > vantage_points) {
        const auto peers = fleet.peers.size();
        const std::string range = vantage_points == 1
            ? "1 in a fleet without peers"
            : "between 1 and " + std::to_string(vantage_points) + " (this instance and " + std::to_string(peers) +
                  (peers == 1 ? " peer)" : " peers)");
        s.error(s.where("quorum"), "fleet.quorum must be " + range + ", not " + std::to_string(*quorum));
        return;
    }
    fleet.quorum = static_cast<unsigned>(*quorum);
}

// An explicit "" would silently mean the default: say how to get it.
std::optional<std::string> file_key(ConfigSection& s, std::string_view key, std::string_view leave_out_for) {
    auto path = s.string(key);
    if (path && path->empty()) {
        s.error(s.where(key), s.name(key) + " must not be empty (leave it out for " + std::string(leave_out_for) +
                                  ")");
        return std::nullopt;
    }
    return path;
}

}  // namespace

std::string host_name() {
    char name[HOST_NAME_MAX + 1] = {};
    if (gethostname(name, sizeof name - 1) != 0) return {};
    return name;
}

std::optional<std::string> vantage_name_problem(std::string_view name) {
    if (name.empty()) return "it must not be empty";
    if (name.size() > max_vantage_name)
        return "it is longer than " + std::to_string(max_vantage_name) + " characters";
    for (char c : name)
        if (!is_letter_or_digit(c) && c != '.' && c != '-' && c != '_')
            return "only letters, digits, \".\", \"-\" and \"_\" are allowed";
    return std::nullopt;
}

std::optional<PeerUrl> parse_peer_url(std::string_view text, std::string& why) {
    PeerUrl url;
    if (text.starts_with("https://")) {
        url.tls = true;
        text.remove_prefix(8);
    } else if (text.starts_with("http://")) {
        text.remove_prefix(7);
    } else {
        why = "it must start with https:// or http://";
        return std::nullopt;
    }
    const auto authority_end = std::min(text.find_first_of("/?#"), text.size());
    const auto authority = text.substr(0, authority_end);
    const auto rest = text.substr(authority_end);
    if (rest.find_first_of("?#") != std::string_view::npos) {
        why = "a query or a fragment is not allowed";
        return std::nullopt;
    }
    if (!rest.empty() && rest != "/") {
        why = "a path is not allowed: a peer's control API is at the root";
        return std::nullopt;
    }
    if (authority.find('@') != std::string_view::npos) {
        why = "user information is not allowed: peers authenticate with the fleet's token";
        return std::nullopt;
    }
    std::string_view port;
    if (!split_host_port(authority, url, port, why)) return std::nullopt;
    const auto number = parse_port(port, why);
    if (!number) return std::nullopt;
    url.port = *number;
    return url;
}

void read_fleet(ConfigSection& s, const ConfigFolder& folder, const ControlConfig& control, FleetConfig& fleet) {
    check_own_name(s, fleet);
    std::map<std::string, SourceLocation> peer_names;
    const auto peers = s.tables("peer");
    // Each peer costs a thread, and a report to it on every change.
    if (peers.size() > max_fleet_peers)
        s.error(s.nested(*peers[max_fleet_peers], "fleet.peer", "[[fleet.peer]]").where(),
                "more than " + std::to_string(max_fleet_peers) + " fleet peers (" + std::to_string(peers.size()) +
                    "): each costs a thread and a report per change");
    for (const auto* table : peers) {
        auto p = s.nested(*table, "fleet.peer", "[[fleet.peer]]");
        FleetPeer peer;
        peer.where = p.where();
        read_peer(p, fleet, peer_names, peer);
        p.report_unknown_keys();
        fleet.peers.push_back(std::move(peer));
    }
    for (const auto* table : s.tables("canary")) {
        auto c = s.nested(*table, "fleet.canary", "[[fleet.canary]]");
        FleetCanary canary;
        canary.where = c.where();
        if (auto address = c.string("address", true)) {
            if (const auto parsed = IpAddress::parse(*address))
                canary.address = *parsed;
            else
                c.error(c.where("address"), "invalid fleet.canary.address \"" + *address +
                                                "\": expected an IP address, like \"192.0.2.53\"");
        }
        if (auto check = c.string("check", true)) {
            canary.check = std::move(*check);
            canary.where_check = c.where("check");
        }
        c.report_unknown_keys();
        fleet.canaries.push_back(std::move(canary));
    }
    read_quorum(s, fleet);
    if (const auto stale_after = s.duration("stale_after", false)) fleet.stale_after = *stale_after;
    if (const auto fail_static_max = s.duration("fail_static_max", false)) fleet.fail_static_max = *fail_static_max;
    if (const auto ca_file = file_key(s, "ca_file", "the system's CA store"))
        fleet.ca_file = folder.readable_file(s, "ca_file", *ca_file, max_ca_file_size);
    if (const auto token_file = file_key(s, "token_file", "control.token_file"))
        fleet.token_file = folder.readable_file(s, "token_file", *token_file);
    else if (!s.has("token_file"))
        fleet.token_file = control.token_file;
    if (!fleet.peers.empty() && fleet.token_file.empty() && !s.has("token_file"))
        s.error(s.where(), "the fleet has peers, so fleet.token_file or control.token_file is required "
                           "(peers authenticate with it)");
    // Kept folded, so that every comparison, log line and label agrees.
    fleet.name = ascii_lowered(std::move(fleet.name));
    for (FleetPeer& peer : fleet.peers) peer.name = ascii_lowered(std::move(peer.name));
}

}  // namespace azdns
