// Reloads without a server: the config and zone files of a World rewritten,
// then ZoneReloader::reload() and what the publisher serves afterwards.
#include <doctest/doctest.h>

#include "runtime_test_support.hpp"
#include "zone_reloader.hpp"

using namespace azdns;
using namespace azdns::runtime_test;

namespace {

std::uint32_t served_serial(const World& world) {
    const ServingState served = world.publisher->serving();
    const Zone* zone = served.zones->find(name_canonical(*name_from_text("www.health.test.")));
    REQUIRE(zone != nullptr);
    return zone->serial();
}

// A steady clock that reads `start` once, then an hour later at every read:
// a reload that reads it twice has taken longer than any reload_timeout.
struct SlowClock {
    LoadStop::Clock::time_point start = LoadStop::Clock::time_point{} + std::chrono::hours(1000);
    int reads = 0;
    LoadStop::Now reader() {
        return [this] { return start + std::chrono::hours(reads++ == 0 ? 0 : 1); };
    }
};

}  // namespace

TEST_SUITE("zone_reloader") {
    TEST_CASE("a new zone version is published with a view for it, in one rebuild") {
        World world;
        ZoneReloader reloader(world.config_path.string(), world.zones, *world.health, *world.publisher);
        write_file(world.dir.path / "health.zone", zone_text(2, 5));
        const std::uint64_t before = world.publisher->rebuilds();
        std::vector<ZoneStatus> status = reloader.reload().zones;
        REQUIRE(status.size() == 1);
        CHECK(status[0].serial == 2);
        CHECK(status[0].error.empty());
        CHECK(served_serial(world) == 2);
        CHECK(world.publisher->rebuilds() == before + 1);
        CHECK(world.health->snapshot().endpoints.size() == 6);  // the probed set follows the zone
        CHECK(world.www_addresses_served() == 6);
    }

    TEST_CASE("a zone that fails keeps serving its previous version, and says where it failed") {
        World world;
        ZoneReloader reloader(world.config_path.string(), world.zones, *world.health, *world.publisher);
        const fs::path file = world.dir.path / "health.zone";
        write_file(file, zone_text(2, 3) + "broken IN A not-an-address\n");
        std::vector<ZoneStatus> status = reloader.reload().zones;
        REQUIRE(status.size() == 1);
        CHECK(status[0].serial == 1);
        CHECK(status[0].reload_errors == 1);
        // file:line:col of the bad record: the line after the zone's last one.
        const std::string where = file.string() + ":" + std::to_string(6 + 3 + 1) + ":";
        CHECK_MESSAGE(status[0].error.rfind(where, 0) == 0, status[0].error);
        REQUIRE(status[0].errors.size() == 1);
        CHECK(status[0].errors[0] == status[0].error);
        CHECK(served_serial(world) == 1);
        CHECK(reloader.status()[0].error == status[0].error);
    }

    TEST_CASE("a config with errors keeps the running config; the zones still reload") {
        World world;
        ZoneReloader reloader(world.config_path.string(), world.zones, *world.health, *world.publisher);
        const std::shared_ptr<const Config> running = world.publisher->config();
        write_file(world.config_path, config_text(world.dir.path) + "[[az]]\nname = \"a\"\n");
        write_file(world.dir.path / "health.zone", zone_text(3, 3));
        ReloadReport report = reloader.reload();
        CHECK(world.publisher->config() == running);
        CHECK(report.config_file == world.config_path.string());
        REQUIRE(!report.config_errors.empty());
        for (const std::string& error : report.config_errors)
            CHECK_MESSAGE(error.rfind(world.config_path.string() + ":", 0) == 0, error);
        const std::vector<ZoneStatus>& status = report.zones;
        REQUIRE(status.size() == 1);
        CHECK(status[0].serial == 3);
        CHECK(served_serial(world) == 3);
    }

    TEST_CASE("a reload past server.reload_timeout is abandoned whole: the previous zones serve, status says why") {
        World world;
        SlowClock clock;
        ZoneReloader reloader(world.config_path.string(), world.zones, *world.health, *world.publisher,
                              clock.reader());
        write_file(world.dir.path / "health.zone", zone_text(2, 5));
        const std::uint64_t before = world.publisher->rebuilds();
        std::vector<ZoneStatus> status = reloader.reload().zones;
        REQUIRE(status.size() == 1);
        CHECK(status[0].serial == 1);
        CHECK(status[0].reload_errors == 1);
        CHECK(status[0].error ==
              "reload abandoned: not done within server.reload_timeout (2m); the previous zones keep serving");
        CHECK(served_serial(world) == 1);
        CHECK(world.publisher->rebuilds() == before);  // nothing published
        CHECK(world.www_addresses_served() == 4);

        // In time, the same files load.
        ZoneReloader in_time(world.config_path.string(), world.zones, *world.health, *world.publisher);
        CHECK(in_time.reload().zones[0].serial == 2);
    }

    TEST_CASE("abandon(): a reload in progress stops at its next read and publishes nothing; none starts after") {
        World world;
        std::function<void()> during_read;
        LoadStop::Now clock = [&] {
            if (during_read) during_read();
            return LoadStop::Clock::now();
        };
        ZoneReloader reloader(world.config_path.string(), world.zones, *world.health, *world.publisher, clock);
        write_file(world.dir.path / "health.zone", zone_text(2, 5));
        // The clock is read as the reload starts, then at each read of a zone
        // file: SIGTERM arrives there, mid-reload.
        int reads = 0;
        during_read = [&] {
            if (++reads == 2) reloader.abandon();
        };
        const std::uint64_t before = world.publisher->rebuilds();
        std::vector<ZoneStatus> status = reloader.reload().zones;
        CHECK(reads >= 2);
        CHECK(status[0].serial == 1);
        CHECK(status[0].error.empty());  // a shutdown is no zone's failure
        CHECK(served_serial(world) == 1);
        CHECK(world.publisher->rebuilds() == before);

        const int reads_before = reads;
        CHECK(reloader.reload().zones[0].serial == 1);
        CHECK(reads == reads_before);  // it did not start
    }

    TEST_CASE("a reload lists every error of a broken zone, up to max_listed_errors, then counts the rest") {
        World world;
        ZoneReloader reloader(world.config_path.string(), world.zones, *world.health, *world.publisher);
        std::string broken = zone_text(2, 3);
        for (std::size_t i = 0; i < max_listed_errors + 5; ++i) broken += "broken" + std::to_string(i) + " IN A nope\n";
        write_file(world.dir.path / "health.zone", broken);
        ReloadReport report = reloader.reload();
        CHECK(report.config_errors.empty());
        REQUIRE(report.zones.size() == 1);
        const std::vector<std::string>& errors = report.zones[0].errors;
        REQUIRE(errors.size() == max_listed_errors + 1);
        CHECK(errors.front().find("health.zone:10:") != std::string::npos);
        CHECK(errors[max_listed_errors - 1].find("health.zone:" + std::to_string(9 + max_listed_errors) + ":") !=
              std::string::npos);
        CHECK(errors.back() ==
              "... and 5 more errors (azdns check -c " + world.config_path.string() + " lists up to 1000 of each zone)");
    }

    TEST_CASE("a reload keeps the health of kept endpoints and fences") {
        World world;
        ZoneReloader reloader(world.config_path.string(), world.zones, *world.health, *world.publisher);
        REQUIRE(world.health->fence("a", "maintenance", std::nullopt, false).status ==
                FenceOutcome::Status::applied);
        write_file(world.dir.path / "health.zone", zone_text(2, 3));
        reloader.reload();
        CHECK(world.health->snapshot().az("a")->fenced == FenceReason::manual);
        CHECK(world.www_addresses_served() == 1);
    }
}
