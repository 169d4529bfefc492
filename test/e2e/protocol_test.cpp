// The protocol around the answers, over real sockets: 0x20 case echo, EDNS(0)
// (RFC 6891), truncation, minimal ANY (RFC 8482), CHAOS identity, opcodes and
// malformed queries (RFC 1035, RFC 8906), responses that get no answer, zone
// transfers.
#include <doctest/doctest.h>

#include <sstream>

#include "e2e_fixture.hpp"

using namespace azdns::e2e;

namespace {

Response must_ask_udp(const Endpoint& server, const Query& query) {
    auto response = ask_udp(server, query);
    REQUIRE_MESSAGE(response, "no UDP answer from ", server.to_string(), " to ", query.name);
    return *response;
}

Response must_ask_tcp(const Endpoint& server, const Query& query) {
    auto response = ask_tcp(server, query);
    REQUIRE_MESSAGE(response, "no TCP answer from ", server.to_string(), " to ", query.name);
    return *response;
}

std::size_t question_end(const Bytes& wire) {
    std::size_t at = 12;
    while (at < wire.size() && wire[at] != 0) at += 1 + wire[at];
    return at + 5;
}

}  // namespace

TEST_CASE("the question is echoed byte for byte, mixed case included (0x20)") {
    auto& server = shared_server();
    REQUIRE_SERVER(server);
    for (const auto& endpoint : both_families(server)) {
        CAPTURE(endpoint.to_string());
        for (std::string name : {"wWw.ExAmPlE.cOm.", "NOPE.EXAMPLE.COM.", "FoO.wIlD.example.COM.", "www.EXAMPLE.org."}) {
            Query query{.name = name, .type = rrtype::A};
            Bytes wire = encode(query);
            auto reply = udp_exchange(endpoint, wire);
            REQUIRE_MESSAGE(reply, "no answer to ", name);
            auto response = parse_response(*reply);
            INFO(response.dump());
            CHECK(response.id == query.id);
            std::size_t end = question_end(wire);
            REQUIRE(reply->size() >= end);
            CHECK(Bytes(reply->begin() + 12, reply->begin() + static_cast<long>(end)) ==
                  Bytes(wire.begin() + 12, wire.begin() + static_cast<long>(end)));
        }
    }
}

TEST_CASE("EDNS: OPT only when asked, payload size, BADVERS, NSID") {
    auto& server = shared_server();
    REQUIRE_SERVER(server);
    for (const auto& endpoint : both_families(server)) {
        CAPTURE(endpoint.to_string());
        SUBCASE("no OPT in the query, none in the response") {
            auto response = must_ask_udp(endpoint, {.name = "www.example.com.", .type = rrtype::A});
            CHECK(response.opt_count == 0);
        }
        SUBCASE("one OPT, version 0, with our payload size and the answer") {
            auto response = must_ask_udp(endpoint, {.name = "www.example.com.", .type = rrtype::A, .edns = true,
                                                    .udp_size = 4096});
            INFO(response.dump());
            CHECK(response.rcode == rcode::NOERROR);
            CHECK(response.opt_count == 1);
            REQUIRE(response.opt);
            CHECK(response.opt->version == 0);
            CHECK(response.opt->udp_size >= 512);
            CHECK(response.opt->udp_size <= 4096);
            CHECK_FALSE(response.opt->nsid);  // not asked for
            CHECK(response.answer.size() == 2);
        }
        SUBCASE("EDNS version 1 gets BADVERS with a version 0 OPT and no answer (RFC 6891 §6.1.3)") {
            auto response = must_ask_udp(endpoint, {.name = "www.example.com.", .type = rrtype::A, .edns = true,
                                                    .edns_version = 1});
            INFO(response.dump());
            CHECK(response.rcode == rcode::BADVERS);
            REQUIRE(response.opt);
            CHECK(response.opt->version == 0);
            CHECK(response.answer.empty());
        }
        SUBCASE("NSID when asked (RFC 5001)") {
            auto response = must_ask_udp(endpoint, {.name = "www.example.com.", .type = rrtype::A, .edns = true,
                                                    .nsid = true});
            INFO(response.dump());
            REQUIRE(response.opt);
            CHECK(response.opt->nsid == std::optional<std::string>("e2e-ns1"));
            CHECK(response.answer.size() == 2);
        }
        SUBCASE("NSID also on a negative answer") {
            auto response = must_ask_udp(endpoint, {.name = "nope.example.com.", .type = rrtype::A, .edns = true,
                                                    .nsid = true});
            INFO(response.dump());
            CHECK(response.rcode == rcode::NXDOMAIN);
            REQUIRE(response.opt);
            CHECK(response.opt->nsid == std::optional<std::string>("e2e-ns1"));
        }
    }
}

