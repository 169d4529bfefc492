// A `nearest` service, packet in and packet out: a client in an AZ's
// networks gets that AZ's addresses, by its own address or by the subnet
// its resolver sends (EDNS Client Subnet, RFC 7871), with the scope that
// lets the resolver cache the answer as widely as is right.
#include "health_explain.hpp"
#include "health_test_support.hpp"

using namespace azdns;
using namespace azdns::answer_test;
using namespace azdns::health_test;

namespace {

// fo.example.com. (10.1.0.20 in a, 10.2.0.20 in b) is nearest, prefer b then
// a; a's clients are 172.16.0.0/16 and 2001:db8:a1::/48, b's 172.17.0.0/16.
Config nearest_config() {
    Config config = make_config();
    config.azs[0].clients = {*IpPrefix::parse("172.16.0.0/16"), *IpPrefix::parse("2001:db8:a1::/48")};
    config.azs[1].clients = {*IpPrefix::parse("172.17.0.0/16")};
    for (ServiceConfig& service : config.services)
        if (service.name == wire_name("fo.example.com.")) {
            service.policy = ServicePolicy::nearest;
            service.prefer = {"b", "a"};
        }
    return config;
}

std::shared_ptr<const HealthView> nearest_view(const Health& health) {
    return HealthView::build(health_zones(), nearest_config(), health.snapshot);
}

Reply ask_from(const char* from, const HealthView* view, QueryOptions options = {}) {
    return ask_zones(make_query("fo.example.com.", A, options), health_zones(), Transport::udp, {}, view, nullptr, from);
}

// The reply's client subnet option: FAMILY, SOURCE, SCOPE, ADDRESS bytes.
std::vector<std::uint8_t> subnet_of(const Reply& reply) {
    auto option = reply_option(reply, 8);
    REQUIRE(option);
    return *option;
}

}  // namespace

