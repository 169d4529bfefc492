// DNAME redirection (RFC 6672) as a client sees it over real UDP and TCP
// sockets, IPv4 and IPv6, from test/data/e2e/dname.zone.
#include <doctest/doctest.h>

#include "e2e_fixture.hpp"

using namespace azdns::e2e;

namespace {

constexpr std::uint16_t type_dname = 39;
constexpr int rcode_yxdomain = 6;

// Serves the zones given as origin -> file in test/data/e2e.
ServerOptions serving(std::vector<std::pair<std::string, std::string>> zone_files) {
    ServerOptions options;
    options.zones = std::move(zone_files);
    return options;
}

AzdnsServer& dname_server() {
    static AzdnsServer server(serving({{"example.com.", "dname.zone"}}));
    return server;
}

struct Case {
    std::string name;
    std::uint16_t type;
    int rcode;
    std::vector<std::string> answer;
    std::vector<std::string> authority;
};

// Every case over UDP and TCP, to both addresses: AA set, sections exact.
void check_cases(AzdnsServer& server, const std::vector<Case>& cases) {
    REQUIRE_SERVER(server);
    for (const Endpoint& endpoint : both_families(server)) {
        for (const Case& expected : cases) {
            for (bool tcp : {false, true}) {
                CAPTURE(endpoint.to_string());
                CAPTURE(expected.name);
                CAPTURE(tcp);
                Query query{.name = expected.name, .type = expected.type};
                auto response = tcp ? ask_tcp(endpoint, query) : ask_udp(endpoint, query);
                REQUIRE(response);
                INFO(response->dump());
                CHECK(response->rcode == expected.rcode);
                CHECK(response->aa);
                CHECK_FALSE(response->tc);
                CHECK(normal(response->answer) == normal(expected.answer));
                CHECK(normal(response->authority) == normal(expected.authority));
            }
        }
    }
}

const std::string soa_negative =
    "example.com. 600 IN SOA ns1.example.com. hostmaster.example.com. 2026120301 7200 900 1209600 600";

}  // namespace

TEST_CASE("names below a DNAME: the DNAME, the synthesised CNAME and the chase, as NSD and Knot answer") {
    const std::string in = "in.example.com. 600 IN DNAME target.example.com.";
    check_cases(dname_server(),
                {
                    {"x.out.example.com.", rrtype::A, rcode::NOERROR,
                     {"out.example.com. 600 IN DNAME example.net.", "x.out.example.com. 600 IN CNAME x.example.net."},
                     {}},
                    {"host.in.example.com.", rrtype::AAAA, rcode::NOERROR,
                     {in, "host.in.example.com. 600 IN CNAME host.target.example.com.",
                      "host.target.example.com. 300 IN AAAA 2001:db8::20"},
                     {}},
                    {"cn.example.com.", rrtype::AAAA, rcode::NOERROR,
                     {"cn.example.com. 300 IN CNAME host.in.example.com.", in,
                      "host.in.example.com. 600 IN CNAME host.target.example.com.",
                      "host.target.example.com. 300 IN AAAA 2001:db8::20"},
                     {}},
                    {"nope.in.example.com.", rrtype::A, rcode::NXDOMAIN,
                     {in, "nope.in.example.com. 600 IN CNAME nope.target.example.com."},
                     {soa_negative}},
                    {"host.todel.example.com.", rrtype::A, rcode::NOERROR,
                     {"todel.example.com. 300 IN DNAME sub.example.com.",
                      "host.todel.example.com. 300 IN CNAME host.sub.example.com."},
                     {"sub.example.com. 300 IN NS ns.sub.example.com."}},
                    // The DNAME's owner holds ordinary data.
                    {"in.example.com.", type_dname, rcode::NOERROR, {in}, {}},
                    {"in.example.com.", rrtype::A, rcode::NOERROR, {}, {soa_negative}},
                });
}

TEST_CASE("a name the DNAME would make longer than 255 octets: YXDOMAIN with the DNAME (RFC 6672 section 2.2)") {
    check_cases(dname_server(),
                {{std::string(63, 'q') + ".long.example.com.", rrtype::A, rcode_yxdomain,
                  {"long.example.com. 300 IN DNAME aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa."
                   "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb."
                   "ccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc.example.com."},
                  {}}});
}
