// Reads the config schema (spec: "Configuration (TOML)") into the typed
// structs and checks everything that can be checked without serving, so that
// `azdns check` reports every mistake of a file in one run.
#include <algorithm>
#include <map>

#include "az_prefix_clashes.hpp"
#include "config.hpp"
#include "config_check.hpp"
#include "config_control_tls.hpp"
#include "config_files.hpp"
#include "ascii.hpp"
#include "config_fleet.hpp"
#include "config_guard.hpp"
#include "config_transfer.hpp"
#include "config_toml.hpp"
#include "config_values.hpp"
#include "dns_name.hpp"
#include "regular_file.hpp"

namespace azdns {

namespace {

constexpr std::int64_t max_ttl = 2147483647;  // RFC 2181 section 8

// Far more than any real config (a [[zone]] takes about 60 bytes): a file
// past it is not a config, and parsing it would cost memory for nothing.
constexpr std::uint64_t max_config_size = 16 << 20;

// Each listener costs a UDP thread per worker.
constexpr std::size_t max_listeners = 64;

// server.identity and server.version go out as one TXT character-string.
constexpr std::size_t max_character_string = 255;

// server.identity or server.version: one TXT character-string.
std::optional<std::string> character_string(ConfigSection& s, std::string_view key) {
    auto text = s.string(key);
    if (text && text->size() > max_character_string) {
        s.error(s.where(key), s.name(key) + " is " + std::to_string(text->size()) + " bytes; at most " +
                                  std::to_string(max_character_string) + " (one TXT character-string)");
        return std::nullopt;
    }
    return text;
}

// AZ prefixes, and client networks, in all the AZs together: 100 times the
// 1,024 client networks the locality benchmark serves.
constexpr std::size_t max_listed_networks = 100'000;

// Where a TOML syntax error is, kept inside the file: when the file ends
// with a newline, toml++ puts an error at its end one column past the last
// line's end (and counts that newline as a column).
SourceLocation syntax_error_place(const std::string& path, std::string_view content, toml::source_position at) {
    std::uint32_t line = 1;
    std::size_t line_start = 0;
    for (std::size_t i = 0; i + 1 < content.size() && line < at.line; ++i) {
        if (content[i] != '\n') continue;
        ++line;
        line_start = i + 1;
    }
    const std::size_t line_end = std::min(content.find('\n', line_start), content.size());
    const auto past_end = static_cast<std::uint32_t>(line_end - line_start + 1);
    return {path, line, std::clamp<std::uint32_t>(at.column, 1, past_end)};
}

class Loader {
public:
    Loader(const std::string& file, Diagnostics& diags)
        : file_(file), diags_(diags), folder_(file) {
        config_.path = file;
    }

    Config load(const toml::table& root);

private:
    ConfigSection section(const toml::table& table, std::string path, std::string header) {
        return ConfigSection(table, std::move(path), std::move(header), file_, diags_);
    }

    void read_server(ConfigSection& s);
    void read_control(ConfigSection& s);
    void read_fleet(ConfigSection& s) { azdns::read_fleet(s, folder_, config_.control, config_.fleet); }
    void read_key(ConfigSection& s) {
        KeyConfig key;
        azdns::read_key(s, folder_, key_names_, key);
        config_.keys.push_back(std::move(key));
    }
    void read_zone(ConfigSection& s);
    void read_rrl(ConfigSection& s) { azdns::read_rrl(s, config_.rrl); }
    void read_cookies(ConfigSection& s) { azdns::read_cookies(s, folder_, config_.cookies); }
    void read_ttl(ConfigSection& s);
    void read_policy(ConfigSection& s);
    void read_az(ConfigSection& s);
    // The prefixes of the list `key` of `az`, each parsed and added to
    // `listed`, which holds at most max_listed_networks.
    std::vector<IpPrefix> read_prefixes(ConfigSection& s, const std::vector<Located<std::string>>& list,
                                        const std::string& key, const std::string& az,
                                        std::vector<ListedPrefix>& listed);
    void check_az_prefixes();
    void read_check(ConfigSection& s);
    void read_service(ConfigSection& s);
    void read_probes(ConfigSection& s);
    void check_service_references();
    void check_canaries();

