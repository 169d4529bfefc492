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
#include "ip_prefix.hpp"
#include "load_limits.hpp"
#include "tls_server_context.hpp"

namespace azdns {

using Duration = std::chrono::milliseconds;

struct ListenAddress {
    IpAddress address;
    std::uint16_t port = 53;
    SourceLocation where;  // empty for a default

    // "127.0.0.1:5353", "[::1]:5353": the syntax the config uses.
    [[nodiscard]] std::string to_string() const;
};

struct ServerConfig {
    // 0.0.0.0:53 and [::]:53 (both all-zero addresses).
    std::vector<ListenAddress> listen{{{IpFamily::v4, {}}, 53, {}}, {{IpFamily::v6, {}}, 53, {}}};
    unsigned workers = 0;               // 0 = one per CPU
    std::uint16_t edns_udp_size = 1232;
    Duration tcp_idle_timeout{10'000};
    unsigned max_tcp_clients = 1024;
    std::string identity;
    std::string version;
    std::string state_dir = "/var/lib/azdns";  // resolved against the config's folder
    std::string user;
    std::uint64_t max_zone_size = default_max_zone_size;  // bytes, a zone's file and $INCLUDEs together
    Duration reload_timeout{120'000};  // a reload still loading zones after this is abandoned
};

struct ControlConfig {
    ListenAddress listen{{IpFamily::v4, {127, 0, 0, 1}}, 8053, {}};  // 127.0.0.1:8053
    std::string token_file;  // resolved against the config's folder; empty = none
    // Both set or both empty (plain HTTP); resolved against the config's folder.
    std::string tls_cert;  // PEM: the certificate, then any intermediates
    std::string tls_key;   // PEM: its private key, unencrypted
    // Made from both files when the config was read, so a reload that reads
    // a renewed pair brings a new context; null for plain HTTP.
    TlsServerContext tls;
};

struct ZoneConfig {
    std::string origin;  // wire form, canonical
    std::string file;    // resolved against the config's folder
    SourceLocation where;       // the [[zone]] table
    SourceLocation file_where;  // the `file` key's value
};

struct TtlPolicy {
    std::uint32_t max = 60;
    std::uint32_t degraded = 20;
    std::uint32_t all_down = 10;
};

enum class AllDownPolicy { serve_all, servfail, nodata };

struct AzConfig {
    std::string name;
    std::string region;
    std::vector<IpPrefix> prefixes;
    double fence_below = 0.5;
    Duration restore_after{30'000};
    SourceLocation where;
};

enum class CheckType { tcp, http, https, dns };

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

enum class ServicePolicy { all, failover };

struct ServiceConfig {
    std::string name;  // wire form, canonical
    std::string check;
    ServicePolicy policy = ServicePolicy::all;
    std::vector<std::string> prefer;  // AZ names
    SourceLocation where;
};

struct Config {
    std::string path;  // the file it was loaded from
    ServerConfig server;
    ControlConfig control;
    std::vector<ZoneConfig> zones;
    TtlPolicy ttl;
    AllDownPolicy all_down = AllDownPolicy::serve_all;
    std::vector<AzConfig> azs;
    std::vector<CheckConfig> checks;
    std::vector<ServiceConfig> services;
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
