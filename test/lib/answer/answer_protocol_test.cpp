// The answering pipeline's protocol side, packet in and packet out: EDNS,
// CH, ANY, opcodes, malformed and random packets, and no allocation.
#include <cstdlib>
#include <new>
#include <random>

#include "answer_test_support.hpp"

using namespace azdns;
using namespace azdns::answer_test;

// Counts heap allocations, to prove the answer path makes none. new and
// delete are replaced together (malloc and free), so GCC's mismatch warning,
// which cannot see that, does not apply.
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
namespace {
std::size_t allocations = 0;
}
void* operator new(std::size_t size) {
    ++allocations;
    if (void* p = std::malloc(size ? size : 1)) return p;
    throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }

TEST_SUITE("answer protocol") {
    TEST_CASE("EDNS payload size: the client's, at least 512, at most ours") {
        CHECK(ask("mid.example.com.", TXT).tc());
        auto fits = ask("mid.example.com.", TXT, {.edns = true, .udp_size = 4096});
        CHECK_FALSE(fits.tc());
        CHECK(fits.answer.size() == 12);
        CHECK(fits.wire.size() > 512);
        CHECK(ldns_pkt_edns_udp_size(fits.pkt.get()) == 1232);
        CHECK(ask("mid.example.com.", TXT, {.edns = true, .udp_size = 512}).tc());
        CHECK(ask("mid.example.com.", TXT, {.edns = true, .udp_size = 100}).tc());  // floor 512
        AnswerOptions small;
        small.edns_udp_size = 600;
        auto ours = ask("mid.example.com.", TXT, {.edns = true, .udp_size = 4096}, Transport::udp, small);
        CHECK(ours.tc());
        CHECK(ours.wire.size() <= 600);
        CHECK(ldns_pkt_edns_udp_size(ours.pkt.get()) == 600);
    }

    TEST_CASE("the room a response needs: what we offer over UDP (at least 512), 65535 over TCP") {
        AnswerOptions options;
        CHECK(AnswerEngine(options).max_response_size(Transport::udp) == 1232);
        CHECK(AnswerEngine(options).max_response_size(Transport::tcp) == max_message_size);
        options.edns_udp_size = 100;
        CHECK(AnswerEngine(options).max_response_size(Transport::udp) == 512);
        options.edns_udp_size = 65535;
        AnswerEngine engine(options);
        REQUIRE(engine.max_response_size(Transport::udp) == 65535);
        // A buffer of exactly that size holds the largest answer a client may get.
        std::vector<std::uint8_t> buffer(engine.max_response_size(Transport::udp));
        std::size_t n = engine.answer(make_query("big.example.com.", TXT, {.edns = true, .udp_size = 65535}), zones(),
                                      client_over(Transport::udp), buffer);
        CHECK(n > 1232);
        CHECK((buffer[2] & 0x02) == 0);  // TC clear: all 40 TXT records fit
    }

    TEST_CASE("referral glue that does not fit sets TC; other additional data is dropped silently") {
        auto r = ask("www.fat.example.com.", A);
        CHECK_FALSE(r.aa());
        CHECK(r.tc());
        CHECK(r.authority.size() == 2);
        auto tcp = ask("www.fat.example.com.", A, {}, Transport::tcp);
        CHECK_FALSE(tcp.tc());
        CHECK(tcp.additional.size() == 78);
    }

    TEST_CASE("OPT: echoed only when sent, DO echoed, unknown options ignored") {
        auto r = ask("www.example.com.", A, {.edns = true, .dnssec_ok = true});
        REQUIRE(r.has_opt());
        CHECK(ldns_pkt_edns_do(r.pkt.get()));
        CHECK(ldns_pkt_edns_version(r.pkt.get()) == 0);
        CHECK(r.answer.size() == 2);
        auto no_do = ask("www.example.com.", A, {.edns = true});
        CHECK_FALSE(ldns_pkt_edns_do(no_do.pkt.get()));
    }

    TEST_CASE("BADVERS for EDNS version 1") {
        auto r = ask("www.example.com.", A, {.edns = true, .version = 1});
        REQUIRE(r.has_opt());
        CHECK(r.rcode() == 0);
        CHECK(ldns_pkt_edns_extended_rcode(r.pkt.get()) == 1);
        CHECK(ldns_pkt_edns_version(r.pkt.get()) == 0);
        CHECK(r.answer.empty());
        CHECK(r.authority.empty());
    }

    TEST_CASE("NSID when asked and configured") {
        AnswerOptions options;
        options.identity = "ns-a.az1";
        auto r = ask("www.example.com.", A, {.edns = true, .nsid = true}, Transport::udp, options);
        ldns_rdf* data = ldns_pkt_edns_data(r.pkt.get());
        REQUIRE(data != nullptr);
        std::string raw(reinterpret_cast<const char*>(ldns_rdf_data(data)), ldns_rdf_size(data));
        CHECK(raw == std::string("\0\3\0\10ns-a.az1", 12));
        auto unasked = ask("www.example.com.", A, {.edns = true}, Transport::udp, options);
        CHECK(ldns_pkt_edns_data(unasked.pkt.get()) == nullptr);
        auto unset = ask("www.example.com.", A, {.edns = true, .nsid = true});
        CHECK(ldns_pkt_edns_data(unset.pkt.get()) == nullptr);
    }

    TEST_CASE("Extended DNS Error 20 (Not Authoritative) on REFUSED for a name in no zone we serve, as NSD and Knot") {
        auto r = ask("www.example.org.", A, {.edns = true});
        CHECK(r.rcode() == LDNS_RCODE_REFUSED);
        REQUIRE(r.has_opt());
        CHECK(extended_error(r) == "20 ");  // no EXTRA-TEXT
        // With NSID too: both options.
        AnswerOptions options;
        options.identity = "ns-a.az1";
        auto both = ask("www.example.org.", A, {.edns = true, .nsid = true}, Transport::tcp, options);
        CHECK(extended_error(both) == "20 ");
        ldns_rdf* data = ldns_pkt_edns_data(both.pkt.get());
        REQUIRE(data != nullptr);
        std::string options_sent(reinterpret_cast<const char*>(ldns_rdf_data(data)), ldns_rdf_size(data));
        CHECK(options_sent.substr(0, 12) == std::string("\0\3\0\10ns-a.az1", 12));
        // Only to a client that sent EDNS, version 0.
        auto plain = ask("www.example.org.", A);
        CHECK(plain.rcode() == LDNS_RCODE_REFUSED);
        CHECK_FALSE(plain.has_opt());
        auto badvers = ask("www.example.org.", A, {.edns = true, .version = 1});
        CHECK(ldns_pkt_edns_extended_rcode(badvers.pkt.get()) == 1);
        CHECK(extended_error(badvers).empty());
        // Not on answers from our zones, nor on REFUSED for CH (where NSD and Knot differ).
        CHECK(extended_error(ask("www.example.com.", A, {.edns = true})).empty());
        CHECK(extended_error(ask("nope.example.com.", A, {.edns = true})).empty());
        CHECK(extended_error(ask("version.bind.", TXT, {.qclass = CH, .edns = true})).empty());
    }

    TEST_CASE("Extended DNS Error 18 (Prohibited) on a refused transfer, as NSD") {
        for (Transport transport : {Transport::udp, Transport::tcp}) {
            auto ixfr = ask("example.com.", IXFR, {.edns = true}, transport);
            CHECK(ixfr.rcode() == LDNS_RCODE_REFUSED);
            CHECK(extended_error(ixfr) == "18 ");
            CHECK_FALSE(ask("example.com.", IXFR, {}, transport).has_opt());
        }
        CHECK(extended_error(ask("example.com.", AXFR, {.edns = true}, Transport::tcp)) == "18 ");
        // NOTIMP (AXFR over UDP) and NOTAUTH carry none, as with NSD.
        CHECK(extended_error(ask("example.com.", AXFR, {.edns = true})).empty());
        CHECK(extended_error(ask("www.example.com.", IXFR, {.edns = true})).empty());
    }

    TEST_CASE("an Extended DNS Error never takes the response past the client's payload size") {
        // A question of 12 + 200 + 4 bytes and an NSID that leave `spare`
        // bytes under 512: the EDE (4 + 2 bytes) goes in only when it fits.
        const std::string name = std::string(63, 'x') + "." + std::string(63, 'y') + "." + std::string(63, 'z') + "." +
                                 std::string(2, 'w') + ".org.";
        REQUIRE(wire_name(name.c_str()).size() == 200);
        for (std::size_t spare : {0, 5, 6, 7}) {
            CAPTURE(spare);
            AnswerOptions options;
            options.identity = std::string(512 - 12 - 200 - 4 - (11 + 4) - spare, 'n');
            auto r = ask(make_query(name.c_str(), A, {.edns = true, .udp_size = 512, .nsid = true}), Transport::udp,
                         options);
            CHECK(r.rcode() == LDNS_RCODE_REFUSED);
            CHECK(r.wire.size() <= 512);
            REQUIRE(r.has_opt());
            CHECK(ldns_pkt_edns_data(r.pkt.get()) != nullptr);  // the NSID stays
            CHECK(extended_error(r) == (spare >= 6 ? "20 " : ""));
        }
    }

    TEST_CASE("CH TXT identity and version") {
        AnswerOptions options;
        options.identity = "ns-a.az1";
        options.version = "azdns 0.1";
        auto id = ask("id.server.", TXT, {.qclass = CH}, Transport::udp, options);
        CHECK(id.rcode() == LDNS_RCODE_NOERROR);
        CHECK(id.aa());
        CHECK(id.answer == Lines{"id.server. 0 CH TXT \"ns-a.az1\""});
        auto host = ask("HOSTNAME.bind.", TXT, {.qclass = CH}, Transport::udp, options);
        CHECK(host.answer == Lines{"HOSTNAME.bind. 0 CH TXT \"ns-a.az1\""});
        auto version = ask("version.bind.", TXT, {.qclass = CH}, Transport::udp, options);
        CHECK(version.answer == Lines{"version.bind. 0 CH TXT \"azdns 0.1\""});
        CHECK(ask("version.server.", TXT, {.qclass = CH}, Transport::udp, options).answer.size() == 1);
        CHECK(ask("version.bind.", TXT, {.qclass = CH}).rcode() == LDNS_RCODE_REFUSED);
        CHECK(ask("id.server.", TXT, {.qclass = CH}).rcode() == LDNS_RCODE_REFUSED);
        CHECK(ask("authors.bind.", TXT, {.qclass = CH}, Transport::udp, options).rcode() == LDNS_RCODE_REFUSED);
        CHECK(ask("version.bind.", A, {.qclass = CH}, Transport::udp, options).rcode() == LDNS_RCODE_REFUSED);
    }

    TEST_CASE("ANY: one RRset (lowest type) over UDP, all over TCP") {
        auto udp = ask("www.example.com.", ANY);
        CHECK(udp.aa());
        CHECK(udp.answer == Lines{"www.example.com. 3600 IN A 192.0.2.10", "www.example.com. 3600 IN A 192.0.2.11"});
        auto tcp = ask("www.example.com.", ANY, {}, Transport::tcp);
        CHECK(tcp.answer == Lines{"www.example.com. 3600 IN A 192.0.2.10", "www.example.com. 3600 IN A 192.0.2.11",
                                  "www.example.com. 3600 IN TXT \"hello\""});
        auto cname = ask("alias.example.com.", ANY);
        CHECK(cname.answer == Lines{"alias.example.com. 3600 IN CNAME www.example.com."});
        auto ent = ask("ent.example.com.", ANY);
        CHECK(ent.answer.empty());
        CHECK(ent.authority == Lines{soa_300});
        CHECK(ask("nope.example.com.", ANY).rcode() == LDNS_RCODE_NXDOMAIN);
        auto wild = ask("q.wild.example.com.", ANY, {}, Transport::tcp);
        CHECK(wild.answer == Lines{"q.wild.example.com. 3600 IN A 192.0.2.20", "q.wild.example.com. 3600 IN TXT \"wild\""});
    }

    TEST_CASE("NOTIMP for other opcodes, question echoed") {
        auto r = ask("www.example.com.", A, {.opcode = 2});
        CHECK(r.rcode() == LDNS_RCODE_NOTIMPL);
        CHECK(ldns_pkt_get_opcode(r.pkt.get()) == LDNS_PACKET_STATUS);
        CHECK(ldns_rr_list_rr_count(ldns_pkt_question(r.pkt.get())) == 1);
        CHECK(r.answer.empty());
        CHECK(ask("www.example.com.", SOA, {.opcode = 5}).rcode() == LDNS_RCODE_NOTIMPL);
        // An UPDATE whose body we cannot even parse is still NOTIMP.
        auto update = make_query("example.com.", SOA, {.opcode = 5});
        update.push_back(7);
        auto ru = ask(update);
        CHECK(ru.rcode() == LDNS_RCODE_NOTIMPL);
        CHECK(ldns_rr_list_rr_count(ldns_pkt_question(ru.pkt.get())) == 1);
        // And with no question at all (NSD and Knot: NOTIMP), header only.
        for (std::uint8_t opcode : {1, 2, 3, 4, 5, 15}) {
            CAPTURE(int(opcode));
            auto bare = make_query("example.com.", SOA, {.opcode = opcode});
            bare.resize(12);
            bare[5] = 0;  // QDCOUNT 0
            auto rb = ask(bare);
            CHECK(rb.rcode() == LDNS_RCODE_NOTIMPL);
            CHECK(((rb.wire[2] >> 3) & 0x0F) == opcode);  // not ldns's enum: it has no 15
            CHECK(rb.wire.size() == 12);
        }
        // A QUERY with no question stays FORMERR.
        auto query = make_query("example.com.", SOA);
        query.resize(12);
        query[5] = 0;
        CHECK(ask(query).rcode() == LDNS_RCODE_FORMERR);
    }

    TEST_CASE("zone transfers (none served yet), as NSD 4.6 answers them, and Knot 3.2 where both agree") {
        // AXFR needs TCP (RFC 5936 section 4.2): NOTIMP over UDP, whatever the name.
        for (std::string name : {"example.com.", "www.example.com.", "example.org."}) {
            CAPTURE(name);
            auto r = ask(name.c_str(), AXFR);
            CHECK(r.rcode() == LDNS_RCODE_NOTIMPL);
            CHECK_FALSE(r.aa());
            CHECK(ldns_rr_list_rr_count(ldns_pkt_question(r.pkt.get())) == 1);
        }
        // IXFR may come over UDP (RFC 1995 section 2); a zone we serve is refused
        // over UDP and TCP, and so is AXFR over TCP.
        for (Transport transport : {Transport::udp, Transport::tcp}) {
            auto ixfr = ask("example.com.", IXFR, {}, transport);
            CHECK(ixfr.rcode() == LDNS_RCODE_REFUSED);
            CHECK_FALSE(ixfr.aa());
            CHECK(ixfr.answer.empty());
            CHECK(ixfr.authority.empty());
            CHECK(ask("ExAmPlE.cOm.", IXFR, {}, transport).rcode() == LDNS_RCODE_REFUSED);
        }
        CHECK(ask("example.com.", AXFR, {}, Transport::tcp).rcode() == LDNS_RCODE_REFUSED);
        // A transfer of anything that is not the apex of a zone we serve: NOTAUTH.
        for (std::string name : {"www.example.com.", "nope.example.com.", "example.org.", "com."}) {
            CAPTURE(name);
            CHECK(ask(name.c_str(), IXFR).rcode() == LDNS_RCODE_NOTAUTH);
            CHECK(ask(name.c_str(), IXFR, {}, Transport::tcp).rcode() == LDNS_RCODE_NOTAUTH);
            CHECK(ask(name.c_str(), AXFR, {}, Transport::tcp).rcode() == LDNS_RCODE_NOTAUTH);
        }
    }

    TEST_CASE("FORMERR cases") {
        // Meta types in the question.
        CHECK(ask("example.com.", OPT).rcode() == LDNS_RCODE_FORMERR);
        CHECK(ask("example.com.", 250).rcode() == LDNS_RCODE_FORMERR);
        // QDCOUNT 0 and 2: header only.
        auto q = make_query("www.example.com.", A);
        auto none = q;
        none[5] = 0;
        none.resize(12);
        auto r0 = ask(none);
        CHECK(r0.rcode() == LDNS_RCODE_FORMERR);
        CHECK(r0.wire.size() == 12);
        CHECK(ldns_pkt_id(r0.pkt.get()) == 0x1234);
        auto two = q;
        two[5] = 2;
        two.insert(two.end(), q.begin() + 12, q.end());
        auto r2 = ask(two);
        CHECK(r2.rcode() == LDNS_RCODE_FORMERR);
        CHECK(r2.wire.size() == 12);
        // Truncated question.
        auto cut = q;
        cut.resize(cut.size() - 3);
        CHECK(ask(cut).rcode() == LDNS_RCODE_FORMERR);
        // Compressed question name.
        std::vector<std::uint8_t> compressed(q.begin(), q.begin() + 12);
        compressed.insert(compressed.end(), {0xC0, 0x0C, 0, 1, 0, 1});
        CHECK(ask(compressed).rcode() == LDNS_RCODE_FORMERR);
        // Trailing garbage: question echoed.
        auto trailing = q;
        trailing.push_back(0);
        auto rt = ask(trailing);
        CHECK(rt.rcode() == LDNS_RCODE_FORMERR);
        CHECK(ldns_rr_list_rr_count(ldns_pkt_question(rt.pkt.get())) == 1);
        // ARCOUNT promising a record that is not there.
        auto missing = q;
        missing[11] = 1;
        CHECK(ask(missing).rcode() == LDNS_RCODE_FORMERR);
        // Two OPT records.
        QueryOptions e{.edns = true};
        auto two_opt = make_query("www.example.com.", A, e);
        auto opt = opt_record(e);
        two_opt[11] = 2;
        two_opt.insert(two_opt.end(), opt.begin(), opt.end());
        auto r_two = ask(two_opt);
        CHECK(r_two.rcode() == LDNS_RCODE_FORMERR);
        CHECK_FALSE(r_two.has_opt());
        // OPT in the answer section.
        auto opt_answer = make_query("www.example.com.", A, e);
        opt_answer[7] = 1;
        opt_answer[11] = 0;
        CHECK(ask(opt_answer).rcode() == LDNS_RCODE_FORMERR);
        // OPT with a non-root owner.
        auto named = make_query("www.example.com.", A);
        named[11] = 1;
        named.insert(named.end(), {1, 'x', 0});
        named.insert(named.end(), opt.begin() + 1, opt.end());
        CHECK(ask(named).rcode() == LDNS_RCODE_FORMERR);
        // OPT option running past its RDATA.
        auto bad_option = make_query("www.example.com.", A, e);
        bad_option[bad_option.size() - 3] = 0xFF;  // the unknown option's length
        CHECK(ask(bad_option).rcode() == LDNS_RCODE_FORMERR);
    }

    TEST_CASE("a TC=1 query is answered") {
        auto q = make_query("www.example.com.", A);
        q[2] |= 0x02;
        auto r = ask(q);
        CHECK(r.rcode() == LDNS_RCODE_NOERROR);
        CHECK(r.answer.size() == 2);
        CHECK_FALSE(r.tc());
    }

    TEST_CASE("silence for responses and short packets") {
        auto q = make_query("www.example.com.", A);
        q[2] |= 0x80;
        CHECK(ask(q).wire.empty());
        CHECK(ask(std::vector<std::uint8_t>{0x12, 0x34, 0, 0, 0, 1}).wire.empty());
        CHECK(ask(std::vector<std::uint8_t>{}).wire.empty());
    }

    TEST_CASE("random and mutated packets: no crash, nothing written past the length") {
        std::mt19937 rng(20240601);
        AnswerOptions options;
        options.identity = "fuzz";
        options.version = "v";
        AnswerEngine engine(options);
        std::vector<std::vector<std::uint8_t>> seeds = {
            make_query("www.example.com.", A, {.edns = true, .nsid = true}),
            make_query("chain1.example.com.", A),
            make_query("x.wc.example.com.", ANY),
            make_query("host.sub.example.com.", A, {.edns = true, .udp_size = 512}),
            make_query("example.com.", MX),
            make_query("big.example.com.", TXT, {.edns = true}),
            make_query("id.server.", TXT, {.qclass = CH}),
        };
        std::vector<std::uint8_t> buffer(max_message_size + 64);
        int answered = 0;
        for (int i = 0; i < 6000; ++i) {
            std::vector<std::uint8_t> packet;
            if (i % 5 == 0) {
                packet.resize(rng() % 80);
                for (auto& b : packet) b = static_cast<std::uint8_t>(rng());
                if (packet.size() > 2) packet[2] &= 0x7F;
            } else {
                packet = seeds[rng() % seeds.size()];
                int edits = 1 + static_cast<int>(rng() % 4);
                for (int e = 0; e < edits; ++e) {
                    switch (rng() % 4) {
                        case 0: packet[rng() % packet.size()] = static_cast<std::uint8_t>(rng()); break;
                        case 1: packet.resize(rng() % (packet.size() + 1)); break;
                        case 2: packet.push_back(static_cast<std::uint8_t>(rng())); break;
                        default: if (packet.size() > 12) packet[4 + rng() % 8] = static_cast<std::uint8_t>(rng() % 3);
                    }
                    if (packet.empty()) break;
                }
            }
            std::fill(buffer.begin(), buffer.end(), 0xA5);
            auto transport = (i & 1) ? Transport::tcp : Transport::udp;
            // Exactly the room the contract asks for: UDP listeners give no more.
            std::size_t n = engine.answer(packet, zones(), client_over(transport),
                                          std::span<std::uint8_t>(buffer.data(), engine.max_response_size(transport)));
            REQUIRE(n <= max_message_size);
            if (transport == Transport::udp) REQUIRE(n <= 4096);
            bool clean = std::all_of(buffer.begin() + static_cast<std::ptrdiff_t>(n), buffer.end(),
                                     [](std::uint8_t b) { return b == 0xA5; });
            REQUIRE(clean);
            if (n > 0) {
                ++answered;
                ldns_pkt* pkt = nullptr;
                REQUIRE(ldns_wire2pkt(&pkt, buffer.data(), n) == LDNS_STATUS_OK);
                ldns_pkt_free(pkt);
            }
        }
        CHECK(answered > 1000);
    }

    TEST_CASE("the answer path does not allocate") {
        AnswerOptions options;
        options.identity = "ns-a.az1";
        options.version = "v1";
        AnswerEngine engine(options);
        std::vector<std::vector<std::uint8_t>> queries = {
            make_query("chain1.example.com.", A, {.edns = true, .nsid = true}),
            make_query("x.wc.example.com.", A),
            make_query("www.fat.example.com.", A),
            make_query("example.com.", MX),
            make_query("big.example.com.", TXT),
            make_query("nope.example.com.", A),
            make_query("www.example.com.", ANY),
            make_query("id.server.", TXT, {.qclass = CH}),
            make_query("www.example.org.", A),
        };
        std::vector<std::uint8_t> buffer(max_message_size);
        (void)zones();
        std::size_t before = allocations;
        std::size_t total = 0;
        for (const auto& q : queries) {
            total += engine.answer(q, zones(), client_over(Transport::udp), buffer);
            total += engine.answer(q, zones(), client_over(Transport::tcp), buffer);
        }
        CHECK(allocations == before);
        CHECK(total > 0);
    }
}