    std::optional<ListenAddress> listen_address(ConfigSection& s, const std::string& name, const std::string& text,
                                                const SourceLocation& where);
    // A non-empty string that must differ from all earlier ones of its kind.
    std::optional<std::string> unique_name(ConfigSection& s, std::string_view key, std::string_view kind,
                                           std::map<std::string, SourceLocation>& seen);
    void remember(std::map<std::string, SourceLocation>& seen, std::string_view kind, const std::string& key,
                  const std::string& shown, const SourceLocation& where);
    // Shorthands for folder_'s (see config_files.hpp).
    std::string resolve(const std::string& path) const;
    std::string readable_file(ConfigSection& s, std::string_view key, const std::string& path);

    const std::string& file_;
    Diagnostics& diags_;
    ConfigFolder folder_;
    Config config_;

    std::map<std::string, SourceLocation> key_names_, zone_origins_, az_names_, check_names_, service_names_;
    std::vector<ListedPrefix> prefixes_;
    std::vector<ListedPrefix> client_networks_;
    // Where each service's references are, to report them once all is read.
    struct ServiceReferences {
        SourceLocation name, check;
        std::vector<SourceLocation> prefer;
    };
    std::vector<ServiceReferences> service_references_;
};

Config Loader::load(const toml::table& table) {
    auto root = section(table, "", "");
    auto read_table = [&](std::string_view key, void (Loader::*read)(ConfigSection&)) {
        if (const auto* found = root.table(key)) {
            auto s = section(*found, std::string(key), "[" + std::string(key) + "]");
            (this->*read)(s);
            s.report_unknown_keys();
        }
    };
    auto read_tables = [&](std::string_view key, void (Loader::*read)(ConfigSection&)) {
        for (const auto* found : root.tables(key)) {
            auto s = section(*found, std::string(key), "[[" + std::string(key) + "]]");
            (this->*read)(s);
            s.report_unknown_keys();
        }
    };
    read_table("server", &Loader::read_server);
    read_table("control", &Loader::read_control);
    config_.fleet.name = ascii_lowered(host_name());
    read_table("fleet", &Loader::read_fleet);  // after [control]: its token_file is the fleet's default
    read_tables("key", &Loader::read_key);
    read_tables("zone", &Loader::read_zone);
    read_table("ttl", &Loader::read_ttl);
    read_table("policy", &Loader::read_policy);
    read_tables("az", &Loader::read_az);
    read_tables("check", &Loader::read_check);
    read_tables("service", &Loader::read_service);
    read_table("probes", &Loader::read_probes);
    read_table("rrl", &Loader::read_rrl);
    read_table("cookies", &Loader::read_cookies);
    root.report_unknown_keys();
    check_az_prefixes();
    check_service_references();
    check_canaries();
    check_transfer_keys(config_, diags_);
    return std::move(config_);
}

std::string Loader::resolve(const std::string& path) const { return folder_.resolve(path); }

void Loader::remember(std::map<std::string, SourceLocation>& seen, std::string_view kind, const std::string& key,
                      const std::string& shown, const SourceLocation& where) {
    const auto [first, inserted] = seen.emplace(key, where);
    if (!inserted)
        diags_.error(where, "duplicate " + std::string(kind) + " \"" + shown + "\" (first at line " +
                                std::to_string(first->second.line) + ")");
}

std::optional<std::string> Loader::unique_name(ConfigSection& s, std::string_view key, std::string_view kind,
                                               std::map<std::string, SourceLocation>& seen) {
    auto name = s.string(key, true);
    if (!name) return std::nullopt;
    if (name->empty()) {
        s.error(s.where(key), s.name(key) + " must not be empty");
        return std::nullopt;
    }
    remember(seen, kind, *name, *name, s.where(key));
    return name;
}

std::string Loader::readable_file(ConfigSection& s, std::string_view key, const std::string& path) {
    return folder_.readable_file(s, key, path);
}

std::optional<ListenAddress> Loader::listen_address(ConfigSection& s, const std::string& name,
                                                    const std::string& text, const SourceLocation& where) {
    std::string why;
    auto address = parse_listen_address(text, why);
    if (!address) {
        s.error(where, "invalid " + name + " \"" + text + "\": " + why);
        return std::nullopt;
    }
    address->where = where;
    return address;
}

void Loader::read_server(ConfigSection& s) {
    auto& server = config_.server;
    if (const auto listen = s.strings("listen")) {
        if (listen->empty()) s.error(s.where("listen"), "server.listen must not be empty");
        // Each listener gets a UDP thread per worker.
        if (listen->size() > max_listeners)
            s.error(s.where("listen"), "server.listen lists " + std::to_string(listen->size()) +
                                           " addresses; at most " + std::to_string(max_listeners));
        server.listen.clear();
        for (const auto& [text, where] : *listen)
            if (auto address = listen_address(s, s.name("listen"), text, where)) server.listen.push_back(*address);
    }
    if (const auto workers = s.integer("workers", 0, 1024)) server.workers = static_cast<unsigned>(*workers);
    if (const auto size = s.integer("edns_udp_size", 512, 65535))
        server.edns_udp_size = static_cast<std::uint16_t>(*size);
    if (const auto idle = s.duration("tcp_idle_timeout", false)) server.tcp_idle_timeout = *idle;
    if (const auto clients = s.integer("max_tcp_clients", 1, 1'000'000))
        server.max_tcp_clients = static_cast<unsigned>(*clients);
    if (auto identity = character_string(s, "identity")) server.identity = std::move(*identity);
    if (auto version = character_string(s, "version")) server.version = std::move(*version);
    if (auto user = s.string("user")) server.user = std::move(*user);
    if (const auto size = s.byte_size("max_zone_size")) server.max_zone_size = *size;
    if (const auto records = s.integer("max_zone_records", 1, 4'294'967'295))
        server.max_zone_records = static_cast<std::uint64_t>(*records);
    if (const auto timeout = s.duration("reload_timeout", false)) server.reload_timeout = *timeout;
    if (const auto state_dir = s.string("state_dir")) {
        // An empty value would silently mean "the config's folder".
        if (state_dir->empty()) s.error(s.where("state_dir"), "server.state_dir must not be empty");
        else server.state_dir = resolve(*state_dir);
    }
}

void Loader::read_control(ConfigSection& s) {
    auto& control = config_.control;
    bool listen_ok = true;
    if (const auto text = s.string("listen")) {
        const auto address = listen_address(s, s.name("listen"), *text, s.where("listen"));
        if (address) control.listen = *address;
        listen_ok = address.has_value();
    }
    if (const auto token_file = s.string("token_file"); token_file && !token_file->empty())
        control.token_file = readable_file(s, "token_file", *token_file);
    read_control_tls(s, [this](const std::string& path) { return resolve(path); }, control);
    if (listen_ok && control.token_file.empty() && !control.listen.address.is_loopback())
        s.error(s.where("listen"), "control.listen " + control.listen.to_string() +
                                       " is not a loopback address, so control.token_file is required");
}

void Loader::read_zone(ConfigSection& s) {
    ZoneConfig zone;
    zone.where = s.where();
    if (const auto origin = s.string("origin", true)) {
        if (auto wire = name_from_text(*origin)) {
            name_canonicalize(*wire);
            remember(zone_origins_, "zone", *wire, name_to_text(*wire), s.where("origin"));
            zone.origin = std::move(*wire);
        } else {
            s.error(s.where("origin"), "invalid zone.origin \"" + *origin + "\": not a valid domain name");
        }
    }
    // Not required: a secondary zone has primaries instead (read_zone_transfers checks for one of them).
    if (const auto file = s.string("file")) {
        if (file->empty()) s.error(s.where("file"), "zone.file must not be empty");
        else zone.file = readable_file(s, "file", *file);
    }
    zone.file_where = s.where("file");
    read_zone_transfers(s, zone);
    config_.zones.push_back(std::move(zone));
}

void Loader::read_ttl(ConfigSection& s) {
    auto& ttl = config_.ttl;
    if (const auto max = s.integer("max", 0, max_ttl)) ttl.max = static_cast<std::uint32_t>(*max);
    if (const auto degraded = s.integer("degraded", 0, max_ttl)) ttl.degraded = static_cast<std::uint32_t>(*degraded);
    if (const auto all_down = s.integer("all_down", 0, max_ttl)) ttl.all_down = static_cast<std::uint32_t>(*all_down);
    if (const auto floor = s.integer("healthy_min", 0, max_ttl)) ttl.healthy_min = static_cast<std::uint32_t>(*floor);
    const auto healthy = s.string("healthy");
    if (!healthy) return;
    if (*healthy == "auto") {
        ttl.healthy_rule = HealthyTtlRule::detection;
        return;
    }
    const auto fixed = parse_duration(*healthy);
    if (!fixed || fixed->count() == 0 || fixed->count() % 1000 != 0)  // a TTL is whole seconds
        s.error(s.where("healthy"),
                "ttl.healthy must be \"auto\" or whole seconds, like \"10s\", not \"" + *healthy + "\"");
    else if (fixed->count() / 1000 > ttl.max)
        s.error(s.where("healthy"), "ttl.healthy (" + *healthy + ") is above ttl.max (" + std::to_string(ttl.max) +
                                        " s), which caps every answer");
    else {
        ttl.healthy_rule = HealthyTtlRule::fixed;
        ttl.healthy = static_cast<std::uint32_t>(fixed->count() / 1000);
    }
}

void Loader::read_policy(ConfigSection& s) {
    if (const auto all_down = s.choice<AllDownPolicy>("all_down", {{"serve-all", AllDownPolicy::serve_all},
                                                                    {"servfail", AllDownPolicy::servfail},
                                                                    {"nodata", AllDownPolicy::nodata}}))
        config_.all_down = *all_down;
}

void Loader::read_az(ConfigSection& s) {
    AzConfig az;
    az.where = s.where();
    if (auto name = unique_name(s, "name", "az", az_names_)) az.name = std::move(*name);
    if (auto region = s.string("region")) az.region = std::move(*region);
    if (const auto prefixes = s.strings("prefixes")) {
        // An AZ is known only by its prefixes: without one it could never be fenced.
        if (prefixes->empty()) s.error(s.where("prefixes"), "az.prefixes must not be empty");
        az.prefixes = read_prefixes(s, *prefixes, "prefixes", az.name, prefixes_);
    } else if (!s.has("prefixes")) {
        s.missing("prefixes");
    }
    if (const auto clients = s.strings("clients"))
        az.clients = read_prefixes(s, *clients, "clients", az.name, client_networks_);
    if (const auto fence_below = s.number("fence_below", 0.0, 1.0)) az.fence_below = *fence_below;
    if (const auto restore_after = s.duration("restore_after", true)) az.restore_after = *restore_after;
    if (const auto ramp = s.duration("ramp", true)) {
        if (*ramp > max_az_ramp)
            s.error(s.where("ramp"), "az.ramp (" + duration_text(*ramp) + ") is longer than " + duration_text(max_az_ramp) +
                                         ", the longest ramp allowed");
        else
            az.ramp = *ramp;
    }
    config_.azs.push_back(std::move(az));
}

std::vector<IpPrefix> Loader::read_prefixes(ConfigSection& s, const std::vector<Located<std::string>>& list,
                                            const std::string& key, const std::string& az,
                                            std::vector<ListedPrefix>& listed) {
    if (listed.size() + list.size() > max_listed_networks) {
        s.error(s.where(key), "az." + key + " lists " + std::to_string(listed.size() + list.size()) +
                                  " networks in all; at most " + std::to_string(max_listed_networks));
        return {};
    }
    std::vector<IpPrefix> prefixes;
    for (const auto& [text, where] : list) {
        std::string why;
        const auto prefix = IpPrefix::parse(text, &why);
        if (!prefix) {
            s.error(where, "invalid az." + key + " \"" + text + "\": " + why);
            continue;
        }
        listed.push_back({*prefix, az, where});
        prefixes.push_back(*prefix);
    }
    return prefixes;
}

// An AZ is fenced by its prefixes, so no address may belong to two of them;
// client networks may nest across AZs (the longest prefix wins), but one
// network listed for two AZs could only be a mistake.
void Loader::check_az_prefixes() {
    for (const auto& [later, earlier] : overlapping_prefixes(prefixes_)) {
        const ListedPrefix& a = prefixes_[later];
        const ListedPrefix& b = prefixes_[earlier];
        diags_.error(a.where, "prefix " + a.prefix.to_string() + " of az \"" + a.az + "\" overlaps prefix " +
                                  b.prefix.to_string() + " of az \"" + b.az + "\"");
    }
    for (const auto& [later, earlier] : networks_listed_twice(client_networks_)) {
        const ListedPrefix& a = client_networks_[later];
        diags_.error(a.where, "client network " + a.prefix.to_string() + " of az \"" + a.az +
                                  "\" is also listed for az \"" + client_networks_[earlier].az + "\"");
    }
}

void Loader::read_check(ConfigSection& s) {
    CheckConfig check;
    check.where = s.where();
    if (auto name = unique_name(s, "name", "check", check_names_)) check.name = std::move(*name);
    read_check_fields(s, check);
    config_.checks.push_back(std::move(check));
}

void Loader::read_service(ConfigSection& s) {
    ServiceConfig service;
    service.where = s.where();
    ServiceReferences references{s.where("name"), s.where("check"), {}};
    if (const auto name = s.string("name", true)) {
        if (auto wire = name_from_text(*name)) {
            name_canonicalize(*wire);
            remember(service_names_, "service", *wire, name_to_text(*wire), s.where("name"));
            service.name = std::move(*wire);
        } else {
            s.error(s.where("name"), "invalid service.name \"" + *name + "\": not a valid domain name");
        }
    }
    if (auto check = s.string("check", true)) {
        if (check->empty()) s.error(s.where("check"), "service.check must not be empty");
        service.check = std::move(*check);
    }
    const auto policy = s.choice<ServicePolicy>("policy", {{"all", ServicePolicy::all},
                                                           {"failover", ServicePolicy::failover},
                                                           {"nearest", ServicePolicy::nearest}});
    if (policy) service.policy = *policy;
    if (const auto prefer = s.strings("prefer")) {
        for (const auto& [az, where] : *prefer) {
            service.prefer.push_back(az);
            references.prefer.push_back(where);
        }
    }
    if ((policy == ServicePolicy::failover || policy == ServicePolicy::nearest) && service.prefer.empty()) {
        const std::string which = policy == ServicePolicy::failover ? "failover" : "nearest";
        if (s.has("prefer"))
            s.error(s.where("prefer"), "service.prefer must name at least one az when policy is \"" + which + "\"");
        else
            s.missing("prefer", which + " services need at least one az");
    }
    config_.services.push_back(std::move(service));
    service_references_.push_back(std::move(references));
}

void Loader::read_probes(ConfigSection& s) {
    const auto sources = s.strings("source");
    if (!sources) return;
    for (const auto& [text, where] : *sources) {
        const auto address = IpAddress::parse(text);
        if (!address) {
            s.error(where, "invalid probes.source \"" + text +
                               "\": expected an IP address without port or prefix length, like \"192.0.2.1\" or "
                               "\"2001:db8::1\"");
            continue;
        }
        // A probe binds to one address; which of two would be a guess.
        if (const auto first = config_.probes.source_for(address->family)) {
            s.error(where, std::string("probes.source has a second ") +
                               (address->family == IpFamily::v4 ? "IPv4" : "IPv6") + " address \"" + text +
                               "\" (the first is \"" + first->to_string() + "\"): at most one per family");
            continue;
        }
        config_.probes.source.push_back(*address);
    }
}

// Canaries name checks that may come later, and must stand outside every AZ:
// a canary in an AZ would fail with it, and mark a healthy prober impaired.
void Loader::check_canaries() {
    for (const FleetCanary& canary : config_.fleet.canaries) {
        if (!canary.check.empty() && !check_names_.contains(canary.check))
            diags_.error(canary.where_check,
                         "fleet.canary.check names check \"" + canary.check + "\", which is not defined");
        for (const AzConfig& az : config_.azs)
            for (const IpPrefix& prefix : az.prefixes)
                if (prefix.contains(canary.address))
                    diags_.error(canary.where, "fleet.canary.address " + canary.address.to_string() + " is in AZ " +
                                                   az.name + " (" + prefix.to_string() +
                                                   "): a canary must stand outside every AZ");
    }
}

// Services name checks, AZs and zones that may come later in the file.
void Loader::check_service_references() {
    // A zone whose origin is already reported must not also make every
    // service below it "outside every zone".
    const bool origins_known = std::none_of(config_.zones.begin(), config_.zones.end(),
                                            [](const ZoneConfig& zone) { return zone.origin.empty(); });
    for (std::size_t i = 0; i < config_.services.size(); ++i) {
        const auto& service = config_.services[i];
        const auto& references = service_references_[i];
        if (!service.check.empty() && !check_names_.contains(service.check))
            diags_.error(references.check, "service.check names check \"" + service.check + "\", which is not defined");
        for (std::size_t j = 0; j < service.prefer.size(); ++j)
            if (!az_names_.contains(service.prefer[j]))
                diags_.error(references.prefer[j],
                             "service.prefer names az \"" + service.prefer[j] + "\", which is not defined");
        if (service.policy == ServicePolicy::nearest && client_networks_.empty())
            diags_.warning(references.name, "service \"" + name_to_text(service.name) +
                                                "\" has policy \"nearest\" but no az lists clients: every client "
                                                "is outside, and gets the prefer order");
        if (service.name.empty() || !origins_known) continue;
        const bool in_a_zone = std::any_of(config_.zones.begin(), config_.zones.end(), [&](const ZoneConfig& zone) {
            return name_is_at_or_below(service.name, zone.origin);
        });
        if (!in_a_zone)
            diags_.error(references.name,
                         "service \"" + name_to_text(service.name) + "\" is not inside any configured zone");
    }
}

}  // namespace

std::optional<Config> load_config(const std::string& path, Diagnostics& diags) {
    const FileContent content = read_regular_file(path, max_config_size);
    if (!content.error.empty()) {
        diags.error({path, 0, 0}, "cannot read the config file: " + content.error);
        return std::nullopt;
    }
    toml::table root;
    try {
        root = toml::parse(content.text, std::string_view(path));
    } catch (const toml::parse_error& error) {
        diags.error(syntax_error_place(path, content.text, error.source().begin), std::string(error.description()));
        return std::nullopt;
    }
    // Sections are read in schema order, not file order: sort so the operator
    // reads the problems top to bottom.
    Diagnostics found;
    auto config = Loader(path, found).load(root);
    auto problems = found.all();
    std::stable_sort(problems.begin(), problems.end(), [](const Diagnostic& a, const Diagnostic& b) {
        return std::tie(a.where.line, a.where.column) < std::tie(b.where.line, b.where.column);
    });
    for (auto& problem : problems) {
        if (problem.severity == Severity::warning) diags.warning(std::move(problem.where), std::move(problem.message));
        else diags.error(std::move(problem.where), std::move(problem.message));
    }
    if (found.has_errors()) return std::nullopt;
    return config;
}

}  // namespace azdns