TEST_SUITE("health_view") {
    TEST_CASE("nearest: a client in an AZ's networks gets that AZ, one outside the prefer order") {
        auto up = nearest_view(Health{});
        CHECK(ask_from("172.16.3.4", up.get()).answer == Lines{"fo.example.com. 60 IN A 10.1.0.20"});
        CHECK(ask_from("172.17.3.4", up.get()).answer == Lines{"fo.example.com. 60 IN A 10.2.0.20"});
        CHECK(ask_from("192.0.2.53", up.get()).answer == Lines{"fo.example.com. 60 IN A 10.2.0.20"});
        CHECK(ask_from("2001:db8:a1::53", up.get()).answer == Lines{"fo.example.com. 60 IN A 10.1.0.20"});
        // Other names are not a nearest service's: every client gets the same.
        CHECK(ask_zones(make_query("www.example.com.", A), health_zones(), Transport::udp, {}, up.get(), nullptr,
                        "172.16.3.4")
                  .answer.size() == 2);
    }

    TEST_CASE("nearest: its own AZ fenced or down, a client falls over in prefer order, with the degraded TTL") {
        auto a_fenced = nearest_view(Health{}.fence("a"));
        CHECK(ask_from("172.16.3.4", a_fenced.get()).answer == Lines{"fo.example.com. 20 IN A 10.2.0.20"});
        auto a_down = nearest_view(Health{}.endpoint("10.1.0.20", EndpointStatus::down, "a"));
        CHECK(ask_from("172.16.3.4", a_down.get()).answer == Lines{"fo.example.com. 20 IN A 10.2.0.20"});
        auto b_fenced = nearest_view(Health{}.fence("b"));
        CHECK(ask_from("172.17.3.4", b_fenced.get()).answer == Lines{"fo.example.com. 20 IN A 10.1.0.20"});
        CHECK(ask_from("192.0.2.53", b_fenced.get()).answer == Lines{"fo.example.com. 20 IN A 10.1.0.20"});
        // b's trouble is not the a client's: its answer is the same, only its TTL shorter.
        CHECK(ask_from("172.16.3.4", b_fenced.get()).answer == Lines{"fo.example.com. 20 IN A 10.1.0.20"});
    }

    TEST_CASE("ECS: the subnet decides, not the resolver; the reply echoes it with the scope") {
        auto up = nearest_view(Health{});
        // The resolver is in b's networks; its client's subnet is in a's.
        auto r = ask_from("172.17.0.53", up.get(), {.edns = true, .client_subnet = client_subnet("172.16.9.0", 24)});
        CHECK(r.answer == Lines{"fo.example.com. 60 IN A 10.1.0.20"});
        CHECK(subnet_of(r) == std::vector<std::uint8_t>{0, 1, 24, 16, 172, 16, 9});
        auto six = ask_from("172.17.0.53", up.get(), {.edns = true, .client_subnet = client_subnet("2001:db8:a1:7::", 56)});
        CHECK(six.answer == Lines{"fo.example.com. 60 IN A 10.1.0.20"});
        CHECK(subnet_of(six) == std::vector<std::uint8_t>{0, 2, 56, 48, 0x20, 0x01, 0x0d, 0xb8, 0, 0xa1, 0});
        // Outside: the widest block around it without an AZ's network is 192.0.0.0/2.
        auto outside = ask_from("172.16.0.53", up.get(), {.edns = true, .client_subnet = client_subnet("192.0.2.0", 24)});
        CHECK(outside.answer == Lines{"fo.example.com. 60 IN A 10.2.0.20"});
        CHECK(subnet_of(outside)[3] == 2);
    }

    TEST_CASE("ECS: longer than /24 or /56 counts as /24 or /56, and the scope says no more") {
        // a's clients: 172.16.0.0/16, plus b's 172.16.5.128/25 inside it.
        Config config = nearest_config();
        config.azs[1].clients.push_back(*IpPrefix::parse("172.16.5.128/25"));
        auto view = HealthView::build(health_zones(), config, Health{}.snapshot);
        auto ask = [&](const char* address, std::uint8_t source) {
            return ask_zones(make_query("fo.example.com.", A, {.edns = true, .client_subnet = client_subnet(address, source)}),
                             health_zones(), Transport::udp, {}, view.get());
        };
        // 172.16.5.200/32 is in b's /25, but azdns only looks at 172.16.5.0/24, which is a's.
        auto cut = ask("172.16.5.200", 32);
        CHECK(cut.answer == Lines{"fo.example.com. 60 IN A 10.1.0.20"});
        CHECK(subnet_of(cut) == std::vector<std::uint8_t>{0, 1, 32, 24, 172, 16, 5, 200});  // echoed as sent
        auto wide = ask("172.16.0.0", 16);
        CHECK(wide.answer == Lines{"fo.example.com. 60 IN A 10.1.0.20"});
        CHECK(subnet_of(wide)[3] == 16);
    }

    TEST_CASE("ECS: scope 0 when the answer does not depend on the client; no option without one") {
        auto up = nearest_view(Health{});
        auto www = ask_zones(make_query("www.example.com.", A, {.edns = true, .client_subnet = client_subnet("172.16.9.0", 24)}),
                             health_zones(), Transport::udp, {}, up.get());
        CHECK(subnet_of(www) == std::vector<std::uint8_t>{0, 1, 24, 0, 172, 16, 9});
        CHECK_FALSE(reply_option(ask_from("172.16.3.4", up.get(), {.edns = true}), 8));
        // /0: the resolver says nothing of its client, who counts as outside.
        auto none = ask_from("172.16.3.4", up.get(), {.edns = true, .client_subnet = client_subnet("0.0.0.0", 0)});
        CHECK(none.answer == Lines{"fo.example.com. 60 IN A 10.2.0.20"});
        CHECK(subnet_of(none) == std::vector<std::uint8_t>{0, 1, 0, 0});
    }

    TEST_CASE("ECS: a malformed option is FORMERR") {
        auto up = nearest_view(Health{});
        auto formerr = [&](std::vector<std::uint8_t> payload) {
            auto r = ask_from("172.16.3.4", up.get(), {.edns = true, .client_subnet = std::move(payload)});
            return r.rcode() == LDNS_RCODE_FORMERR && r.answer.empty();
        };
        CHECK(formerr({0, 3, 8, 0, 10}));                // FAMILY 3
        CHECK(formerr({0, 1, 33, 0, 10, 0, 0, 0, 0}));   // an IPv4 prefix over 32 bits
        CHECK(formerr({0, 1, 24, 0, 172, 16}));          // ADDRESS shorter than the prefix
        CHECK(formerr({0, 1, 16, 0, 172, 16, 9}));       // ... or longer
        CHECK(formerr({0, 1, 23, 0, 172, 16, 9}));       // a bit set past the prefix
        CHECK(formerr({0, 1}));                          // no prefix lengths
        // Two options: the OPT's RDATA (an unknown option of 6 bytes, then
        // the client subnet) gets a second one, and its RDLENGTH grows.
        QueryOptions twice{.edns = true, .client_subnet = client_subnet("172.16.9.0", 24)};
        auto query = make_query("fo.example.com.", A, twice);
        const std::size_t rdlength_at = query.size() - (6 + 4 + twice.client_subnet.size()) - 2;
        const std::vector<std::uint8_t> again{0, 8, 0, 7, 0, 1, 24, 0, 172, 16, 9};
        query.insert(query.end(), again.begin(), again.end());
        const std::size_t rdlength = (query[rdlength_at] << 8 | query[rdlength_at + 1]) + again.size();
        query[rdlength_at] = static_cast<std::uint8_t>(rdlength >> 8);
        query[rdlength_at + 1] = static_cast<std::uint8_t>(rdlength);
        CHECK(ask_zones(query, health_zones(), Transport::udp, {}, up.get()).rcode() == LDNS_RCODE_FORMERR);
    }

    TEST_CASE("explain: the client's AZ and why its answer is what it is") {
        const Config config = nearest_config();
        auto a_fenced = nearest_view(Health{}.fence("a"));
        auto why = [&](const char* client, const HealthView* view, const Health& health) {
            return explain_health(health_zones(), view, config, health.snapshot, wire_name("fo.example.com."), A,
                                  ClientPlace::of_address(*IpAddress::parse(client)));
        };
        auto up = nearest_view(Health{});
        HealthExplanation own = why("172.16.3.4", up.get(), Health{});
        CHECK(own.client_az == "a");
        CHECK(own.addresses[0].in);
        CHECK(own.addresses[0].why == "AZ a up, the client's own AZ");
        CHECK_FALSE(own.addresses[1].in);
        CHECK(own.addresses[1].why == "nearest: the client's AZ, or one earlier in prefer, has an address up");
        HealthExplanation moved = why("172.16.3.4", a_fenced.get(), Health{}.fence("a"));
        CHECK(moved.addresses[1].in);
        CHECK(moved.ttl_rule == "ttl.degraded: an address is down or fenced");
        CHECK(why("192.0.2.53", up.get(), Health{}).client_az.empty());
    }
}
