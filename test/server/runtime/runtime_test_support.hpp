// A served world for the runtime's unit tests: a config and a zone written
// to a temporary directory, loaded as serve loads them, and a publisher and
// health monitor over a fake clock. No probe thread, no ticker: tests hand
// the monitor probe results and ticks themselves, and move the clock.
#pragma once

#include <doctest/doctest.h>

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include "config.hpp"
#include "config_zones.hpp"
#include "dns_name.hpp"
#include "health_explain.hpp"
#include "health_monitor.hpp"
#include "serving_publisher.hpp"
#include "temp_dir.hpp"

namespace azdns::runtime_test {

namespace fs = std::filesystem;

using testing::TempDir;

inline void write_file(const fs::path& path, const std::string& text) {
    std::ofstream out(path, std::ios::trunc);
    out << text;
    REQUIRE(out.good());
}

// "www" has `a_count` addresses in AZ a (10.1.0.1...) and one in AZ b
// (10.2.0.1); the check falls and rises on one probe.
inline std::string zone_text(std::uint32_t serial, int a_count) {
    std::string text = "$ORIGIN health.test.\n$TTL 300\n@ IN SOA ns1 hostmaster " + std::to_string(serial) +
                       " 3600 600 86400 60\n@ IN NS ns1\nns1 IN A 192.0.2.1\nwww IN A 10.2.0.1\n";
    for (int i = 1; i <= a_count; ++i)
        text += "www IN A 10.1." + std::to_string(i / 250) + "." + std::to_string(i % 250 + 1) + "\n";
    return text;
}

inline std::string config_text(const fs::path& dir) {
    return "[server]\nstate_dir = \"" + (dir / "state").string() +
           "\"\n\n"
           "[[zone]]\norigin = \"health.test.\"\nfile = \"" + (dir / "health.zone").string() +
           "\"\n\n"
           "[[az]]\nname = \"a\"\nregion = \"test-1\"\nprefixes = [\"10.1.0.0/16\"]\nfence_below = 0.5\n"
           "restore_after = \"30s\"\n\n"
           "[[az]]\nname = \"b\"\nregion = \"test-1\"\nprefixes = [\"10.2.0.0/16\"]\nfence_below = 0.5\n"
           "restore_after = \"30s\"\n\n"
           "[[check]]\nname = \"web\"\ntype = \"tcp\"\nport = 80\ninterval = \"1s\"\ntimeout = \"500ms\"\n"
           "rise = 1\nfall = 1\n\n"
           "[[service]]\nname = \"www.health.test.\"\ncheck = \"web\"\n";
}

// Time moves only when a test moves it.
struct FakeClock {
    HealthTime now = HealthTime{} + std::chrono::hours(1000);
    HealthNow reader() {
        return [this] { return now; };
    }
};

struct World {
    TempDir dir{"azdns-runtime"};
    fs::path config_path = dir.path / "azdns.toml";
    FakeClock clock;
    LoadedZones zones;
    std::unique_ptr<ServingSnapshot> snapshot;
    std::unique_ptr<ServingPublisher> publisher;
    std::unique_ptr<HealthMonitor> health;

    explicit World(int a_count = 3) {
        write_file(dir.path / "health.zone", zone_text(1, a_count));
        write_file(config_path, config_text(dir.path));
        Diagnostics diags;
        auto config = load_config(config_path.string(), diags);
        REQUIRE_MESSAGE(config, (diags.all().empty() ? "" : diags.all().front().to_string()));
        auto in_force = std::make_shared<const Config>(std::move(*config));
        zones = load_zones(*in_force, diags);
        REQUIRE_FALSE(diags.has_errors());
        snapshot = std::make_unique<ServingSnapshot>(ServingState{zones.set, nullptr});
        publisher = std::make_unique<ServingPublisher>(in_force, *snapshot);
        health = std::make_unique<HealthMonitor>(*publisher, clock.reader());
        health->restore(zones.set);
    }

    // The addresses of www.health.test. A that answers carry now.
    [[nodiscard]] std::size_t www_addresses_served() const {
        const ServingState served = publisher->serving();
        auto explanation = explain_health(*served.zones, served.health.get(), *publisher->config(),
                                          health->snapshot(), name_canonical(*name_from_text("www.health.test.")),
                                          1);
        std::size_t in = 0;
        for (const AddressVerdict& verdict : explanation.addresses) in += verdict.in ? 1 : 0;
        return in;
    }

    // Every address of AZ a, as an endpoint of check "web".
    [[nodiscard]] std::vector<EndpointId> endpoints_of_a() const {
        std::vector<EndpointId> out;
        for (const EndpointView& e : health->snapshot().endpoints)
            if (e.az == "a") out.push_back(e.id);
        return out;
    }
};

inline ProbeResult probe_result(bool ok) {
    ProbeResult result;
    result.ok = ok;
    if (!ok) result.error = "connect refused";
    return result;
}

}  // namespace azdns::runtime_test