TEST_CASE("Extended DNS Errors (RFC 8914) to EDNS clients: 20 on REFUSED outside our zones, 18 on a transfer") {
    auto& server = shared_server();
    REQUIRE_SERVER(server);
    for (const auto& endpoint : both_families(server)) {
        CAPTURE(endpoint.to_string());
        auto refused = must_ask_udp(endpoint, {.name = "www.example.org.", .type = rrtype::A, .edns = true});
        INFO(refused.dump());
        CHECK(refused.rcode == rcode::REFUSED);
        REQUIRE(refused.opt);
        CHECK(refused.opt->extended_error == std::optional<ExtendedError>(ExtendedError{20, ""}));
        auto plain = must_ask_udp(endpoint, {.name = "www.example.org.", .type = rrtype::A});
        CHECK(plain.rcode == rcode::REFUSED);
        CHECK_FALSE(plain.opt);
        auto transfer = must_ask_udp(endpoint, {.name = "example.com.", .type = rrtype::IXFR, .edns = true});
        INFO(transfer.dump());
        CHECK(transfer.rcode == rcode::REFUSED);
        REQUIRE(transfer.opt);
        CHECK(transfer.opt->extended_error == std::optional<ExtendedError>(ExtendedError{18, ""}));
        auto answered = must_ask_udp(endpoint, {.name = "www.example.com.", .type = rrtype::A, .edns = true});
        REQUIRE(answered.opt);
        CHECK_FALSE(answered.opt->extended_error);
    }
}

TEST_CASE("truncation: UDP gets TC=1 and no partial RRset; TCP gets it whole") {
    auto& server = shared_server();
    REQUIRE_SERVER(server);
    for (const auto& endpoint : both_families(server)) {
        CAPTURE(endpoint.to_string());
        SUBCASE("~900 bytes without EDNS: over 512, truncated") {
            auto response = must_ask_udp(endpoint, {.name = "medium.example.com.", .type = rrtype::TXT});
            INFO(response.dump());
            CHECK(response.tc);
            CHECK(response.rcode == rcode::NOERROR);
            CHECK(response.aa);
            CHECK(response.answer.empty());  // 12 TXT RRs: none, never some
            CHECK(response.wire.size() <= 512);
        }
        SUBCASE("~900 bytes with EDNS 1232: fits") {
            auto response = must_ask_udp(endpoint, {.name = "medium.example.com.", .type = rrtype::TXT, .edns = true,
                                                    .udp_size = 1232});
            INFO(response.dump());
            CHECK_FALSE(response.tc);
            CHECK(response.answer.size() == 12);
            CHECK(response.wire.size() <= 1232);
        }
        SUBCASE("a client payload below 512 counts as 512 (RFC 6891 §6.2.5)") {
            auto response = must_ask_udp(endpoint, {.name = "big.example.com.", .type = rrtype::A, .edns = true,
                                                    .udp_size = 100});
            INFO(response.dump());
            CHECK_FALSE(response.tc);
            CHECK(response.answer.size() == 24);
        }
        SUBCASE("~2.9 KB with EDNS 4096: over our edns_udp_size 1232, truncated") {
            auto response = must_ask_udp(endpoint, {.name = "huge.example.com.", .type = rrtype::TXT, .edns = true,
                                                    .udp_size = 4096});
            INFO(response.dump());
            CHECK(response.tc);
            CHECK(response.answer.empty());
            CHECK(response.wire.size() <= 1232);
            CHECK(response.opt);  // the OPT stays in a truncated EDNS response
        }
        SUBCASE("TCP: all 40 records, no TC") {
            auto response = must_ask_tcp(endpoint, {.name = "huge.example.com.", .type = rrtype::TXT});
            INFO(response.dump());
            CHECK_FALSE(response.tc);
            CHECK(response.aa);
            CHECK(response.answer.size() == 40);
        }
    }
}

