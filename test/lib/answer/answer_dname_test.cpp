// DNAME redirection (RFC 6672), packet in and packet out: the DNAME, the
// CNAME synthesised at the query name, and the chase that follows, against
// test/data/answer/dname.zone. What NSD 4.6 and Knot 3.2 answer for the same
// zone, unless a case says otherwise.
#include "answer_test_support.hpp"

using namespace azdns;
using namespace azdns::answer_test;

namespace {

const ZoneSet& dname_zones() {
    static const ZoneSet set = load_example_zone("answer/dname.zone");
    return set;
}

Reply ask_dname(const char* name, std::uint16_t qtype, Transport transport = Transport::udp) {
    return ask_zones(make_query(name, qtype), dname_zones(), transport);
}

const std::string soa_600 =
    "example.com. 600 IN SOA ns1.example.com. hostmaster.example.com. 2024010101 7200 3600 1209600 600";
const std::string dname_in = "in.example.com. 600 IN DNAME target.example.com.";

}  // namespace

TEST_SUITE("answer") {
    TEST_CASE("below a DNAME: the DNAME, then a CNAME synthesised at the query name with the DNAME's TTL") {
        auto r = ask_dname("x.out.example.com.", A);
        CHECK(r.rcode() == LDNS_RCODE_NOERROR);
        CHECK(r.aa());
        CHECK(r.answer ==
              Lines{"out.example.com. 600 IN DNAME example.net.", "x.out.example.com. 600 IN CNAME x.example.net."});
        CHECK(r.authority.empty());
        CHECK(r.additional.empty());
        // Owners keep the query's case; the synthesised target is lowercased, as NSD and Knot write it.
        auto mixed = ask_dname("A.b.Out.example.com.", A);
        CHECK(mixed.answer ==
              Lines{"Out.example.com. 600 IN DNAME example.net.", "A.b.Out.example.com. 600 IN CNAME a.b.example.net."});
    }

    TEST_CASE("a DNAME into the zone is followed, through CNAMEs too") {
        auto host = ask_dname("host.in.example.com.", AAAA);
        CHECK(host.rcode() == LDNS_RCODE_NOERROR);
        CHECK(host.aa());
        CHECK(host.answer == Lines{dname_in, "host.in.example.com. 600 IN CNAME host.target.example.com.",
                                   "host.target.example.com. 300 IN AAAA 2001:db8::20"});
        auto www = ask_dname("www.in.example.com.", A);
        CHECK(www.answer == Lines{dname_in, "www.in.example.com. 600 IN CNAME www.target.example.com.",
                                  "www.target.example.com. 300 IN CNAME www.example.com.",
                                  "www.example.com. 300 IN A 192.0.2.10", "www.example.com. 300 IN A 192.0.2.11"});
    }

    TEST_CASE("chains that mix CNAME and DNAME") {
        auto cname_first = ask_dname("cn.example.com.", A);
        CHECK(cname_first.answer == Lines{"cn.example.com. 300 IN CNAME host.in.example.com.", dname_in,
                                          "host.in.example.com. 600 IN CNAME host.target.example.com.",
                                          "host.target.example.com. 300 IN A 192.0.2.20"});
        auto two_dnames = ask_dname("host.twice.example.com.", A);
        CHECK(two_dnames.answer == Lines{"twice.example.com. 300 IN DNAME in.example.com.",
                                         "host.twice.example.com. 300 IN CNAME host.in.example.com.", dname_in,
                                         "host.in.example.com. 600 IN CNAME host.target.example.com.",
                                         "host.target.example.com. 300 IN A 192.0.2.20"});
    }

    TEST_CASE("a DNAME loop ends; a chain through one DNAME many times lists it once and stops after 12 more links") {
        auto loop = ask_dname("x.la.example.com.", A);
        CHECK(loop.rcode() == LDNS_RCODE_NOERROR);
        CHECK(loop.answer == Lines{"la.example.com. 300 IN DNAME lb.example.com.",
                                   "x.la.example.com. 300 IN CNAME x.lb.example.com.",
                                   "lb.example.com. 300 IN DNAME la.example.com.",
                                   "x.lb.example.com. 300 IN CNAME x.la.example.com."});
        auto grow = ask_dname("a.grow.example.com.", A, Transport::tcp);
        CHECK(grow.rcode() == LDNS_RCODE_NOERROR);
        REQUIRE(grow.answer.size() == 14);
        CHECK(grow.answer[0] == "grow.example.com. 300 IN DNAME x.grow.example.com.");
        CHECK(grow.answer[1] == "a.grow.example.com. 300 IN CNAME a.x.grow.example.com.");
        CHECK(grow.answer[13] == "a.x.x.x.x.x.x.x.x.x.x.x.x.grow.example.com. 300 IN CNAME "
                                 "a.x.x.x.x.x.x.x.x.x.x.x.x.x.grow.example.com.");
    }

    TEST_CASE("a DNAME into a delegation: AA stays, the referral follows") {
        auto r = ask_dname("host.todel.example.com.", A);
        CHECK(r.rcode() == LDNS_RCODE_NOERROR);
        CHECK(r.aa());
        CHECK(r.answer == Lines{"todel.example.com. 300 IN DNAME sub.example.com.",
                                "host.todel.example.com. 300 IN CNAME host.sub.example.com."});
        CHECK(r.authority == Lines{"sub.example.com. 300 IN NS ns.sub.example.com."});
        CHECK(r.additional == Lines{"ns.sub.example.com. 300 IN A 192.0.2.60"});
    }

    TEST_CASE("a DNAME to a name that does not exist: NXDOMAIN with the SOA (RFC 6604)") {
        for (const char* name : {"x.tonx.example.com.", "x.in.example.com."}) {
            CAPTURE(name);
            auto r = ask_dname(name, A);
            CHECK(r.rcode() == LDNS_RCODE_NXDOMAIN);
            CHECK(r.aa());
            REQUIRE(r.answer.size() == 2);
            CHECK(r.answer[1].find(" IN CNAME x.") != std::string::npos);
            CHECK(r.authority == Lines{soa_600});
        }
    }

    TEST_CASE("YXDOMAIN when the synthesised name would pass 255 octets (RFC 6672 section 2.2), as NSD answers") {
        const std::string long_dname =
            "long.example.com. 300 IN DNAME aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa."
            "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb."
            "ccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc.example.com.";
        // 64 octets of label and 204 of target: 268.
        const std::string label(63, 'q');
        auto over = ask_dname((label + ".long.example.com.").c_str(), A);
        CHECK(over.rcode() == LDNS_RCODE_YXDOMAIN);
        CHECK(over.aa());
        CHECK(over.answer == Lines{long_dname});
        CHECK(over.authority.empty());
        // A short label still fits (206 octets).
        auto fits = ask_dname("q.long.example.com.", A);
        CHECK(fits.rcode() == LDNS_RCODE_NXDOMAIN);
        CHECK(fits.answer.size() == 2);
    }

    TEST_CASE("the DNAME's owner holds ordinary data: DNAME, ANY and other types there") {
        CHECK(ask_dname("out.example.com.", A).answer == Lines{"out.example.com. 300 IN A 192.0.2.77"});
        CHECK(ask_dname("out.example.com.", DNAME).answer == Lines{"out.example.com. 600 IN DNAME example.net."});
        auto nodata = ask_dname("out.example.com.", MX);
        CHECK(nodata.rcode() == LDNS_RCODE_NOERROR);
        CHECK(nodata.answer.empty());
        CHECK(nodata.authority == Lines{soa_600});
        // RFC 8482: over UDP the RRset of lowest type, over TCP all of them.
        CHECK(ask_dname("out.example.com.", ANY).answer == Lines{"out.example.com. 300 IN A 192.0.2.77"});
        CHECK(ask_dname("out.example.com.", ANY, Transport::tcp).answer ==
              Lines{"out.example.com. 300 IN A 192.0.2.77", "out.example.com. 300 IN TXT \"owner data\"",
                    "out.example.com. 600 IN DNAME example.net."});
    }

    TEST_CASE("below the owner: qtype CNAME ends at the synthesised CNAME; DNAME and ANY are chased") {
        auto cname = ask_dname("host.in.example.com.", CNAME);
        CHECK(cname.rcode() == LDNS_RCODE_NOERROR);
        CHECK(cname.answer == Lines{dname_in, "host.in.example.com. 600 IN CNAME host.target.example.com."});
        CHECK(cname.authority.empty());
        auto dname = ask_dname("host.in.example.com.", DNAME);
        CHECK(dname.rcode() == LDNS_RCODE_NOERROR);
        CHECK(dname.answer == Lines{dname_in, "host.in.example.com. 600 IN CNAME host.target.example.com."});
        CHECK(dname.authority == Lines{soa_600});
        auto any = ask_dname("host.in.example.com.", ANY, Transport::tcp);
        CHECK(any.answer == Lines{dname_in, "host.in.example.com. 600 IN CNAME host.target.example.com.",
                                  "host.target.example.com. 300 IN A 192.0.2.20",
                                  "host.target.example.com. 300 IN AAAA 2001:db8::20"});
    }

    TEST_CASE("a DNAME at a wildcard is the wildcard's data; only its literal name redirects") {
        auto synthesised = ask_dname("foo.w.example.com.", A);
        CHECK(synthesised.rcode() == LDNS_RCODE_NOERROR);
        CHECK(synthesised.answer.empty());
        CHECK(synthesised.authority == Lines{soa_600});
        CHECK(ask_dname("foo.w.example.com.", DNAME).answer == Lines{"foo.w.example.com. 300 IN DNAME example.org."});
        CHECK(ask_dname("a.*.w.example.com.", A).answer ==
              Lines{"*.w.example.com. 300 IN DNAME example.org.", "a.*.w.example.com. 300 IN CNAME a.example.org."});
    }

    TEST_CASE("the DNAME's target goes out uncompressed (RFC 6672 section 2.5)") {
        auto r = ask_dname("x.in.example.com.", A);
        REQUIRE(r.answer.size() == 2);
        // TYPE DNAME, CLASS IN, TTL 600, then RDLENGTH and the whole name, byte for byte.
        const std::string target = wire_name("target.example.com.");
        std::vector<std::uint8_t> expected = {0, DNAME, 0, IN, 0, 0, 2, 88, 0, static_cast<std::uint8_t>(target.size())};
        expected.insert(expected.end(), target.begin(), target.end());
        auto at = std::search(r.wire.begin(), r.wire.end(), expected.begin(), expected.end());
        CHECK(at != r.wire.end());
    }
}
