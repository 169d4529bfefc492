// Health checks against endpoints that misbehave, end to end: every address
// down under each all_down policy, https with a CA made by the test, and
// endpoints that hang, reset, send garbage or an endless body while azdns
// must keep answering (spec: "Health", "Answer semantics").
#include <doctest/doctest.h>

#include <cstdlib>
#include <thread>

#include "e2e_fixture.hpp"
#include "health_world.hpp"
#include "test_ca.hpp"

using namespace azdns::e2e;
using namespace std::chrono_literals;
using Addresses = std::set<std::string>;

namespace {

constexpr auto slack = 2500ms;

const std::vector<std::pair<std::string, std::string>> www_in_two_azs{{"www", "127.0.0.51"}, {"www", "127.0.0.52"}};

std::string two_azs(std::uint16_t port, const std::string& check_extra = "") {
    return az("az-a", {"127.0.0.51"}) + az("az-b", {"127.0.0.52"}) + web_check(port, check_extra) +
           service("www.health.test.");
}

}  // namespace

TEST_SUITE("e2e_health_probes") {

TEST_CASE("every address down: serve-all, servfail and nodata answer as the spec says, with ttl.all_down") {
    // Nothing listens on this port: every probe is refused, from the first round on.
    const std::uint16_t dead_port = free_port();
    struct Case {
        const char* policy;
        int rcode;
        Addresses addresses;
    };
    for (const Case& c : {Case{"serve-all", rcode::NOERROR, {"127.0.0.51", "127.0.0.52"}},
                          Case{"servfail", rcode::SERVFAIL, {}}, Case{"nodata", rcode::NOERROR, {}}}) {
        CAPTURE(c.policy);
        AzdnsServer server(options_for(zone_with(www_in_two_azs), std::string("[policy]\nall_down = \"") + c.policy +
                                                                      "\"\n\n" + two_azs(dead_port)));
        REQUIRE_SERVER(server);
        // The first probe round runs before azdns answers (bounded by the
        // check's timeout plus a margin): already all down, unless a loaded
        // machine kept the round from ending in time, which azdns logs.
        Query query{.name = "www.health.test.", .type = rrtype::A};
        auto first = ask_udp(server.v4(), query);
        REQUIRE(first);
        if (server.log().find("had no result in time") == std::string::npos) {
            CHECK_MESSAGE(first->rcode == c.rcode, (first->dump() + server.log()));
        }
        auto settled = wait_for_answer(server.v4(), "www.health.test.", rrtype::A, [&](const Response& r) {
            return r.rcode == c.rcode && addresses_in(r) == c.addresses;
        }, std::chrono::milliseconds(3000));
        REQUIRE_MESSAGE(settled.response, describe(settled, server));
        const Response* response = &*settled.response;
        CHECK(addresses_in(*response) == c.addresses);
        if (!c.addresses.empty()) CHECK(answer_ttl(*response) == 10u);
        CHECK_FALSE(response->opt);
        // An EDNS client learns why a SERVFAIL is one (RFC 8914); other policies answer.
        auto edns = ask_udp(server.v4(), {.name = "www.health.test.", .type = rrtype::A, .edns = true});
        REQUIRE(edns);
        CHECK(edns->rcode == c.rcode);
        REQUIRE(edns->opt);
        auto expected = std::string(c.policy) == "servfail"
                            ? std::optional<ExtendedError>(ExtendedError{0, "all addresses of this name are down"})
                            : std::nullopt;
        CHECK_MESSAGE(edns->opt->extended_error == expected, edns->dump());
        if (std::string(c.policy) == "nodata") {
            REQUIRE(response->authority.size() == 1);  // the SOA, as for any NODATA
            CHECK(response->authority[0].find("SOA") != std::string::npos);
        }
    }
}

TEST_CASE("https: verified against the test CA; a certificate it did not sign fails unless tls_verify = false") {
    TempDir dir("azdns-ca");
    std::string error;
    auto good = azdns::testing::make_test_certificates(dir.path / "good", {"www.health.test"}, {}, error);
    REQUIRE_MESSAGE(good, error);
    auto rogue = azdns::testing::make_self_signed(dir.path / "rogue", {"www.health.test"}, {}, error);
    REQUIRE_MESSAGE(rogue, error);
    // azdns inherits this: OpenSSL's standard way to name the trusted CAs.
    setenv("SSL_CERT_FILE", good->ca_cert.c_str(), 1);

    azdns::testing::FakeEndpointOptions trusted{.tls = true, .cert_file = good->server_cert.string(),
                                                 .key_file = good->server_key.string()};
    EndpointFarm farm({"127.0.0.51"}, trusted);
    REQUIRE_MESSAGE(farm.ok(), farm.error());
    azdns::testing::FakeEndpointOptions untrusted{.address = "127.0.0.52", .port = farm.port(), .tls = true,
                                                   .cert_file = rogue->server_cert.string(),
                                                   .key_file = rogue->server_key.string()};
    FakeHttpEndpoint rogue_endpoint(untrusted);
    REQUIRE_MESSAGE(rogue_endpoint.start(error), error);

    const std::string https = "type = \"https\"\nhost = \"www.health.test\"\n";
    auto https_check = [&](const std::string& extra) {
        std::string check = web_check(farm.port(), extra);
        return check.replace(check.find("type = \"http\"\n"), 14, "");
    };
    {
        AzdnsServer server(options_for(zone_with(www_in_two_azs), az("az-a", {"127.0.0.51"}) +
                                                                       az("az-b", {"127.0.0.52"}) +
                                                                       https_check(https) + service("www.health.test.")));
        REQUIRE_SERVER(server);
        CHECK_MESSAGE((answered(server.v4(), "www.health.test.") == Addresses{"127.0.0.51"}), server.log());
        CHECK(farm.at("127.0.0.51").requests_seen() > 0);
        CHECK(farm.at("127.0.0.51").last_request_head().find("Host: www.health.test") != std::string::npos);
        auto status = ctl(server, {"status"});
        CHECK_MESSAGE(status.out.find("certificate") != std::string::npos, (status.out + status.err));
    }
    {
        AzdnsServer server(options_for(zone_with(www_in_two_azs),
                                       az("az-a", {"127.0.0.51"}) + az("az-b", {"127.0.0.52"}) +
                                           https_check(https + "tls_verify = false\n") + service("www.health.test.")));
        REQUIRE_SERVER(server);
        CHECK_MESSAGE((answered(server.v4(), "www.health.test.") == Addresses{"127.0.0.51", "127.0.0.52"}), server.log());
    }
    unsetenv("SSL_CERT_FILE");
}

TEST_CASE("endpoints that hang, reset, send garbage or an endless body go down, and azdns keeps answering") {
    for (EndpointMode mode : {EndpointMode::hang, EndpointMode::reset, EndpointMode::garbage,
                              EndpointMode::endless_body, EndpointMode::slow, EndpointMode::error_status}) {
        CAPTURE(azdns::testing::to_string(mode));
        EndpointFarm farm({"127.0.0.51", "127.0.0.52"});
        REQUIRE_MESSAGE(farm.ok(), farm.error());
        AzdnsServer server(options_for(zone_with(www_in_two_azs), two_azs(farm.port())));
        REQUIRE_SERVER(server);
        REQUIRE(answered(server.v4(), "www.health.test.") == Addresses{"127.0.0.51", "127.0.0.52"});

        farm.at("127.0.0.51").set_mode(mode);
        auto gone = wait_for_answer(server.v4(), "www.health.test.", rrtype::A,
                                    [](const Response& r) { return without(r, "127.0.0.51"); }, 1s + slack);
        REQUIRE_MESSAGE(gone.response, describe(gone, server));
        // Answering never waited for a probe: a burst of queries all answered at once.
        for (int i = 0; i < 50; ++i) {
            Query query{.name = "www.health.test.", .type = rrtype::A};
            auto response = ask_udp(server.v4(), query, 500ms);
            REQUIRE_MESSAGE(response, server.log());
        }
        CHECK(server.running());
    }
}

TEST_CASE("probes.source: a source not on the host shows as every endpoint's error; after a reload probes leave from the new one") {
    EndpointFarm farm({"127.0.0.51", "127.0.0.52"});
    REQUIRE_MESSAGE(farm.ok(), farm.error());
    // TEST-NET-2 (RFC 5737) is never an address of this host.
    const std::string absent = "\n[probes]\nsource = [\"198.51.100.1\"]\n";
    AzdnsServer server(options_for(zone_with(www_in_two_azs), two_azs(farm.port()) + absent));
    REQUIRE_SERVER(server);
    auto status = ctl(server, {"status"});
    CHECK_MESSAGE(status.out.find("cannot use probe source 198.51.100.1: address not available") != std::string::npos,
                  (status.out + status.err));
    CHECK(farm.at("127.0.0.51").connections_seen() == 0);

    const std::string config = read_text(server.config_path());
    const std::string present = "\n[probes]\nsource = [\"127.0.0.9\"]\n";
    write_text(server.config_path(), config.substr(0, config.find(absent)) + present);
    auto reloaded = ctl(server, {"reload"});
    REQUIRE_MESSAGE(reloaded.exit_code == 0, (reloaded.out + reloaded.err + server.log()));
    const auto deadline = std::chrono::steady_clock::now() + 1s + slack;
    while (farm.at("127.0.0.52").peers_seen().empty() && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(20ms);
    for (const char* address : {"127.0.0.51", "127.0.0.52"}) {
        CAPTURE(address);
        const auto peers = farm.at(address).peers_seen();
        REQUIRE_MESSAGE(!peers.empty(), server.log());
        CHECK(std::set<std::string>(peers.begin(), peers.end()) == Addresses{"127.0.0.9"});
    }
}

}  // TEST_SUITE
