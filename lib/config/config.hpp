// The typed configuration of azdns (spec: "Configuration (TOML)"). Loaded and
// validated by load_config(); everything downstream reads these structs,
// never the TOML tree.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "diagnostics.hpp"
#include "dns_cookie.hpp"
#include "ip_prefix.hpp"
#include "load_limits.hpp"
#include "socket_address.hpp"
#include "tls_server_context.hpp"

namespace azdns {

using Duration = std::chrono::milliseconds;

// An address and port the config names, and where (to_string() is the
// config's syntax: "127.0.0.1:5353", "[::1]:5353").
struct ListenAddress : SocketAddress {
    SourceLocation where;  // empty for a default
};

struct ServerConfig {
    // 0.0.0.0:53 and [::]:53 (both all-zero addresses).
    std::vector<ListenAddress> listen{{{{IpFamily::v4, {}}, 53}, {}}, {{{IpFamily::v6, {}}, 53}, {}}};
    unsigned workers = 0;               // 0 = one per CPU
    std::uint16_t edns_udp_size = 1232;
    Duration tcp_idle_timeout{10'000};
    unsigned max_tcp_clients = 1024;
    std::string identity;
    std::string version;
    std::string state_dir = "/var/lib/azdns";  // resolved against the config's folder
    std::string user;
    std::uint64_t max_zone_size = default_max_zone_size;  // bytes, a zone's file and $INCLUDEs together
    std::uint64_t max_zone_records = default_max_zone_records;  // a zone file's, or a transfer's
    Duration reload_timeout{120'000};  // a reload still loading zones after this is abandoned
};

struct ControlConfig {
    ListenAddress listen{{{IpFamily::v4, {127, 0, 0, 1}}, 8053}, {}};  // 127.0.0.1:8053
    std::string token_file;  // resolved against the config's folder; empty = none
    // Both set or both empty (plain HTTP); resolved against the config's folder.
    std::string tls_cert;  // PEM: the certificate, then any intermediates
    std::string tls_key;   // PEM: its private key, unencrypted
    // Made from both files when the config was read, so a reload that reads
    // a renewed pair brings a new context; null for plain HTTP.
    TlsServerContext tls;
};

// A TSIG key ([[key]], docs/transfers.md): transfers and NOTIFY are signed with it.
struct KeyConfig {
    std::string name;         // wire form, canonical
    std::string algorithm;    // "hmac-sha256" or "hmac-sha512"
    std::vector<std::uint8_t> secret;  // read from secret_file when the config is loaded
    std::string secret_file;  // resolved against the config's folder
    SourceLocation where;     // the [[key]] table
};

// What a transfer carries (docs/transfers.md): what azdns answers now, or what the files say.
enum class TransferView { filtered, raw };

// One [[zone.allow_transfer]] rule: clients in `prefixes` (signing with `key`
// when one is named) may transfer the zone's `view`. The first rule that
// matches decides.
struct TransferRule {
    std::vector<IpPrefix> prefixes;
    std::string key;  // a [[key]]'s name, wire form, canonical; empty: the prefixes alone decide
    TransferView view = TransferView::filtered;
    SourceLocation where;      // the [[zone.allow_transfer]] table
    SourceLocation key_where;  // its `key` value
};

// A zone comes from one place: its `file`, or, for a secondary, its `primaries`.
struct ZoneConfig {
    std::string origin;  // wire form, canonical
    std::string file;    // resolved against the config's folder; empty for a secondary
    std::vector<ListenAddress> notify;         // secondaries told of every new serial (port 53 by default)
    std::vector<TransferRule> allow_transfer;  // none: no transfer at all
    // A secondary's primaries (port 53 by default), asked in this order.
    std::vector<ListenAddress> primaries;
    // A [[key]]'s name, wire form, canonical: signs transfers and SOA queries to
    // the primaries, and must sign their NOTIFY. Empty: unsigned.
    std::string primary_key;
    // Who may NOTIFY this secondary; by default each primary's address as a host prefix.
    std::vector<IpPrefix> allow_notify;
    SourceLocation where;       // the [[zone]] table
    SourceLocation file_where;  // the `file` key's value
    SourceLocation primaries_where, primary_key_where;  // their values

    [[nodiscard]] bool is_secondary() const { return !primaries.empty(); }
};

// ttl.healthy: what an answer with nothing removed carries (docs/health.md,
// "TTLs"). `cap`: the zone's TTL up to ttl.max, as before the key existed;
// `fixed`: `healthy` seconds; `detection`: how long the checks deciding the
// RRset take to see a failure, between `healthy_min` and ttl.max.
enum class HealthyTtlRule { cap, fixed, detection };

struct TtlPolicy {
    std::uint32_t max = 60;
    std::uint32_t degraded = 20;
    std::uint32_t all_down = 10;
    HealthyTtlRule healthy_rule = HealthyTtlRule::cap;
    std::uint32_t healthy = 0;  // seconds, with HealthyTtlRule::fixed
    std::uint32_t healthy_min = 1;
};

enum class AllDownPolicy { serve_all, servfail, nodata };

struct AzConfig {
    std::string name;
    std::string region;
    std::vector<IpPrefix> prefixes;
    std::vector<IpPrefix> clients;  // client networks that live here (policy "nearest")
    double fence_below = 0.5;
    Duration restore_after{30'000};
    // After a restore, the AZ's addresses return in a share of answers that
    // grows from 10 % to all over this long; 0 = at once.
    Duration ramp{0};
    SourceLocation where;
};

// A longer ramp would leave a restored AZ half used for most of a shift.
inline constexpr Duration max_az_ramp{3'600'000};

enum class CheckType { tcp, http, https, dns };

// The bytes of a response body an http(s) check searches for expect_body.
inline constexpr std::size_t max_expect_body = 64 * 1024;

struct CheckConfig {
    std::string name;
    CheckType type = CheckType::tcp;
    std::uint16_t port = 0;  // required for tcp; loading fills in 80 http, 443 https, 53 dns
    std::string path = "/";  // http/https
    std::string host;
    std::vector<unsigned> expect_status{200};
    std::string expect_body;
    bool tls_verify = true;
    std::string query_name;          // dns: wire form, canonical
    std::uint16_t query_type = 0;    // dns
    Duration interval{2'000};
    Duration timeout{1'000};
    unsigned rise = 2;
    unsigned fall = 3;
    SourceLocation where;
};

enum class ServicePolicy { all, failover, nearest };

// As the config spells it.
constexpr const char* service_policy_name(ServicePolicy policy) {
    return policy == ServicePolicy::failover ? "failover" : policy == ServicePolicy::nearest ? "nearest" : "all";
}

struct ServiceConfig {
    std::string name;  // wire form, canonical
    std::string check;
    ServicePolicy policy = ServicePolicy::all;
    std::vector<std::string> prefer;  // AZ names
    SourceLocation where;
};

// Where probes come from (spec: "Health"): hosts with several uplinks, and
// each vantage point of a fleet probing from its own address.
struct ProbesConfig {
    std::vector<IpAddress> source;  // at most one per family; empty: the kernel chooses

    // The address probes of a `family` target bind to; nullopt: the kernel chooses.
    [[nodiscard]] std::optional<IpAddress> source_for(IpFamily family) const {
        for (const IpAddress& address : source)
            if (address.family == family) return address;
        return std::nullopt;
    }
};

// One [[fleet.peer]]: another nameserver of the fleet, reached at its
// control API.
struct FleetPeer {
    std::string name;
    std::string url;  // "https://ns2.example.net:8053", as written
    bool tls = false;  // https
    std::string host;  // a name or an address, IPv6 without brackets
    std::uint16_t port = 0;
    SourceLocation where;  // the [[fleet.peer]] table
};

// More than half of `count`: the default quorum of `count` vantage points,
// and what decides among the voters an instance has when it is alone.
[[nodiscard]] constexpr unsigned majority_of(unsigned count) { return count / 2 + 1; }

// The nameservers this instance forms a fleet with (docs/fleet.md). No
// [fleet] section is a fleet of one: this instance alone, quorum 1.
// A canary check (docs/fleet.md, "An impaired prober"): a target outside
// every AZ that should always answer; when every canary fails, the fault is
// this instance's own path.
struct FleetCanary {
    IpAddress address;
    std::string check;  // a [[check]] by name
    SourceLocation where;        // the [[fleet.canary]] table
    SourceLocation where_check;  // its check key
};

struct FleetConfig {
    std::string name;  // this vantage point; default the host name
    std::vector<FleetPeer> peers;
    std::vector<FleetCanary> canaries;
    unsigned quorum = 1;  // default majority_of(vantage_points())
    Duration stale_after{5'000};
    std::string token_file;  // sent to peers; default control.token_file
    std::string ca_file;     // verifies peers' TLS; empty = the system store
    Duration fail_static_max{600'000};

    // This instance and its peers.
    [[nodiscard]] unsigned vantage_points() const { return 1 + static_cast<unsigned>(peers.size()); }
};

// [rrl]: response rate limiting (docs/security.md). Off while
// responses_per_second is 0.
struct RrlConfig {
    std::uint32_t responses_per_second = 0;  // per client network and response class
    std::uint32_t slip = 2;                  // every Nth limited response goes out truncated; 0: none
    std::uint8_t ipv4_prefix = 24;
    std::uint8_t ipv6_prefix = 56;
    std::vector<IpPrefix> exempt;

    [[nodiscard]] bool enabled() const { return responses_per_second != 0; }
};

// [cookies]: DNS cookies (RFC 7873, server cookies as RFC 9018). Off
// without a [cookies] table; with one and no secret_file, a random secret
// drawn at start (enough for one nameserver, not for a fleet).
struct CookiesConfig {
    bool enabled = false;
    std::string secret_file;  // resolved against the config's folder; empty: random
    // Read from secret_file when the config is loaded; nullopt without one
    // (the server draws a secret at start and keeps it across reloads).
    std::optional<CookieSecrets> secrets;
};

struct Config {
    std::string path;  // the file it was loaded from
    ServerConfig server;
    ControlConfig control;
    std::vector<KeyConfig> keys;
    std::vector<ZoneConfig> zones;
    TtlPolicy ttl;
    AllDownPolicy all_down = AllDownPolicy::serve_all;
    std::vector<AzConfig> azs;
    std::vector<CheckConfig> checks;
    std::vector<ServiceConfig> services;
    ProbesConfig probes;
    FleetConfig fleet;
    RrlConfig rrl;
    CookiesConfig cookies;

    // The [[key]] of that name (wire form, canonical), or nullptr.
    [[nodiscard]] const KeyConfig* key(std::string_view name) const {
        for (const KeyConfig& candidate : keys)
            if (candidate.name == name) return &candidate;
        return nullptr;
    }
};

// Loads and validates `path`: types, ranges, cross references (services to
// checks, AZs and zones), and that zone and token files can be opened. Every
// problem goes to `diags` as FILE:LINE:COL (FILE as given in `path`), sorted
// in file order; returns nullopt when there was any error. Paths in the
// result are resolved against the config file's folder.
[[nodiscard]] std::optional<Config> load_config(const std::string& path, Diagnostics& diags);

// Parses "500ms", "2s", "1m", "1h" and sums like "1m30s"; nullopt when
// malformed (no unit, a sign, a fraction, spaces) or overflowing. "0s" is 0.
[[nodiscard]] std::optional<Duration> parse_duration(std::string_view text);

// "2s", "1m", "1500ms": a duration as an operator would write it.
[[nodiscard]] std::string duration_text(Duration value);

}  // namespace azdns
