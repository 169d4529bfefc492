#include <optional>

#include "commands.hpp"
#include "config.hpp"
#include "config_zones.hpp"
#include "dns_name.hpp"
#include "health_targets.hpp"
#include "zone_set.hpp"

namespace azdns {

namespace {

// A service whose name has no address in its zone probes nothing: likely a typo.
void check_services_have_addresses(const Config& config, const ZoneSet& zones, Diagnostics& diags) {
    for (const auto& service : config.services) {
        const Zone* zone = zones.find(service.name);
        if (zone == nullptr) continue;  // its zone failed to load, already reported
        NodeView node = zone->find(service.name);
        bool has_address = node && (!node.rrset(rr_type::a).empty() || !node.rrset(rr_type::aaaa).empty());
        if (!has_address)
            diags.warning(service.where, "service \"" + name_to_text(service.name) + "\" has no A or AAAA record in zone \"" +
                                             name_to_text(zone->origin()) + "\": nothing to probe");
    }
}

// A service past the endpoints azdns probes would be served unfiltered.
void check_endpoint_count(const Config& config, const ZoneSet& zones, Diagnostics& diags) {
    const HealthTargets targets = find_health_targets(zones, config);
    if (!targets.unprobed.empty()) diags.error(targets.unprobed.front()->where, unprobed_services_text(targets));
}

std::string plural(std::size_t count, const char* word) {
    return std::to_string(count) + ' ' + word + (count == 1 ? "" : "s");
}

}  // namespace

int run_check(const std::string& config_path, std::ostream& out, std::ostream& err) {
    Diagnostics diags;
    auto config = load_config(config_path, diags);
    std::size_t records = 0;
    if (config) {
        LoadedZones zones = load_zones(*config, diags);
        records = zones.records;
        check_services_have_addresses(*config, *zones.set, diags);
        check_endpoint_count(*config, *zones.set, diags);
    }
    for (const auto& problem : diags.all()) err << problem.to_string() << '\n';

    const std::size_t warnings = diags.warning_count();
    if (diags.has_errors()) {
        out << config_path << ": " << plural(diags.error_count(), "error") << ", " << plural(warnings, "warning")
            << '\n';
        return exit_problem;
    }
    out << config_path << ": OK: " << plural(config->zones.size(), "zone") << " (" << plural(records, "record")
        << "), " << plural(config->azs.size(), "AZ") << ", " << plural(config->checks.size(), "check") << ", "
        << plural(config->services.size(), "service");
    if (warnings > 0) out << ", " << plural(warnings, "warning");
    out << '\n';
    return exit_ok;
}

}  // namespace azdns
