// Checks the test support itself: every mode of the fake DNS endpoint seen
// from a plain UDP client, restarts on the same port, and a non-default
// loopback address. The fake HTTP(S) endpoint's cases are in
// fake_http_endpoint_test.cpp (same executable).
#include <doctest/doctest.h>

#include <sys/socket.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "fake_endpoint.hpp"
#include "fake_endpoint_test_client.hpp"

using namespace azdns::testing;
using namespace azdns::testing::client;
using namespace std::chrono_literals;

namespace {

using Bytes = std::vector<std::uint8_t>;

Bytes dns_query(std::uint16_t id, const std::string& name, std::uint16_t type) {
    Bytes wire = {static_cast<std::uint8_t>(id >> 8), static_cast<std::uint8_t>(id), 0x01, 0, 0, 1, 0, 0, 0, 0, 0, 0};
    std::size_t start = 0;
    while (start < name.size()) {
        auto dot = name.find('.', start);
        wire.push_back(static_cast<std::uint8_t>(dot - start));
        wire.insert(wire.end(), name.begin() + static_cast<long>(start), name.begin() + static_cast<long>(dot));
        start = dot + 1;
    }
    wire.insert(wire.end(), {0, static_cast<std::uint8_t>(type >> 8), static_cast<std::uint8_t>(type), 0, 1});
    return wire;
}

struct DnsReply {
    Bytes wire;
    int error = 0;
};

DnsReply ask(const FakeDnsEndpoint& endpoint, const Bytes& query, std::chrono::milliseconds wait = 2000ms) {
    Fd fd(connect_to(endpoint.address(), endpoint.port(), SOCK_DGRAM, wait));
    REQUIRE(fd.fd >= 0);
    REQUIRE(send(fd.fd, query.data(), query.size(), 0) == static_cast<ssize_t>(query.size()));
    Bytes buffer(4096);
    ssize_t n = recv(fd.fd, buffer.data(), buffer.size(), 0);
    if (n < 0) return {{}, errno};
    buffer.resize(static_cast<std::size_t>(n));
    return {buffer, 0};
}

int rcode_of(const Bytes& wire) { return wire.size() >= 4 ? wire[3] & 0x0f : -1; }
int count(const Bytes& wire, int section) { return wire.size() >= 12 ? wire[4 + 2 * section] << 8 | wire[5 + 2 * section] : -1; }

}  // namespace

TEST_SUITE("fake dns endpoint") {

TEST_CASE("answers NOERROR echoing ID and question, with an A record for A queries") {
    FakeDnsEndpoint endpoint;
    std::string error;
    REQUIRE_MESSAGE(endpoint.start(error), error);
    Bytes query = dns_query(0x1234, "www.example.com.", 1);
    auto reply = ask(endpoint, query);
    REQUIRE(reply.error == 0);
    REQUIRE(reply.wire.size() == query.size() + 16);
    CHECK(reply.wire[0] == 0x12);
    CHECK(reply.wire[1] == 0x34);
    CHECK((reply.wire[2] & 0x80) != 0);  // QR
    CHECK((reply.wire[2] & 0x04) != 0);  // AA
    CHECK((reply.wire[2] & 0x01) != 0);  // RD copied
    CHECK(rcode_of(reply.wire) == 0);
    CHECK(count(reply.wire, 0) == 1);
    CHECK(count(reply.wire, 1) == 1);
    CHECK(Bytes(reply.wire.begin() + 12, reply.wire.begin() + static_cast<long>(query.size())) ==
          Bytes(query.begin() + 12, query.end()));
    CHECK(Bytes(reply.wire.end() - 4, reply.wire.end()) == Bytes{192, 0, 2, 1});
    CHECK(endpoint.queries_seen() == 1);
    CHECK(endpoint.last_query_name() == "www.example.com.");
    CHECK(endpoint.last_query_type() == 1);

    auto soa = ask(endpoint, dns_query(7, "example.com.", 6));
    CHECK(rcode_of(soa.wire) == 0);
    CHECK(count(soa.wire, 1) == 0);

    endpoint.set_rcode(3);
    CHECK(rcode_of(ask(endpoint, query).wire) == 3);
    endpoint.set_mode(EndpointMode::error_status);
    CHECK(rcode_of(ask(endpoint, query).wire) == 2);
}

TEST_CASE("hang, garbage, slow and refuse") {
    FakeDnsEndpoint endpoint({.slow_delay = 300ms});
    std::string error;
    REQUIRE_MESSAGE(endpoint.start(error), error);
    Bytes query = dns_query(0xbeef, "probe.example.", 1);

    endpoint.set_mode(EndpointMode::hang);
    CHECK(ask(endpoint, query, 300ms).error == EAGAIN);
    CHECK(endpoint.queries_seen() == 1);

    endpoint.set_mode(EndpointMode::garbage);
    auto junk = ask(endpoint, query);
    REQUIRE(junk.error == 0);
    CHECK(junk.wire.size() == 64);
    CHECK_FALSE((junk.wire[0] == 0xbe && junk.wire[1] == 0xef));

    endpoint.set_mode(EndpointMode::slow);
    auto before = Clock::now();
    auto late = ask(endpoint, query);
    CHECK(late.error == 0);
    CHECK(rcode_of(late.wire) == 0);
    CHECK(Clock::now() - before >= 250ms);

    auto port = endpoint.port();
    endpoint.set_mode(EndpointMode::refuse);
    CHECK(ask(endpoint, query).error == ECONNREFUSED);
    endpoint.set_mode(EndpointMode::ok);
    CHECK(endpoint.port() == port);
    CHECK(ask(endpoint, query).error == 0);
}

TEST_CASE("stop and start on the same port, on 127.0.0.3") {
    FakeDnsEndpoint endpoint({.address = "127.0.0.3"});
    std::string error;
    REQUIRE_MESSAGE(endpoint.start(error), error);
    auto port = endpoint.port();
    Bytes query = dns_query(1, "a.example.", 1);
    CHECK(ask(endpoint, query).error == 0);
    endpoint.stop();
    CHECK(ask(endpoint, query).error == ECONNREFUSED);
    REQUIRE_MESSAGE(endpoint.start(error), error);
    CHECK(endpoint.port() == port);
    CHECK(ask(endpoint, query).error == 0);
    CHECK(endpoint.queries_seen() == 2);
}

}  // TEST_SUITE