TEST_CASE("a referral to 13 name servers with A and AAAA glue fits in 1232 bytes (names in RDATA compressed)") {
    // Uncompressed, the 13 NS names and their glue need about 1,340 bytes;
    // NSD and Knot send this referral whole, with TC=0.
    std::string zone = "$ORIGIN example.org.\n$TTL 3600\n@ SOA ns1 hostmaster 1 7200 900 1209600 300\n@ NS ns1\n"
                       "ns1 A 192.0.2.53\n";
    const std::string letters = "abcdefghijklm";
    for (char letter : letters) zone += std::string("big NS ") + letter + ".anycast-nameserver-pool.big\n";
    for (std::size_t i = 0; i < letters.size(); ++i) {
        std::string host = std::string(1, letters[i]) + ".anycast-nameserver-pool.big";
        zone += host + " A 192.0.2." + std::to_string(101 + i) + "\n";
        zone += host + " AAAA 2001:db8:b1::" + std::to_string(101 + i) + "\n";
    }
    ServerOptions options;
    options.zones = {};
    options.zone_texts = {{"example.org.", zone}};
    AzdnsServer server(options);
    REQUIRE_SERVER(server);
    for (const auto& endpoint : both_families(server)) {
        CAPTURE(endpoint.to_string());
        auto response = must_ask_udp(endpoint, {.name = "www.big.example.org.", .type = rrtype::A, .edns = true,
                                                .udp_size = 1232});
        INFO(response.dump());
        CHECK(response.rcode == rcode::NOERROR);
        CHECK_FALSE(response.tc);
        CHECK_FALSE(response.aa);
        CHECK(response.authority.size() == 13);
        CHECK(response.additional.size() == 26);
        CHECK(response.wire.size() <= 1232);
        // Over TCP: the very same records.
        auto tcp = must_ask_tcp(endpoint, {.name = "www.big.example.org.", .type = rrtype::A, .edns = true});
        CHECK(normal(tcp.authority) == normal(response.authority));
        CHECK(normal(tcp.additional) == normal(response.additional));
    }
}

TEST_CASE("ANY over UDP is minimal (RFC 8482): one RRset") {
    auto& server = shared_server();
    REQUIRE_SERVER(server);
    auto response = must_ask_udp(server.v4(), {.name = "www.example.com.", .type = rrtype::ANY});
    INFO(response.dump());
    CHECK(response.rcode == rcode::NOERROR);
    CHECK(response.aa);
    CHECK_FALSE(response.tc);
    REQUIRE_FALSE(response.answer.empty());
    auto type_of = [](const std::string& line) {  // "owner ttl class TYPE ..."
        std::istringstream words(line);
        std::string owner, ttl, cls, type;
        words >> owner >> ttl >> cls >> type;
        return type;
    };
    for (const auto& line : response.answer) CHECK(type_of(line) == type_of(response.answer.front()));
    // ANY for a name that does not exist is still NXDOMAIN.
    auto missing = must_ask_udp(server.v4(), {.name = "nope.example.com.", .type = rrtype::ANY});
    CHECK(missing.rcode == rcode::NXDOMAIN);
}

TEST_CASE("CHAOS: id.server gives the identity, version.bind is REFUSED when unset") {
    auto& server = shared_server();
    REQUIRE_SERVER(server);
    for (const auto& endpoint : both_families(server)) {
        CAPTURE(endpoint.to_string());
        auto id = must_ask_udp(endpoint, {.name = "id.server.", .type = rrtype::TXT, .qclass = class_ch});
        INFO(id.dump());
        CHECK(id.rcode == rcode::NOERROR);
        REQUIRE(id.answer.size() == 1);
        CHECK(lower(id.answer[0]).find("id.server.") == 0);
        CHECK(id.answer[0].find(" CH TXT \"e2e-ns1\"") != std::string::npos);
        auto version = must_ask_udp(endpoint, {.name = "version.bind.", .type = rrtype::TXT, .qclass = class_ch});
        INFO(version.dump());
        CHECK(version.rcode == rcode::REFUSED);
        CHECK(version.answer.empty());
    }
}

