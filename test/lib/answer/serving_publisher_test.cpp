// The one writer of the serving snapshot: what it publishes, when, and how
// many views it builds.
#include <doctest/doctest.h>

#include "answer_test_support.hpp"
#include "health_targets.hpp"
#include "serving_publisher.hpp"

using namespace azdns;
using namespace azdns::answer_test;

namespace {

std::shared_ptr<const Config> health_config() {
    auto config = std::make_shared<Config>();
    AzConfig a;
    a.name = "a";
    a.prefixes = {*IpPrefix::parse("10.1.0.0/16")};
    AzConfig b;
    b.name = "b";
    b.prefixes = {*IpPrefix::parse("10.2.0.0/16")};
    config->azs = {a, b};
    CheckConfig web;
    web.name = "web";
    config->checks = {web};
    ServiceConfig www;
    www.name = wire_name("www.example.com.");
    www.check = "web";
    config->services = {www};
    return config;
}

std::shared_ptr<const ZoneSet> health_zones() {
    return std::make_shared<const ZoneSet>(load_example_zone("health/health.zone"));
}

HealthSnapshot all_up() {
    HealthSnapshot health;
    health.azs = {AzView{"a", FenceReason::none, std::nullopt, 1.0, {}},
                  AzView{"b", FenceReason::none, std::nullopt, 1.0, {}}};
    return health;
}

}  // namespace

TEST_SUITE("serving_publisher") {
    TEST_CASE("nothing is published before the first zones; each publish is one rebuild and one swap") {
        auto config = health_config();
        auto zones = health_zones();
        ServingSnapshot snapshot{{zones, nullptr}};
        ServingPublisher publisher(config, snapshot);
        CHECK(publisher.config() == config);

        publisher.publish(all_up());
        CHECK(publisher.rebuilds() == 0);
        CHECK(snapshot.generation() == 0);

        const HealthTargets targets = find_health_targets(*zones, *config);
        CHECK(targets.endpoints.size() == 3);  // www: 10.1.0.10, 10.2.0.10, 2001:db8:b::10
        publisher.replace(ServingPublisher::prepare(zones, config, targets), all_up());
        CHECK(publisher.rebuilds() == 1);
        CHECK(snapshot.generation() == 1);
        CHECK(publisher.serving().zones == zones);
        REQUIRE(publisher.serving().health != nullptr);

        HealthSnapshot a_fenced = all_up();
        a_fenced.azs[0].fenced = FenceReason::manual;
        publisher.publish(a_fenced);
        CHECK(publisher.rebuilds() == 2);
        CHECK(snapshot.generation() == 2);
        CHECK(publisher.serving().zones == zones);  // the same zones, a new view
    }

    TEST_CASE("a reload replaces the config and the zones together") {
        auto zones = health_zones();
        ServingSnapshot snapshot{{zones, nullptr}};
        ServingPublisher publisher(health_config(), snapshot);
        auto next_config = health_config();
        auto next_zones = health_zones();
        publisher.replace(
            ServingPublisher::prepare(next_zones, next_config, find_health_targets(*next_zones, *next_config)),
            all_up());
        CHECK(publisher.config() == next_config);
        CHECK(publisher.serving().zones == next_zones);
        CHECK(snapshot.load()->zones == next_zones);
    }
}
