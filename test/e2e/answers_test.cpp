// What a client sees over real UDP sockets, IPv4 and IPv6, for each answer
// shape of RFC 1034 §4.3.2, RFC 2308, RFC 4592 and RFC 3597, against
// test/data/e2e/example.com.zone. Whole sections are compared (as sets of RRs,
// names case-insensitively), with flags, RCODE and TTLs.
#include <doctest/doctest.h>

#include "e2e_fixture.hpp"

using namespace azdns::e2e;

namespace {

struct Expected {
    std::string name;
    std::uint16_t type;
    int rcode = rcode::NOERROR;
    bool aa = true;
    std::vector<std::string> answer;
    std::vector<std::string> authority;
    // Must all be in the additional section (more is allowed: additional data is a courtesy).
    std::vector<std::string> additional_includes;
    bool authority_exact = true;  // false: positive answers may carry the zone's NS (NSD does)
};

const std::vector<std::string> com_ns = {"example.com. 3600 IN NS ns1.example.com.",
                                         "example.com. 3600 IN NS ns2.example.com."};
const std::vector<std::string> www_a = {"www.example.com. 300 IN A 192.0.2.10", "www.example.com. 300 IN A 192.0.2.11"};

// Positive answers may carry the apex NS RRset in authority (RFC 1034 allows
// it; NSD does, Knot does not): accept exactly nothing or exactly that RRset.
void check_positive_authority(const Response& response) {
    auto authority = normal(response.authority);
    bool ok = authority.empty() || authority == normal(com_ns);
    CHECK_MESSAGE(ok, "authority of a positive answer must be empty or the apex NS RRset:\n", response.dump());
}

void check_case(const Endpoint& server, const Expected& expected) {
    CAPTURE(server.to_string());
    CAPTURE(expected.name);
    auto response = ask_udp(server, Query{.name = expected.name, .type = expected.type, .rd = true});
    REQUIRE_MESSAGE(response, "no answer over UDP from ", server.to_string());
    INFO(response->dump());
    CHECK(response->parsed);
    CHECK(response->qr);
    CHECK(response->rcode == expected.rcode);
    CHECK(response->aa == expected.aa);
    CHECK(response->rd);    // RD is copied from the query (RFC 1035 §4.1.1)
    CHECK_FALSE(response->ra);  // no recursion here
    CHECK_FALSE(response->tc);
    CHECK_FALSE(response->opt);  // no OPT unless the query had one (RFC 6891 §7)
    CHECK(response->question.size() == 1);
    CHECK(normal(response->answer) == normal(expected.answer));
    if (expected.authority_exact) CHECK(normal(response->authority) == normal(expected.authority));
    else check_positive_authority(*response);
    auto additional = normal(response->additional);
    for (const auto& line : expected.additional_includes)
        CHECK_MESSAGE(std::binary_search(additional.begin(), additional.end(), lower(line)),
                      "missing from additional: ", line);
}

void check_all(const std::vector<Expected>& cases) {
    auto& server = shared_server();
    REQUIRE_SERVER(server);
    for (const auto& endpoint : both_families(server))
        for (const auto& expected : cases) check_case(endpoint, expected);
}

Expected positive(std::string name, std::uint16_t type, std::vector<std::string> answer,
                  std::vector<std::string> additional = {}) {
    return {std::move(name), type, rcode::NOERROR, true, std::move(answer), {}, std::move(additional), false};
}

Expected negative(std::string name, std::uint16_t type, int code, std::string soa = com_soa_negative) {
    return {std::move(name), type, code, true, {}, {std::move(soa)}, {}, true};
}

}  // namespace

