// DNS over TCP as RFC 7766 asks: length framing, several queries on one
// connection, frames that arrive in pieces, idle timeout, a cap on clients;
// and a clean exit on SIGTERM.
#include <doctest/doctest.h>

#include "e2e_fixture.hpp"

using namespace azdns::e2e;
using Clock = std::chrono::steady_clock;

namespace {

Bytes framed(const Bytes& message) {
    Bytes out(2 + message.size());
    out[0] = static_cast<std::uint8_t>(message.size() >> 8);
    out[1] = static_cast<std::uint8_t>(message.size() & 0xff);
    std::copy(message.begin(), message.end(), out.begin() + 2);
    return out;
}

// Asks for www A on `connection` and checks the answer.
void check_answers(TcpConnection& connection, const std::string& what) {
    CAPTURE(what);
    Query query{.name = "www.example.com.", .type = rrtype::A};
    REQUIRE(connection.send_message(encode(query)));
    auto reply = connection.receive_message();
    REQUIRE_MESSAGE(reply, "no TCP answer on ", what);
    auto response = parse_response(*reply);
    INFO(response.dump());
    CHECK(response.id == query.id);
    CHECK(response.answer.size() == 2);
}

void check_udp_answers(const AzdnsServer& server) {
    auto response = ask_udp(server.v4(), Query{.name = "www.example.com.", .type = rrtype::A});
    REQUIRE_MESSAGE(response, "no UDP answer");
    CHECK(response->answer.size() == 2);
}

}  // namespace

TEST_CASE("several queries on one connection are all answered, in order") {
    auto& server = shared_server();
    REQUIRE_SERVER(server);
    for (const auto& endpoint : both_families(server)) {
        CAPTURE(endpoint.to_string());
        TcpConnection connection;
        REQUIRE(connection.connect(endpoint));
        const std::vector<std::pair<std::string, std::uint16_t>> asked = {
            {"www.example.com.", rrtype::A},      {"nope.example.com.", rrtype::A}, {"example.com.", rrtype::MX},
            {"huge.example.com.", rrtype::TXT}, {"www.example.org.", rrtype::A},  {"alias.example.com.", rrtype::A}};
        std::vector<Query> queries;
        Bytes all;  // every query in a single write: the server must split the frames itself
        for (const auto& [name, type] : asked) {
            queries.push_back(Query{.name = name, .type = type});
            auto frame = framed(encode(queries.back()));
            all.insert(all.end(), frame.begin(), frame.end());
        }
        REQUIRE(connection.send_raw(all));
        const int expected_rcodes[] = {rcode::NOERROR, rcode::NXDOMAIN, rcode::NOERROR,
                                       rcode::NOERROR, rcode::REFUSED,  rcode::NOERROR};
        for (std::size_t i = 0; i < queries.size(); ++i) {
            auto reply = connection.receive_message();
            REQUIRE_MESSAGE(reply, "answer ", i + 1, " of ", queries.size(), " never came");
            auto response = parse_response(*reply);
            INFO(response.dump());
            CHECK(response.id == queries[i].id);
            CHECK(response.rcode == expected_rcodes[i]);
        }
        CHECK(connection.is_open());
        CHECK_FALSE(connection.peer_closed());
    }
}

TEST_CASE("a frame sent in pieces is answered once complete") {
    auto& server = shared_server();
    REQUIRE_SERVER(server);
    TcpConnection connection;
    REQUIRE(connection.connect(server.v4()));
    Query query{.name = "www.example.com.", .type = rrtype::A};
    Bytes frame = framed(encode(query));
    // Half the length prefix, then half the message, then the rest.
    REQUIRE(connection.send_raw(Bytes(frame.begin(), frame.begin() + 1)));
    CHECK_FALSE(connection.receive_message(milliseconds(200)));
    REQUIRE(connection.send_raw(Bytes(frame.begin() + 1, frame.begin() + 10)));
    CHECK_FALSE(connection.receive_message(milliseconds(200)));
    REQUIRE(connection.send_raw(Bytes(frame.begin() + 10, frame.end())));
    auto reply = connection.receive_message();
    REQUIRE_MESSAGE(reply, "no answer after the frame was completed");
    auto response = parse_response(*reply);
    INFO(response.dump());
    CHECK(response.id == query.id);
    CHECK(response.answer.size() == 2);
    check_answers(connection, "the same connection afterwards");
}

