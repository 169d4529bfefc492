// libFuzzer target for the config loader, as `azdns check` runs it: the
// input is the text of etc/azdns.toml in a sandbox that also holds the zone
// files and the token file the repository's configs name (example.com.zone,
// zones/example.com.zone, ../zones/example.com.zone, control.token); nothing
// outside it can be opened (fuzz_support.hpp). A config that loads has its
// zones loaded too. Aborts when:
//   - a problem has no FILE:LINE:COL that exists in the config or a zone file;
//   - the config's problems are not in file order;
//   - a config loads although an error was reported, or fails without one;
//   - a config that loaded breaks what the loader promises (spec:
//     "Configuration (TOML)"): zone origins set and unique, AZ prefixes that
//     do not overlap, checks that can pass and time out within their
//     interval, services that name defined checks and AZs, sit inside a
//     zone and have an AZ to fail over to, a token when the control API
//     listens beyond loopback, and so on (check_config below).
// Sanitizers (ASan, UBSan) catch the rest.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <tuple>

#include "config.hpp"
#include "config_zones.hpp"
#include "diagnostics.hpp"
#include "dns_name.hpp"
#include "fuzz_support.hpp"

namespace {

using azdns::fuzz::fail;

constexpr std::string_view input_name = "etc/azdns.toml";

struct Fixture {
    azdns::fuzz::Sandbox sandbox{"config"};
    std::string input_path = sandbox.path(input_name);
    azdns::fuzz::KnownFiles files;

    Fixture() {
        add("zones/example.com.zone", "etc/example.com.zone");
        add("test/data/config/zones/example.com.zone", "etc/zones/example.com.zone");
        add("test/data/config/zones/example.com.zone", "zones/example.com.zone");
        add("test/data/config/control.token", "etc/control.token");
        // The sandbox holds: a zone file outside it cannot be named.
        azdns::Diagnostics outside;
        load("[[zone]]\norigin = \"example.com.\"\nfile = \"" AZDNS_SOURCE_DIR "/zones/example.com.zone\"\n", outside);
        azdns::fuzz::expect_error(outside, "Permission denied", "a zone file outside the sandbox");
    }

    void add(std::string_view source, std::string_view name) {
        files[sandbox.path(name)] = azdns::fuzz::line_lengths(sandbox.copy_in(source, name));
    }

    std::optional<azdns::Config> load(std::string_view text, azdns::Diagnostics& diags) {
        sandbox.write(input_name, text);
        files[input_path] = azdns::fuzz::line_lengths(text);
        azdns::fuzz::Confinement confined(sandbox);
        return azdns::load_config(input_path, diags);
    }
};

Fixture& fixture() {
    static Fixture instance;
    return instance;
}

void check_in_order(const azdns::Diagnostics& diags) {
    const auto& all = diags.all();
    for (std::size_t i = 1; i < all.size(); ++i)
        if (std::tie(all[i].where.line, all[i].where.column) < std::tie(all[i - 1].where.line, all[i - 1].where.column))
            fail("the config's problems are not in file order: " + all[i - 1].to_string() + " before " +
                 all[i].to_string());
}

void check_names_unique(const std::set<std::string>& seen, const std::string& name, const char* what) {
    if (name.empty()) fail(std::string("a config loaded with an unnamed ") + what);
    if (seen.contains(name)) fail(std::string("a config loaded with two ") + what + "s named " + name);
}

void check_config(const azdns::Config& config) {
    if (config.server.listen.empty()) fail("a config loaded with no server.listen address");
    if (config.server.state_dir.empty()) fail("a config loaded with an empty server.state_dir");
    if (config.server.edns_udp_size < 512) fail("a config loaded with server.edns_udp_size below 512");
    if (!config.control.listen.address.is_loopback() && config.control.token_file.empty())
        fail("a config loaded whose control API listens beyond loopback without a token");

    std::set<std::string> origins;
    for (const auto& zone : config.zones) {
        if (zone.origin.empty() || azdns::name_canonical(zone.origin) != zone.origin)
            fail("a config loaded with a zone origin that is empty or not canonical");
        check_names_unique(origins, zone.origin, "zone");
        origins.insert(zone.origin);
        if (zone.file.empty()) fail("a config loaded with a zone without a file");
    }
    std::set<std::string> azs;
    for (const auto& az : config.azs) {
        check_names_unique(azs, az.name, "az");
        azs.insert(az.name);
        if (az.prefixes.empty()) fail("a config loaded with an az without prefixes: " + az.name);
        if (!(az.fence_below >= 0.0 && az.fence_below <= 1.0)) fail("a config loaded with fence_below outside 0..1");
        for (const auto& other : config.azs)
            for (const auto& mine : az.prefixes)
                for (const auto& theirs : other.prefixes)
                    if (&other != &az && mine.overlaps(theirs))
                        fail("a config loaded with overlapping prefixes " + mine.to_string() + " and " +
                             theirs.to_string());
    }
    std::set<std::string> checks;
    for (const auto& check : config.checks) {
        check_names_unique(checks, check.name, "check");
        checks.insert(check.name);
        if (check.port == 0) fail("a config loaded with a check on port 0: " + check.name);
        if (check.interval.count() <= 0 || check.timeout.count() <= 0 || check.timeout > check.interval)
            fail("a config loaded with a check whose timeout does not fit its interval: " + check.name);
        if (check.rise == 0 || check.fall == 0) fail("a config loaded with rise or fall 0: " + check.name);
        if (check.expect_status.empty()) fail("a config loaded with a check no status can pass: " + check.name);
        const bool web = check.type == azdns::CheckType::http || check.type == azdns::CheckType::https;
        if (web && !check.path.starts_with('/')) fail("a config loaded with an http path not starting with /");
        if (check.type == azdns::CheckType::dns && (check.query_name.empty() || check.query_type == 0))
            fail("a config loaded with a dns check that asks nothing: " + check.name);
    }
    std::set<std::string> services;
    for (const auto& service : config.services) {
        check_names_unique(services, service.name, "service");
        services.insert(service.name);
        if (!checks.contains(service.check)) fail("a config loaded with a service naming an undefined check");
        for (const auto& az : service.prefer)
            if (!azs.contains(az)) fail("a config loaded with a service preferring an undefined az: " + az);
        if (service.policy == azdns::ServicePolicy::failover && service.prefer.empty())
            fail("a config loaded with a failover service with nowhere to fail over");
        if (std::none_of(config.zones.begin(), config.zones.end(),
                         [&](const auto& zone) { return azdns::name_is_at_or_below(service.name, zone.origin); }))
            fail("a config loaded with a service outside every zone: " + azdns::name_to_text(service.name));
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    Fixture& f = fixture();
    azdns::Diagnostics diags;
    const auto config = f.load(std::string_view(reinterpret_cast<const char*>(data), size), diags);
    // No problem is about the config file as a whole: it was written.
    for (const azdns::Diagnostic& problem : diags.all()) azdns::fuzz::check_location(problem, f.files);
    check_in_order(diags);
    if (config && diags.has_errors()) fail("the config loaded although an error was reported");
    if (!config && !diags.has_errors()) fail("the config failed to load without an error");
    if (!config) return 0;
    check_config(*config);

    // What `azdns check` does next: the zones, each problem in its file.
    azdns::Diagnostics zone_diags;
    {
        azdns::fuzz::Confinement confined(f.sandbox);
        (void)azdns::load_zones(*config, zone_diags);
    }
    for (const azdns::Diagnostic& problem : zone_diags.all()) azdns::fuzz::check_location(problem, f.files);
    return 0;
}