TEST_CASE("positive answers: A, AAAA, MX with additional data, TXT, SRV, SOA, NS, unknown type") {
    check_all({
        positive("www.example.com.", rrtype::A, www_a),
        positive("www.example.com.", rrtype::AAAA, {"www.example.com. 120 IN AAAA 2001:db8::10"}),
        positive("www.example.com.", rrtype::TXT, {"www.example.com. 300 IN TXT \"hello\" \"world\""}),
        positive("example.com.", rrtype::MX,
                 {"example.com. 300 IN MX 10 mail.example.com.", "example.com. 300 IN MX 20 mail2.example.com."},
                 {"mail.example.com. 300 IN A 192.0.2.25", "mail.example.com. 300 IN AAAA 2001:db8::25",
                  "mail2.example.com. 300 IN A 198.51.100.25"}),
        positive("_sip._tcp.example.com.", rrtype::SRV, {"_sip._tcp.example.com. 300 IN SRV 10 5 5060 sip.example.com."}),
        positive("example.com.", rrtype::SOA, {com_soa}),
        positive("example.com.", rrtype::NS, com_ns,
                 {"ns1.example.com. 3600 IN A 192.0.2.53", "ns1.example.com. 3600 IN AAAA 2001:db8::53",
                  "ns2.example.com. 3600 IN A 198.51.100.53"}),
        positive("unk.example.com.", 65400, {"unk.example.com. 300 IN TYPE65400 \\# 4 0a000001"}),
        positive("big.example.com.", rrtype::A, [] {
            std::vector<std::string> lines;
            for (int i = 101; i <= 124; ++i) lines.push_back("big.example.com. 300 IN A 192.0.2." + std::to_string(i));
            return lines;
        }()),
    });
}

TEST_CASE("CNAME chains inside the zone are followed; a CNAME leaving the zones is not") {
    check_all({
        positive("alias.example.com.", rrtype::A,
                 {"alias.example.com. 300 IN CNAME alias2.example.com.", "alias2.example.com. 300 IN CNAME www.example.com.",
                  www_a[0], www_a[1]}),
        positive("alias.example.com.", rrtype::CNAME, {"alias.example.com. 300 IN CNAME alias2.example.com."}),
        positive("outside.example.com.", rrtype::A, {"outside.example.com. 300 IN CNAME www.example.org."}),
        positive("towild.example.com.", rrtype::A,
                 {"towild.example.com. 300 IN CNAME foo.wild.example.com.", "foo.wild.example.com. 300 IN A 192.0.2.50"}),
        // A CNAME to a name that does not exist: NXDOMAIN, the CNAME kept (RFC 6604 §2.1).
        {"tonx.example.com.", rrtype::A, rcode::NXDOMAIN, true, {"tonx.example.com. 300 IN CNAME nothere.example.com."},
         {com_soa_negative}, {}, true},
        // A CNAME into a delegation: the CNAME (authoritative), then the referral.
        {"tosub.example.com.", rrtype::A, rcode::NOERROR, true, {"tosub.example.com. 300 IN CNAME host.sub.example.com."},
         {"sub.example.com. 300 IN NS ns.sub.example.com.", "sub.example.com. 300 IN NS ns.example.org."},
         {"ns.sub.example.com. 300 IN A 192.0.2.60", "ns.sub.example.com. 300 IN AAAA 2001:db8::60"}, true},
        // The chain ends in NODATA at www for MX: NOERROR, the CNAMEs, SOA in authority (RFC 2308 §2.2).
        {"alias.example.com.", rrtype::MX, rcode::NOERROR, true,
         {"alias.example.com. 300 IN CNAME alias2.example.com.", "alias2.example.com. 300 IN CNAME www.example.com."},
         {com_soa_negative}, {}, true},
    });
}

TEST_CASE("a CNAME loop terminates with both CNAMEs") {
    auto& server = shared_server();
    REQUIRE_SERVER(server);
    auto response = ask_udp(server.v4(), Query{.name = "loop1.example.com.", .type = rrtype::A});
    REQUIRE(response);
    INFO(response->dump());
    CHECK((response->rcode == rcode::NOERROR || response->rcode == rcode::SERVFAIL));
    CHECK(normal(response->answer) == normal({"loop1.example.com. 300 IN CNAME loop2.example.com.",
                                              "loop2.example.com. 300 IN CNAME loop1.example.com."}));
}

TEST_CASE("NXDOMAIN and NODATA carry the SOA with TTL min(SOA TTL, MINIMUM) (RFC 2308)") {
    check_all({
        negative("nope.example.com.", rrtype::A, rcode::NXDOMAIN),
        negative("deep.nope.example.com.", rrtype::AAAA, rcode::NXDOMAIN),
        negative("www.example.com.", rrtype::MX, rcode::NOERROR),
        negative("mail2.example.com.", rrtype::AAAA, rcode::NOERROR),
        negative("example.com.", rrtype::AAAA, rcode::NOERROR),
        negative("nope.example.net.", rrtype::A, rcode::NXDOMAIN, net_soa_negative),
        negative("www.example.net.", rrtype::TXT, rcode::NOERROR, net_soa_negative),
    });
}