TEST_CASE("opcodes other than QUERY and NOTIFY get NOTIMP (RFC 1035 §4.1.1)") {
    auto& server = shared_server();
    REQUIRE_SERVER(server);
    for (std::uint8_t opcode : {2, 5}) {  // STATUS, UPDATE
        CAPTURE(int(opcode));
        auto response = must_ask_udp(server.v4(), {.name = "example.com.", .type = rrtype::SOA, .opcode = opcode});
        INFO(response.dump());
        CHECK(response.qr);
        CHECK(response.rcode == rcode::NOTIMP);
        CHECK(response.opcode == opcode);
        CHECK(response.answer.empty());
    }
    // NOTIFY is taken for zones from primaries only (docs/transfers.md); this one is a file's.
    auto notify = must_ask_udp(server.v4(), {.name = "example.com.", .type = rrtype::SOA, .opcode = 4});
    INFO(notify.dump());
    CHECK(notify.rcode == rcode::NOTAUTH);
    CHECK(notify.opcode == 4);
}

TEST_CASE("an opcode other than QUERY gets NOTIMP even with no question") {
    auto& server = shared_server();
    REQUIRE_SERVER(server);
    for (std::uint8_t opcode : {2, 3, 5, 15}) {
        CAPTURE(int(opcode));
        Query query{.name = "example.com.", .type = rrtype::SOA, .opcode = opcode};
        Bytes wire = encode(query);
        wire.resize(12);
        wire[5] = 0;  // QDCOUNT 0
        auto reply = udp_exchange(server.v4(), wire);
        REQUIRE_MESSAGE(reply, "no answer to a bare header with opcode ", int(opcode));
        auto response = parse_response(*reply);
        INFO(response.dump());
        CHECK(response.qr);
        CHECK(response.id == query.id);
        CHECK(response.opcode == opcode);
        CHECK(response.rcode == rcode::NOTIMP);
        CHECK(response.question.empty());
    }
}

TEST_CASE("two questions in one query get FORMERR") {
    auto& server = shared_server();
    REQUIRE_SERVER(server);
    Query query{.name = "www.example.com.", .type = rrtype::A};
    Bytes wire = encode(query);
    Bytes second(wire.begin() + 12, wire.end());
    wire.insert(wire.end(), second.begin(), second.end());
    wire[5] = 2;  // QDCOUNT
    auto reply = udp_exchange(server.v4(), wire);
    REQUIRE_MESSAGE(reply, "no answer to a two-question query");
    auto response = parse_response(*reply);
    INFO(response.dump());
    CHECK(response.qr);
    CHECK(response.id == query.id);
    CHECK(response.rcode == rcode::FORMERR);
    CHECK(response.answer.empty());
}

TEST_CASE("responses (QR=1) and 5-byte packets get no answer; the next query does") {
    auto& server = shared_server();
    REQUIRE_SERVER(server);
    for (const auto& endpoint : both_families(server)) {
        CAPTURE(endpoint.to_string());
        UdpSocket socket(endpoint);
        REQUIRE(socket.ok());
        Query bogus{.name = "www.example.com.", .type = rrtype::A};
        Bytes response_packet = encode(bogus);
        response_packet[2] |= 0x80;  // QR=1
        REQUIRE(socket.send(response_packet));
        REQUIRE(socket.send(Bytes{0x12, 0x34, 0x01, 0x00, 0x00}));
        Query good{.name = "www.example.com.", .type = rrtype::A};
        REQUIRE(socket.send(encode(good)));
        // The same socket reaches the same worker, which handles datagrams in order:
        // the first thing back must be the answer to the good query.
        auto first = socket.receive();
        REQUIRE_MESSAGE(first, "the good query after two bad packets got no answer");
        auto response = parse_response(*first);
        INFO(response.dump());
        CHECK(response.id == good.id);
        CHECK(response.answer.size() == 2);
        CHECK_FALSE(socket.receive(milliseconds(300)));  // nothing else arrives
    }
}

