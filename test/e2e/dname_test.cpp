// DNAME redirection (RFC 6672) and DS at a zone cut where azdns serves both
// sides (RFC 4035 section 3.1.4.1), as a client sees them over real UDP and
// TCP sockets, IPv4 and IPv6. Zones: test/data/e2e/dname.zone, and a parent
// and children written here.
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

// Serves the zones given as origin -> zone text.
ServerOptions serving_texts(std::vector<std::pair<std::string, std::string>> zone_texts) {
    ServerOptions options;
    options.zones = {};
    options.zone_texts = std::move(zone_texts);
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

TEST_CASE("DS at a cut where azdns serves parent and child comes from the parent; with only the child, the child") {
    const std::string parent_zone =
        "$ORIGIN example.com.\n$TTL 300\n"
        "@ 3600 IN SOA ns1 hostmaster 1 7200 900 1209600 600\n@ 3600 IN NS ns1\nns1 3600 IN A 192.0.2.53\n"
        "sub IN NS ns1.example.com.\n"
        "sub IN DS 12345 13 2 3C8B4F7E5B6A1D2C9F0E8A7B6C5D4E3F2A1B0C9D8E7F6A5B4C3D2E1F0A9B8C7D\n"
        "nods IN NS ns1.example.com.\n";
    auto child_zone = [](const std::string& origin) {
        return "$ORIGIN " + origin + "\n$TTL 300\n@ 3600 IN SOA ns1.example.com. hostmaster.example.com. 2 7200 900 "
               "1209600 900\n@ 3600 IN NS ns1.example.com.\nwww IN A 192.0.2.80\n";
    };
    const std::string parent_soa =
        "example.com. 600 IN SOA ns1.example.com. hostmaster.example.com. 1 7200 900 1209600 600";
    auto child_soa = [](const std::string& origin) {
        return origin + " 900 IN SOA ns1.example.com. hostmaster.example.com. 2 7200 900 1209600 900";
    };

    AzdnsServer both(serving_texts({{"example.com.", parent_zone},
                                    {"sub.example.com.", child_zone("sub.example.com.")},
                                    {"nods.example.com.", child_zone("nods.example.com.")}}));
    check_cases(both,
                {
                    {"sub.example.com.", rrtype::DS, rcode::NOERROR,
                     {"sub.example.com. 300 IN DS 12345 13 2 "
                      "3c8b4f7e5b6a1d2c9f0e8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f0a9b8c7d"},
                     {}},
                    {"nods.example.com.", rrtype::DS, rcode::NOERROR, {}, {parent_soa}},
                    // The rest of the child's apex, and DS below it, stay with the child.
                    {"sub.example.com.", rrtype::NS, rcode::NOERROR, {"sub.example.com. 3600 IN NS ns1.example.com."}, {}},
                    {"www.sub.example.com.", rrtype::DS, rcode::NOERROR, {}, {child_soa("sub.example.com.")}},
                });

    AzdnsServer child_only(serving_texts({{"sub.example.com.", child_zone("sub.example.com.")}}));
    check_cases(child_only, {{"sub.example.com.", rrtype::DS, rcode::NOERROR, {}, {child_soa("sub.example.com.")}}});
}
