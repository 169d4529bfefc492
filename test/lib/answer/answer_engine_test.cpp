// The answering pipeline, packet in and packet out, with no sockets: what
// goes into each section for each kind of name (RFC 1034, 2308, 4592, 6604).
#include "answer_test_support.hpp"

using namespace azdns;
using namespace azdns::answer_test;

TEST_SUITE("answer") {
    TEST_CASE("positive answer: AA, ID, RD echoed, RA clear") {
        auto r = ask("www.example.com.", A, {.id = 0xBEEF, .rd = true});
        CHECK(r.rcode() == LDNS_RCODE_NOERROR);
        CHECK(r.aa());
        CHECK_FALSE(r.tc());
        CHECK(ldns_pkt_id(r.pkt.get()) == 0xBEEF);
        CHECK(ldns_pkt_rd(r.pkt.get()));
        CHECK_FALSE(r.has_opt());
        CHECK(r.answer == Lines{"www.example.com. 3600 IN A 192.0.2.10", "www.example.com. 3600 IN A 192.0.2.11"});
        CHECK(r.authority.empty());
        CHECK(r.additional.empty());
        auto r2 = ask("www.example.com.", A);
        CHECK_FALSE(ldns_pkt_rd(r2.pkt.get()));
    }

    TEST_CASE("0x20: question and owners keep the query's case, via compression") {
        auto r = ask("wWw.ExAmPlE.cOm.", A);
        auto q = ldns_pkt_question(r.pkt.get());
        CHECK(rr_text(ldns_rr_list_rr(q, 0)) == "wWw.ExAmPlE.cOm. IN A");
        CHECK(r.answer == Lines{"wWw.ExAmPlE.cOm. 3600 IN A 192.0.2.10", "wWw.ExAmPlE.cOm. 3600 IN A 192.0.2.11"});
        // Each owner is a 2-byte pointer to offset 12.
        std::size_t question_end = 12 + wire_name("www.example.com.").size() + 4;
        CHECK(r.wire[question_end] == 0xC0);
        CHECK(r.wire[question_end + 1] == 12);
        auto n = ask("nope.ExAmPlE.cOm.", A);
        CHECK(n.authority.at(0).rfind("ExAmPlE.cOm. 300 IN SOA", 0) == 0);
    }

    TEST_CASE("CNAME chain inside the zone") {
        auto r = ask("chain1.example.com.", A);
        CHECK(r.rcode() == LDNS_RCODE_NOERROR);
        CHECK(r.aa());
        CHECK(r.answer == Lines{"chain1.example.com. 3600 IN CNAME chain2.example.com.",
                                "chain2.example.com. 3600 IN CNAME www.example.com.",
                                "www.example.com. 3600 IN A 192.0.2.10", "www.example.com. 3600 IN A 192.0.2.11"});
        auto c = ask("alias.example.com.", CNAME);
        CHECK(c.answer == Lines{"alias.example.com. 3600 IN CNAME www.example.com."});
    }

    TEST_CASE("CNAME to a name outside the zone stops there") {
        auto r = ask("outside.example.com.", A);
        CHECK(r.rcode() == LDNS_RCODE_NOERROR);
        CHECK(r.aa());
        CHECK(r.answer == Lines{"outside.example.com. 3600 IN CNAME www.example.org."});
        CHECK(r.authority.empty());
    }

    TEST_CASE("CNAME to a missing in-zone name: NXDOMAIN (RFC 6604), SOA") {
        auto r = ask("dangling.example.com.", A);
        CHECK(r.rcode() == LDNS_RCODE_NXDOMAIN);
        CHECK(r.aa());
        CHECK(r.answer == Lines{"dangling.example.com. 3600 IN CNAME nothere.example.com."});
        CHECK(r.authority == Lines{soa_300});
    }

    TEST_CASE("CNAME loops end") {
        auto r = ask("loop1.example.com.", A);
        CHECK(r.rcode() == LDNS_RCODE_NOERROR);
        CHECK(r.answer == Lines{"loop1.example.com. 3600 IN CNAME loop2.example.com.",
                                "loop2.example.com. 3600 IN CNAME loop1.example.com."});
        auto s = ask("self.example.com.", A);
        CHECK(s.answer == Lines{"self.example.com. 3600 IN CNAME self.example.com."});
    }

    TEST_CASE("a long CNAME chain is followed for 12 hops after the first, then answered as far as it got") {
        auto r = ask("c0.example.com.", A);
        CHECK(r.rcode() == LDNS_RCODE_NOERROR);
        REQUIRE(r.answer.size() == 13);
        CHECK(r.answer.back() == "c12.example.com. 3600 IN CNAME c13.example.com.");
        CHECK(ask("c10.example.com.", A).answer.back() == "c20.example.com. 3600 IN A 192.0.2.99");
    }

    TEST_CASE("NXDOMAIN and NODATA carry the SOA with min(TTL, MINIMUM)") {
        auto nx = ask("nope.example.com.", A);
        CHECK(nx.rcode() == LDNS_RCODE_NXDOMAIN);
        CHECK(nx.aa());
        CHECK(nx.answer.empty());
        CHECK(nx.authority == Lines{soa_300});
        auto nodata = ask("www.example.com.", AAAA);
        CHECK(nodata.rcode() == LDNS_RCODE_NOERROR);
        CHECK(nodata.aa());
        CHECK(nodata.answer.empty());
        CHECK(nodata.authority == Lines{soa_300});
    }

    TEST_CASE("empty non-terminal: NODATA") {
        for (const char* name : {"b.ent.example.com.", "ent.example.com."}) {
            auto r = ask(name, A);
            CHECK(r.rcode() == LDNS_RCODE_NOERROR);
            CHECK(r.answer.empty());
            CHECK(r.authority == Lines{soa_300});
        }
    }

    TEST_CASE("wildcards: synthesised at the query name, NODATA, and a wildcard CNAME") {
        auto r = ask("Foo.Wild.example.com.", TXT);
        CHECK(r.rcode() == LDNS_RCODE_NOERROR);
        CHECK(r.aa());
        CHECK(r.answer == Lines{"Foo.Wild.example.com. 3600 IN TXT \"wild\""});
        auto deep = ask("a.b.wild.example.com.", A);
        CHECK(deep.answer == Lines{"a.b.wild.example.com. 3600 IN A 192.0.2.20"});
        auto nodata = ask("foo.wild.example.com.", MX);
        CHECK(nodata.rcode() == LDNS_RCODE_NOERROR);
        CHECK(nodata.answer.empty());
        CHECK(nodata.authority == Lines{soa_300});
        auto wc = ask("x.wc.example.com.", A);
        CHECK(wc.answer == Lines{"x.wc.example.com. 3600 IN CNAME www.example.com.",
                                 "www.example.com. 3600 IN A 192.0.2.10", "www.example.com. 3600 IN A 192.0.2.11"});
    }

    TEST_CASE("referral: AA=0, NS in authority, glue in additional") {
        for (const char* name : {"sub.example.com.", "host.deep.sub.example.com."}) {
            auto r = ask(name, A);
            CHECK(r.rcode() == LDNS_RCODE_NOERROR);
            CHECK_FALSE(r.aa());
            CHECK(r.answer.empty());
            CHECK(r.authority ==
                  Lines{"sub.example.com. 3600 IN NS ns.sub.example.com.", "sub.example.com. 3600 IN NS ns1.example.com."});
            CHECK(r.additional == Lines{"ns.sub.example.com. 3600 IN A 192.0.2.40",
                                        "ns.sub.example.com. 3600 IN AAAA 2001:db8::40",
                                        "ns1.example.com. 3600 IN A 192.0.2.1", "ns1.example.com. 3600 IN AAAA 2001:db8::1"});
        }
        auto ns = ask("sub.example.com.", NS);
        CHECK_FALSE(ns.aa());
        CHECK(ns.answer.empty());
        CHECK(ns.authority.size() == 2);
        // Glue is not an answer: a query for it is a referral too.
        auto glue = ask("ns.sub.example.com.", A);
        CHECK_FALSE(glue.aa());
        CHECK(glue.answer.empty());
    }

    TEST_CASE("DS at the cut is answered from the parent side") {
        auto r = ask("sub.example.com.", DS);
        CHECK(r.aa());
        REQUIRE(r.answer.size() == 1);
        CHECK(r.answer[0].rfind("sub.example.com. 3600 IN DS 12345 13 2", 0) == 0);
    }

    TEST_CASE("DS at a zone cut where both sides are served: the parent answers, authoritatively") {
        ZoneSet both = load_example_zone("answer/example.zone");  // slot 0; delegates sub (with DS) and fat (none)
        add_zone(both, "sub.example.com.", "answer/child.zone");
        add_zone(both, "fat.example.com.", "answer/child.zone");
        AnswerEngine engine({});
        std::vector<std::uint8_t> buffer(max_message_size);
        AnswerStats stats;
        REQUIRE(engine.answer(make_query("sub.example.com.", DS), both, client_over(Transport::udp), buffer, nullptr,
                              &stats) > 0);
        CHECK(stats.zone_slot == 0);

        auto ds = ask_zones(make_query("Sub.Example.com.", DS), both, Transport::udp);
        CHECK(ds.rcode() == LDNS_RCODE_NOERROR);
        CHECK(ds.aa());
        REQUIRE(ds.answer.size() == 1);
        CHECK(ds.answer[0].rfind("Sub.Example.com. 3600 IN DS 12345 13 2", 0) == 0);
        CHECK(ds.authority.empty());
        // No DS at the parent's cut: the parent's NODATA, with the parent's SOA.
        auto none = ask_zones(make_query("fat.example.com.", DS), both, Transport::udp);
        CHECK(none.rcode() == LDNS_RCODE_NOERROR);
        CHECK(none.aa());
        CHECK(none.answer.empty());
        CHECK(none.authority == Lines{soa_300});
        // Everything else at the child's apex, and DS below it, is the child's.
        const std::string child_soa = "sub.example.com. 900 IN SOA ns.sub.example.com. hostmaster.sub.example.com. 7 "
                                      "7200 3600 1209600 900";
        CHECK(ask_zones(make_query("sub.example.com.", SOA), both, Transport::udp).answer == Lines{child_soa});
        auto ns = ask_zones(make_query("sub.example.com.", NS), both, Transport::udp);
        CHECK(ns.aa());
        CHECK(ns.answer == Lines{"sub.example.com. 900 IN NS ns.sub.example.com."});
        CHECK(ask_zones(make_query("ns.sub.example.com.", DS), both, Transport::udp).authority == Lines{child_soa});
    }

    TEST_CASE("DS at the apex of a zone whose parent is not served: the child's NODATA, as NSD and Knot answer") {
        ZoneSet child;
        add_zone(child, "sub.example.com.", "answer/child.zone");
        auto r = ask_zones(make_query("sub.example.com.", DS), child, Transport::udp);
        CHECK(r.rcode() == LDNS_RCODE_NOERROR);
        CHECK(r.aa());
        CHECK(r.answer.empty());
        CHECK(r.authority == Lines{"sub.example.com. 900 IN SOA ns.sub.example.com. hostmaster.sub.example.com. 7 "
                                   "7200 3600 1209600 900"});
    }

    TEST_CASE("additional addresses for MX, SRV and apex NS") {
        auto mx = ask("example.com.", MX);
        CHECK(mx.aa());
        CHECK(mx.answer == Lines{"example.com. 3600 IN MX 10 mail.example.com.",
                                 "example.com. 3600 IN MX 20 mx.elsewhere.net."});
        CHECK(mx.additional ==
              Lines{"mail.example.com. 3600 IN A 192.0.2.5", "mail.example.com. 3600 IN AAAA 2001:db8::5"});
        auto srv = ask("_sip._tcp.example.com.", SRV);
        CHECK(srv.additional == Lines{"sip.example.com. 3600 IN A 192.0.2.7"});
        auto ns = ask("example.com.", NS);
        CHECK(ns.answer == Lines{"example.com. 3600 IN NS ns1.example.com.", "example.com. 3600 IN NS ns2.example.com."});
        CHECK(ns.additional == Lines{"ns1.example.com. 3600 IN A 192.0.2.1", "ns1.example.com. 3600 IN AAAA 2001:db8::1",
                                     "ns2.example.com. 3600 IN A 192.0.2.2"});
    }

    TEST_CASE("an RRset is never in two sections") {
        auto r = ask("mail.example.com.", ANY, {}, Transport::tcp);
        CHECK(r.answer == Lines{"mail.example.com. 3600 IN A 192.0.2.5", "mail.example.com. 3600 IN AAAA 2001:db8::5"});
        CHECK(r.additional.empty());
    }

    TEST_CASE("REFUSED outside every zone, without AA") {
        auto r = ask("www.example.org.", A);
        CHECK(r.rcode() == LDNS_RCODE_REFUSED);
        CHECK_FALSE(r.aa());
        CHECK(r.answer.empty());
        CHECK(ldns_rr_list_rr_count(ldns_pkt_question(r.pkt.get())) == 1);
        CHECK(ask("www.example.com.", A, {.qclass = 4}).rcode() == LDNS_RCODE_REFUSED);
        CHECK(ask("www.example.com.", A, {.qclass = 255}).rcode() == LDNS_RCODE_REFUSED);
    }

    TEST_CASE("truncation over UDP drops whole RRsets and sets TC; TCP is complete") {
        auto udp = ask("big.example.com.", TXT);
        CHECK(udp.tc());
        CHECK(udp.answer.empty());
        CHECK(udp.wire.size() <= 512);
        auto tcp = ask("big.example.com.", TXT, {}, Transport::tcp);
        CHECK_FALSE(tcp.tc());
        CHECK(tcp.answer.size() == 40);
        auto edns = ask("big.example.com.", TXT, {.edns = true, .udp_size = 4096});
        CHECK(edns.tc());
        CHECK(edns.has_opt());  // the OPT always fits
        CHECK(edns.wire.size() <= 1232);
    }

    TEST_CASE("the client: its transport decides, its address and port are taken as given") {
        AnswerEngine engine({});
        std::vector<std::uint8_t> buffer(max_message_size);
        auto rcode_and_answers = [&](const std::vector<std::uint8_t>& query, const Client& client) {
            std::size_t n = engine.answer(query, zones(), client, buffer);
            REQUIRE(n >= 12);
            return std::pair{buffer[3] & 0x0F, buffer[6] << 8 | buffer[7]};
        };
        const auto v4 = *IpAddress::parse("192.0.2.53");
        const auto v6 = *IpAddress::parse("2001:db8::53");
        for (const IpAddress& address : {v4, v6}) {
            CAPTURE(address.to_string());
            const Client udp{address, 5353, Transport::udp};
            const Client tcp{address, 40053, Transport::tcp};
            // AXFR: NOTIMP over UDP, REFUSED over TCP (we serve none).
            CHECK(rcode_and_answers(make_query("example.com.", AXFR), udp).first == 4);
            CHECK(rcode_and_answers(make_query("example.com.", AXFR), tcp).first == 5);
            // ANY: one RRset over UDP (RFC 8482), all of them over TCP.
            CHECK(rcode_and_answers(make_query("mail.example.com.", ANY), udp).second == 1);
            CHECK(rcode_and_answers(make_query("mail.example.com.", ANY), tcp).second == 2);
        }
        // Who asked changes nothing else yet: the same bytes for every address and port.
        auto bytes_for = [&](const Client& client) {
            std::size_t n = engine.answer(make_query("www.example.com.", A), zones(), client, buffer);
            return std::vector<std::uint8_t>(buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(n));
        };
        CHECK(bytes_for({v4, 1, Transport::udp}) == bytes_for({v6, 65535, Transport::udp}));
    }

    TEST_CASE("AnswerStats reports the RCODE, TC, the zone's slot and no health filtering") {
        AnswerEngine engine({});
        std::vector<std::uint8_t> buffer(max_message_size);
        auto stats_for = [&](const std::vector<std::uint8_t>& query, Transport transport = Transport::udp) {
            AnswerStats stats;
            stats.health_filtered = true;  // overwritten
            REQUIRE(engine.answer(query, zones(), client_over(transport), buffer, nullptr, &stats) > 0);
            return stats;
        };
        AnswerStats ok = stats_for(make_query("www.example.com.", A));
        CHECK(ok.rcode == 0);
        CHECK_FALSE(ok.truncated);
        CHECK_FALSE(ok.health_filtered);
        CHECK(ok.zone_slot == 0);
        CHECK(stats_for(make_query("nope.example.com.", A)).rcode == 3);
        AnswerStats refused = stats_for(make_query("www.example.org.", A));
        CHECK(refused.rcode == 5);
        CHECK(refused.zone_slot == AnswerStats::no_zone);
        CHECK(stats_for(make_query("www.example.com.", A, {.opcode = 2})).rcode == 4);
        CHECK(stats_for(make_query("www.example.com.", A, {.edns = true, .version = 1})).rcode == 16);
        CHECK(stats_for(make_query("big.example.com.", TXT)).truncated);
        CHECK_FALSE(stats_for(make_query("big.example.com.", TXT), Transport::tcp).truncated);
        // No response at all: stats are left alone.
        auto response = make_query("www.example.com.", A);
        response[2] |= 0x80;  // QR=1
        AnswerStats untouched;
        untouched.rcode = 99;
        CHECK(engine.answer(response, zones(), client_over(Transport::udp), buffer, nullptr, &untouched) == 0);
        CHECK(untouched.rcode == 99);
    }
}