TEST_CASE("a UDP query of 4,096 bytes is answered; a larger one is dropped, as no real query is that large") {
    auto& server = shared_server();
    REQUIRE_SERVER(server);
    // An EDNS query padded (RFC 7830) to `size` bytes: the OPT record ends the
    // message, so the option goes at the end and RDLENGTH covers it.
    const auto padded_query = [](Query& query, std::size_t size) {
        Bytes wire = encode(query);
        const std::size_t padding = size - wire.size() - 4;
        wire.insert(wire.end(), {0, 12, static_cast<std::uint8_t>(padding >> 8), static_cast<std::uint8_t>(padding)});
        wire.resize(size, 0);
        const std::size_t rdlength = 4 + padding;
        wire[size - rdlength - 2] = static_cast<std::uint8_t>(rdlength >> 8);
        wire[size - rdlength - 1] = static_cast<std::uint8_t>(rdlength);
        return wire;
    };
    UdpSocket socket(server.v4());
    REQUIRE(socket.ok());
    Query largest{.name = "www.example.com.", .type = rrtype::A, .edns = true};
    REQUIRE(socket.send(padded_query(largest, 4096)));
    auto answer = socket.receive();
    REQUIRE_MESSAGE(answer, "no answer to a 4,096-byte query");
    CHECK(parse_response(*answer).id == largest.id);
    CHECK(parse_response(*answer).rcode == 0);
    Query too_large{.name = "www.example.com.", .type = rrtype::A, .edns = true};
    REQUIRE(socket.send(padded_query(too_large, 4097)));
    Query next{.name = "www.example.com.", .type = rrtype::A};
    REQUIRE(socket.send(encode(next)));
    auto first = socket.receive();
    REQUIRE_MESSAGE(first, "the query after the dropped one got no answer");
    CHECK(parse_response(*first).id == next.id);  // nothing came back for the 4,097-byte one
}

TEST_CASE("zone transfers (none served yet): as NSD 4.6 answers, and Knot 3.2 where both agree") {
    auto& server = shared_server();
    REQUIRE_SERVER(server);
    for (const auto& endpoint : both_families(server)) {
        CAPTURE(endpoint.to_string());
        struct Case {
            const char* name;
            std::uint16_t type;
            bool tcp;
            int rcode;
        };
        for (const Case& c : {
                 Case{"example.com.", rrtype::AXFR, false, rcode::NOTIMP},  // AXFR needs TCP (RFC 5936 §4.2)
                 Case{"www.example.org.", rrtype::AXFR, false, rcode::NOTIMP},
                 Case{"example.com.", rrtype::IXFR, false, rcode::REFUSED},  // IXFR may use UDP (RFC 1995 §2)
                 Case{"example.com.", rrtype::IXFR, true, rcode::REFUSED},
                 Case{"example.com.", rrtype::AXFR, true, rcode::REFUSED},
                 Case{"www.example.com.", rrtype::IXFR, false, rcode::NOTAUTH},  // not a zone's apex
                 Case{"www.example.org.", rrtype::IXFR, false, rcode::NOTAUTH},
                 Case{"www.example.org.", rrtype::AXFR, true, rcode::NOTAUTH},
             }) {
            CAPTURE(std::string(c.name));
            CAPTURE(c.type);
            CAPTURE(c.tcp);
            Query query{.name = c.name, .type = c.type};
            auto response = c.tcp ? must_ask_tcp(endpoint, query) : must_ask_udp(endpoint, query);
            INFO(response.dump());
            CHECK(response.rcode == c.rcode);
            CHECK_FALSE(response.aa);
            CHECK(response.answer.empty());
            CHECK(response.authority.empty());
        }
    }
}

TEST_CASE("the same answers over TCP as over UDP") {
    auto& server = shared_server();
    REQUIRE_SERVER(server);
    for (const auto& endpoint : both_families(server)) {
        CAPTURE(endpoint.to_string());
        for (const auto& question : std::vector<std::pair<std::string, std::uint16_t>>{
                 {"www.example.com.", rrtype::A}, {"nope.example.com.", rrtype::A}, {"alias.example.com.", rrtype::A},
                 {"host.sub.example.com.", rrtype::A}, {"foo.wild.example.com.", rrtype::TXT}}) {
            // Not a structured binding: clang 14 cannot capture one in CAPTURE's lambda.
            const std::string& name = question.first;
            const std::uint16_t type = question.second;
            CAPTURE(name);
            auto udp = must_ask_udp(endpoint, {.name = name, .type = type});
            auto tcp = must_ask_tcp(endpoint, {.name = name, .type = type});
            INFO("UDP:\n", udp.dump(), "TCP:\n", tcp.dump());
            CHECK(udp.rcode == tcp.rcode);
            CHECK(udp.aa == tcp.aa);
            CHECK(normal(udp.answer) == normal(tcp.answer));
            CHECK(normal(udp.authority) == normal(tcp.authority));
        }
    }
}
