// Which AZ a client is in, and the widest prefix with the same answer (the
// ECS scope): nested networks, both families, the edges of the space.
#include "client_networks.hpp"

#include <doctest/doctest.h>

using namespace azdns;

namespace {

IpPrefix prefix(const char* text) {
    auto parsed = IpPrefix::parse(text);
    REQUIRE(parsed);
    return *parsed;
}

AzConfig az(const char* name, std::vector<IpPrefix> clients) {
    AzConfig config;
    config.name = name;
    config.clients = std::move(clients);
    return config;
}

// Where `address` is, known to `bits` bits (all of them by default).
struct Found {
    std::uint16_t place;
    unsigned scope;
};
Found find(const ClientNetworks& networks, const char* address, int bits = -1) {
    ClientPlace client = ClientPlace::of_address(*IpAddress::parse(address));
    if (bits >= 0) {
        client.bits = static_cast<std::uint8_t>(bits);
        client.address = client.address.leading_bits(client.bits);
    }
    const std::uint16_t place = networks.place(client);
    return {place, client.scope};
}

}  // namespace

TEST_SUITE("client_networks") {
    // a: 10.1.0.0/16 and 2001:db8:a1::/48; b: 10.1.5.0/24 inside a's, and 10.2.0.0/16; c: no clients.
    ClientNetworks sample() {
        return ClientNetworks::build({az("a", {prefix("10.1.0.0/16"), prefix("2001:db8:a1::/48")}), az("c", {}),
                                      az("b", {prefix("10.1.5.0/24"), prefix("10.2.0.0/16")})});
    }

    TEST_CASE("places number the AZs that list clients, in config order") {
        const ClientNetworks networks = sample();
        CHECK(networks.azs() == std::vector<std::uint16_t>{0, 2});
        CHECK(ClientNetworks::build({az("a", {}), az("b", {})}).empty());
    }

    TEST_CASE("the longest prefix wins where networks nest") {
        const ClientNetworks networks = sample();
        CHECK(find(networks, "10.1.4.255").place == 1);
        CHECK(find(networks, "10.1.5.0").place == 2);
        CHECK(find(networks, "10.1.5.255").place == 2);
        CHECK(find(networks, "10.1.6.0").place == 1);
        CHECK(find(networks, "10.2.200.1").place == 2);
        CHECK(find(networks, "10.3.0.1").place == ClientPlace::outside);
        CHECK(find(networks, "2001:db8:a1:ffff::1").place == 1);
        CHECK(find(networks, "2001:db8:a2::1").place == ClientPlace::outside);
    }

    TEST_CASE("the scope is the widest block around the client with the same place") {
        const ClientNetworks networks = sample();
        // 10.1.4.x: inside a's /16 but beside b's /24, so the block 10.1.4.0/24 decides.
        CHECK(find(networks, "10.1.4.1").scope == 24);
        // 10.1.128.1: the block 10.1.128.0/17 holds no other AZ's network.
        CHECK(find(networks, "10.1.128.1").scope == 17);
        CHECK(find(networks, "10.1.5.7").scope == 24);
        CHECK(find(networks, "10.2.9.9").scope == 16);
        // Outside: 10.0.0.0/16 lies between nothing and a's /16 ...
        CHECK(find(networks, "10.0.0.1").scope == 16);
        // ... and far from any network the block is wide.
        CHECK(find(networks, "192.0.2.1").scope == 1);
        CHECK(find(networks, "2001:db8:a1::1").scope == 48);
        CHECK(find(networks, "2001:db8:a0::1").scope == 48);
    }

    TEST_CASE("a client known to fewer bits than decide is scoped to what is known") {
        const ClientNetworks networks = sample();
        CHECK(find(networks, "10.1.4.0", 24).scope == 24);
        const Found wide = find(networks, "10.1.0.0", 12);  // 10.0.0.0/12 straddles a's and b's networks
        CHECK(wide.scope == 12);
        CHECK(find(networks, "10.1.0.0", 0).place == ClientPlace::outside);
        CHECK(find(networks, "10.1.0.0", 0).scope == 0);
    }

    TEST_CASE("networks at the ends of the space, and /0") {
        const ClientNetworks edges = ClientNetworks::build(
            {az("low", {prefix("0.0.0.0/8"), prefix("::/16")}), az("high", {prefix("255.0.0.0/8"), prefix("ffff::/16")})});
        CHECK(find(edges, "0.1.2.3").place == 1);
        CHECK(find(edges, "0.1.2.3").scope == 8);
        CHECK(find(edges, "255.255.255.255").place == 2);
        CHECK(find(edges, "ffff:ffff::1").place == 2);
        CHECK(find(edges, "ffff:ffff::1").scope == 16);
        CHECK(find(edges, "8000::1").place == ClientPlace::outside);
        const ClientNetworks everyone = ClientNetworks::build({az("all", {prefix("0.0.0.0/0")}), az("some", {prefix("10.0.0.0/8")})});
        CHECK(find(everyone, "192.0.2.1").place == 1);
        CHECK(find(everyone, "10.9.9.9").place == 2);
        CHECK(find(everyone, "10.9.9.9").scope == 8);
    }

    TEST_CASE("one network listed twice by one AZ counts once") {
        const ClientNetworks twice = ClientNetworks::build({az("a", {prefix("10.1.0.0/16"), prefix("10.1.0.0/16")})});
        CHECK(find(twice, "10.1.2.3").place == 1);
        CHECK(find(twice, "10.1.2.3").scope == 16);
    }
}