TEST_CASE("empty non-terminals are NODATA, names below them that do not exist are NXDOMAIN") {
    check_all({
        negative("ent.example.com.", rrtype::A, rcode::NOERROR),
        negative("sub.ent.example.com.", rrtype::TXT, rcode::NOERROR),
        negative("other.sub.ent.example.com.", rrtype::A, rcode::NXDOMAIN),
        positive("host.sub.ent.example.com.", rrtype::A, {"host.sub.ent.example.com. 300 IN A 192.0.2.40"}),
    });
}

TEST_CASE("wildcards synthesise answers at the query name (RFC 4592)") {
    check_all({
        positive("foo.wild.example.com.", rrtype::A, {"foo.wild.example.com. 300 IN A 192.0.2.50"}),
        positive("foo.wild.example.com.", rrtype::TXT, {"foo.wild.example.com. 300 IN TXT \"wildcard\""}),
        positive("a.b.c.wild.example.com.", rrtype::A, {"a.b.c.wild.example.com. 300 IN A 192.0.2.50"}),
        negative("foo.wild.example.com.", rrtype::MX, rcode::NOERROR),
        positive("foo.wc.example.com.", rrtype::A, {"foo.wc.example.com. 300 IN CNAME www.example.com.", www_a[0], www_a[1]}),
        positive("foo.wcx.example.com.", rrtype::AAAA,
                 {"foo.wcx.example.com. 300 IN CNAME target.wcx.example.com.",
                  "target.wcx.example.com. 300 IN AAAA 2001:db8::99"}),
    });
}

TEST_CASE("existing names and empty non-terminals block the wildcard (RFC 4592 §2.2.1)") {
    check_all({
        positive("exists.wild.example.com.", rrtype::A, {"exists.wild.example.com. 300 IN A 192.0.2.51"}),
        negative("exists.wild.example.com.", rrtype::TXT, rcode::NOERROR),      // not the wildcard's TXT
        negative("y.wild.example.com.", rrtype::A, rcode::NOERROR),             // an ENT, not the wildcard
        negative("foo.exists.wild.example.com.", rrtype::A, rcode::NXDOMAIN),   // closest encloser has no *
        negative("foo.y.wild.example.com.", rrtype::A, rcode::NXDOMAIN),
        // x.wild is not an ENT (x.y.wild is under y.wild): the wildcard applies.
        positive("x.wild.example.com.", rrtype::TXT, {"x.wild.example.com. 300 IN TXT \"wildcard\""}),
    });
}

TEST_CASE("a delegation is a referral: AA=0, NS in authority, glue in additional") {
    const std::vector<std::string> sub_ns = {"sub.example.com. 300 IN NS ns.sub.example.com.",
                                             "sub.example.com. 300 IN NS ns.example.org."};
    const std::vector<std::string> glue = {"ns.sub.example.com. 300 IN A 192.0.2.60",
                                           "ns.sub.example.com. 300 IN AAAA 2001:db8::60"};
    check_all({
        {"host.sub.example.com.", rrtype::A, rcode::NOERROR, false, {}, sub_ns, glue, true},
        {"sub.example.com.", rrtype::NS, rcode::NOERROR, false, {}, sub_ns, glue, true},
        {"sub.example.com.", rrtype::A, rcode::NOERROR, false, {}, sub_ns, glue, true},
        // Glue is not authoritative data: asking for it gives the referral too.
        {"ns.sub.example.com.", rrtype::A, rcode::NOERROR, false, {}, sub_ns, glue, true},
        {"deep.below.sub.example.com.", rrtype::MX, rcode::NOERROR, false, {}, sub_ns, glue, true},
    });
}

TEST_CASE("names outside every zone are REFUSED, without AA") {
    check_all({
        {"www.example.org.", rrtype::A, rcode::REFUSED, false, {}, {}, {}, true},
        {"com.", rrtype::NS, rcode::REFUSED, false, {}, {}, {}, true},
        {".", rrtype::SOA, rcode::REFUSED, false, {}, {}, {}, true},
        {"notexample.com.", rrtype::A, rcode::REFUSED, false, {}, {}, {}, true},
    });
}