TEST_CASE("a client stalling mid-frame is closed after tcp_idle_timeout; others are still served") {
    ServerOptions options;
    options.server_lines = {"tcp_idle_timeout = \"1s\""};
    AzdnsServer server(options);
    REQUIRE_SERVER(server);
    TcpConnection staller, idle;
    REQUIRE(staller.connect(server.v4()));
    REQUIRE(idle.connect(server.v6()));
    auto started = Clock::now();
    Query query{.name = "www.example.com.", .type = rrtype::A};
    Bytes frame = framed(encode(query));
    REQUIRE(staller.send_raw(Bytes(frame.begin(), frame.begin() + 7)));

    // While they wait, others get answers over TCP and UDP.
    TcpConnection other;
    REQUIRE(other.connect(server.v4()));
    check_answers(other, "a third connection");
    check_udp_answers(server);

    CHECK_MESSAGE(staller.wait_closed(std::chrono::seconds(5)), "a half-frame client was not closed within 5 s");
    CHECK_MESSAGE(idle.wait_closed(std::chrono::seconds(5)), "an idle client was not closed within 5 s");
    auto elapsed = std::chrono::duration_cast<milliseconds>(Clock::now() - started);
    CHECK_MESSAGE(elapsed >= milliseconds(800), "closed after ", elapsed.count(), " ms, before the 1 s timeout");

    TcpConnection fresh;
    REQUIRE(fresh.connect(server.v4()));
    check_answers(fresh, "a new connection after the timeouts");
    CHECK(server.running());
}

// With several workers the limit is the server's, not a worker's: the oldest
// idle client is closed whichever worker holds it, and a new client is never
// turned away while an idle one holds a slot.
TEST_CASE("max_tcp_clients: one more connection closes the oldest idle one") {
    unsigned workers = 1;
    SUBCASE("one worker") { workers = 1; }
    SUBCASE("two workers") { workers = 2; }
    CAPTURE(workers);
    ServerOptions options;
    options.server_lines = {"max_tcp_clients = 4"};
    options.workers = workers;
    AzdnsServer server(options);
    REQUIRE_SERVER(server);
    std::vector<TcpConnection> connections(4);
    for (std::size_t i = 0; i < connections.size(); ++i) {
        REQUIRE(connections[i].connect(server.v4()));
        check_answers(connections[i], "connection " + std::to_string(i + 1));
    }
    // Four more, one at a time: each is served and evicts the then-oldest idle client.
    for (std::size_t k = 0; k < 4; ++k) {
        CAPTURE(k);
        connections.emplace_back();
        REQUIRE(connections.back().connect(server.v4()));
        check_answers(connections.back(), "new connection " + std::to_string(k + 5));
        CHECK_MESSAGE(connections[k].wait_closed(std::chrono::seconds(3)),
                      "connection ", k + 1, " (the oldest idle) stayed open");
    }
    for (std::size_t i = 4; i < connections.size(); ++i)
        check_answers(connections[i], "connection " + std::to_string(i + 1) + " at the end");
}

TEST_CASE("SIGTERM: the server exits with code 0, also with a TCP client connected") {
    AzdnsServer server;
    REQUIRE_SERVER(server);
    TcpConnection connection;
    REQUIRE(connection.connect(server.v6()));
    check_answers(connection, "before SIGTERM");
    int code = server.stop();
    INFO(server.log());
    CHECK_FALSE(server.process().was_killed());
    CHECK(code == 0);
    CHECK(connection.wait_closed(std::chrono::seconds(2)));
}
