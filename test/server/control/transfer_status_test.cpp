// A zone taken from primaries as GET /v1/status shows it (docs/control.md):
// its source, and what its refreshes did, from a real SecondaryZones whose
// only primary refuses every connection.
#include <doctest/doctest.h>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "dns_name.hpp"
#include "temp_dir.hpp"
#include "transfer_status.hpp"

using namespace azdns;
using namespace std::chrono_literals;

namespace {

// A loopback port nobody listens on: bound, never listened or read.
struct ClosedPort {
    ClosedPort() {
        fd = ::socket(AF_INET, SOCK_DGRAM, 0);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
        socklen_t length = sizeof address;
        REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0);
        port = ntohs(address.sin_port);
        ::close(fd);  // the port answers "refused" from now on, as no one has it
    }
    int fd = -1;
    std::uint16_t port = 0;
};

}  // namespace

TEST_CASE("a zone from primaries: source \"primaries\", not held, and why its refresh failed") {
    testing::TempDir state("azdns-transfer-status");
    ClosedPort closed;
    Config config;
    ZoneConfig zone;
    zone.origin = *name_from_text("example.org.");
    zone.primaries = {ListenAddress{{*IpAddress::parse("127.0.0.1"), closed.port}, {}}};
    config.zones.push_back(zone);
    ZoneConfig from_file;
    from_file.origin = *name_from_text("example.com.");
    from_file.file = "example.com.zone";
    config.zones.push_back(from_file);

    SecondaryZones secondaries({.state_dir = state.path.string()}, [](const std::string&, std::shared_ptr<const Zone>) {});
    secondaries.configure(config, {});
    // The first refresh is at once; its SOA query is refused at once.
    const auto deadline = std::chrono::steady_clock::now() + 20s;
    while (secondaries.status().at(0).refresh_failures == 0 && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(20ms);

    const TransferFacts facts = gather_transfer_facts(nullptr, nullptr, &secondaries);
    const auto json = zone_transfers_json(facts, "example.org.", 0);
    INFO(json.dump(2));
    CHECK(json["source"] == "primaries");
    const auto& in = json["in"];
    CHECK(in["primaries"] == nlohmann::json::array({"127.0.0.1:" + std::to_string(closed.port)}));
    CHECK(in["held"] == false);
    CHECK(in["serial"].is_null());
    CHECK(in["last_in"].is_null());
    CHECK(in["refresh_failures"] == 1);
    REQUIRE(in["errors"].size() == 1);
    CHECK(in["errors"][0].get<std::string>().starts_with("127.0.0.1:" + std::to_string(closed.port) + ": SOA query"));
    CHECK(in["next_refresh"].is_string());
    CHECK(transfer_totals_json(facts)["in_refresh_failures"] == 1);

    const auto file_zone = zone_transfers_json(facts, "example.com.", 7);
    CHECK(file_zone["source"] == "file");
    CHECK(file_zone["in"].is_null());
}
