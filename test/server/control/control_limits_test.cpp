// The control API's limits over real loopback sockets (docs/control.md,
// "Limits"): request sizes, the fleet report's body, time, and the
// connection slots that slow or hostile clients cannot hold.
#include <doctest/doctest.h>

#include <string>
#include <thread>
#include <vector>

#include "control_server_test_support.hpp"

using namespace azdns::control_test;

namespace {

// "POST TARGET" with the token and a Content-Length body.
std::string authorized_post(const std::string& target, const std::string& body) {
    return "POST " + target + " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer t0ken\r\nContent-Length: " +
           std::to_string(body.size()) + "\r\n\r\n" + body;
}

// A fleet report from ns2 padded with spaces to `size` bytes.
std::string padded_fleet_report(std::size_t size) {
    std::string body = R"({"name":"ns2","generation":1,"sequence":2})";
    body += std::string(size - body.size(), ' ');
    return body;
}

std::string error_text(const Response& response) { return json::parse(response.body)["error"].get<std::string>(); }

}  // namespace

TEST_CASE("an unauthenticated fleet report over the body limit is 401, not 413") {
    Running running("s3cret-token");
    Client client(running.server.port());
    const std::string body(100 * 1024, ' ');
    client.send("POST /v1/fleet/state HTTP/1.1\r\nHost: x\r\nContent-Length: " + std::to_string(body.size()) +
                "\r\n\r\n" + body);
    check_refused_unread(client);
    CHECK(running.backend.fleet_reports().empty());
}

TEST_CASE("an oversize head is 431 and the connection is closed") {
    Running running;
    Client client(running.server.port());
    client.send("GET /v1/status HTTP/1.1\r\nHost: x\r\nX-Padding: " + std::string(20 * 1024, 'a') + "\r\n\r\n");
    auto response = client.response();
    REQUIRE(response);
    CHECK(response->status == 431);
    CHECK(response->headers["connection"] == "close");
    CHECK(client.closed_within(3s));
    CHECK(running.backend.status_calls() == 0);
}

TEST_CASE("a long URL counts towards the head limit") {
    Running running;
    Client client(running.server.port());
    client.send("GET /v1/explain?name=" + std::string(17 * 1024, 'a') + " HTTP/1.1\r\nHost: x\r\n\r\n");
    auto response = client.response();
    REQUIRE(response);
    CHECK(response->status == 431);
}

TEST_CASE("an oversize body is 413 and the connection is closed") {
    Running running;
    SUBCASE("announced by Content-Length") {
        Client client(running.server.port());
        client.send("POST /v1/azs/a/fence HTTP/1.1\r\nHost: x\r\nContent-Length: 70000\r\n\r\n" + std::string(70000, ' '));
        auto response = client.response();
        REQUIRE(response);
        CHECK(response->status == 413);
        CHECK(client.closed_within(3s));
    }
    SUBCASE("chunked") {
        Client client(running.server.port());
        std::string chunk = std::string(16 * 1024, ' ');
        std::string request = "POST /v1/azs/a/fence HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
        for (int i = 0; i < 5; ++i) request += "4000\r\n" + chunk + "\r\n";
        client.send(request + "0\r\n\r\n");
        auto response = client.response();
        REQUIRE(response);
        CHECK(response->status == 413);
        CHECK(client.closed_within(3s));
    }
    CHECK(running.backend.fences().empty());
}

TEST_CASE("a body at the limit is accepted") {
    Running running;
    Client client(running.server.port());
    std::string body = "{\"reason\":\"at the limit\"}";
    body += std::string(64 * 1024 - 1 - body.size(), ' ');  // whitespace after the JSON is allowed
    REQUIRE(body.size() == 64 * 1024 - 1);
    client.send("POST /v1/azs/a/fence HTTP/1.1\r\nHost: x\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body);
    auto response = client.response();
    REQUIRE(response);
    CHECK(response->status == 200);
    CHECK(last_reason(running.backend) == "at the limit");
}

TEST_CASE("an authenticated POST /v1/fleet/state has max_fleet_body_bytes; every other request keeps max_body_bytes") {
    ControlLimits limits;
    limits.max_fleet_body_bytes = 256 * 1024;
    Running running("t0ken", limits);
    const std::string report = padded_fleet_report(200 * 1024);
    SUBCASE("a 200 KiB report passes whole, by Content-Length or chunked") {
        Client client(running.server.port());
        client.send(authorized_post("/v1/fleet/state", report));
        auto response = client.response();
        REQUIRE(response);
        CHECK(response->status == 200);
        CHECK(json::parse(response->body) == json{{"generation", 1}, {"sequence", 2}});
        std::string chunked = "POST /v1/fleet/state HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer t0ken\r\n"
                              "Transfer-Encoding: chunked\r\n\r\n";
        for (std::size_t at = 0; at < report.size(); at += 0x3000) {  // 200 KiB is not a multiple: the last is shorter
            const std::string chunk = report.substr(at, 0x3000);
            char size[16];
            std::snprintf(size, sizeof size, "%zx\r\n", chunk.size());
            chunked += size + chunk + "\r\n";
        }
        client.send(chunked + "0\r\n\r\n");
        auto second = client.response();
        REQUIRE(second);
        CHECK(second->status == 200);
        CHECK(running.backend.fleet_reports() == std::vector<std::string>{report, report});
    }
    SUBCASE("a 200 KiB body to POST /v1/reload or GET /v1/fleet/state is 413 at 64 KiB") {
        for (const std::string& request :
             {authorized_post("/v1/reload", report),
              "GET /v1/fleet/state HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer t0ken\r\nContent-Length: " +
                  std::to_string(report.size()) + "\r\n\r\n" + report}) {
            Client client(running.server.port());
            client.send(request);
            auto response = client.response();
            REQUIRE(response);
            CHECK(response->status == 413);
            CHECK(error_text(*response) == "the request body is larger than 65536 bytes");
            CHECK(client.closed_within(3s));
        }
        CHECK(running.backend.reloads() == 0);
        CHECK(running.backend.fleet_state_calls() == 0);
    }
    SUBCASE("a report over max_fleet_body_bytes is 413 naming that limit") {
        Client client(running.server.port());
        client.send(authorized_post("/v1/fleet/state", padded_fleet_report(256 * 1024 + 1)));
        auto response = client.response();
        REQUIRE(response);
        CHECK(response->status == 413);
        CHECK(error_text(*response) ==
              "the request body is larger than 262144 bytes, the limit for POST /v1/fleet/state");
        CHECK(client.closed_within(3s));
        CHECK(running.backend.fleet_reports().empty());
    }
}

TEST_CASE("a garbage request is 400 and the connection is closed") {
    Running running;
    for (const char* garbage : {"HELLO WORLD\r\n\r\n", "GET /v1/status XTTP/1.1\r\n\r\n", "GET / HTTP/1.1\r\nNo colon here\r\n\r\n",
                                "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03"}) {
        CAPTURE(garbage);
        Client client(running.server.port());
        client.send(garbage);
        auto response = client.response();
        REQUIRE(response);
        CHECK(response->status == 400);
        CHECK(json::parse(response->body).contains("error"));
        CHECK(client.closed_within(3s));
    }
}

TEST_CASE("a request that is not whole within the request timeout gets 408; a silent or idle connection is just closed") {
    ControlLimits limits;
    limits.request_timeout = 300ms;
    limits.idle_timeout = 600ms;
    Running running({}, limits);
    Client silent(running.server.port());
    Client slow(running.server.port());
    slow.send("GET /v1/sta");
    Client served(running.server.port());
    served.send(get_status);
    REQUIRE(served.response());
    Client slow_second(running.server.port());  // its first request is fine, the second too slow
    slow_second.send(get_status);
    REQUIRE(slow_second.response());
    slow_second.send("GET /v1/status HTTP/1.1\r\nHost:");

    auto timed_out = slow.response();
    REQUIRE(timed_out);
    CHECK(timed_out->status == 408);
    CHECK(timed_out->headers["connection"] == "close");
    CHECK(json::parse(timed_out->body)["error"].get<std::string>().find("0.3 s") != std::string::npos);
    CHECK(slow.closed_within(3s));
    auto second_timed_out = slow_second.response();
    REQUIRE(second_timed_out);
    CHECK(second_timed_out->status == 408);
    CHECK(silent.closed_within(3s));  // nothing sent: closed without a response
    CHECK(served.closed_within(3s));  // idle after its response
    CHECK(running.backend.status_calls() == 2);
}

TEST_CASE("at the connection limit a new connection evicts the one that has waited longest for a complete request") {
    ControlLimits limits;
    limits.max_connections = 2;
    Running running({}, limits);
    Client slow(running.server.port());
    slow.send("GET /v1/status HTTP/1.1\r\nHost:");
    Client kept(running.server.port());
    kept.send(get_status);
    REQUIRE(kept.response());  // its request came after slow's started: kept waited less

    Client newest(running.server.port());
    auto evicted = slow.response();
    REQUIRE(evicted);
    CHECK(evicted->status == 503);
    CHECK(slow.closed_within(3s));
    newest.send(get_status);
    auto served = newest.response();
    REQUIRE(served);
    CHECK(served->status == 200);

    // Now kept (idle since its response) has waited longest: the next newcomer evicts it, silently.
    Client another(running.server.port());
    CHECK(kept.closed_within(3s));
    another.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
    auto health = another.response();
    REQUIRE(health);
    CHECK(health->status == 200);
}

TEST_CASE("a connection within its eviction grace is not pushed out by a burst: the burst waits, and is then taken") {
    ControlLimits limits;
    limits.max_connections = 2;
    limits.eviction_grace = 300ms;
    Running running({}, limits);
    Client early(running.server.port());
    std::this_thread::sleep_for(400ms);  // past its grace: the first of the burst may evict it
    Client paused(running.server.port());  // a client that stops between connect and send
    std::vector<std::unique_ptr<Client>> burst;
    for (int i = 0; i < 6; ++i) burst.push_back(std::make_unique<Client>(running.server.port()));
    CHECK(early.closed_within(3s));
    std::this_thread::sleep_for(100ms);
    paused.send(get_status);
    auto response = paused.response();
    REQUIRE_MESSAGE(response, "the paused client was evicted within its grace");
    CHECK(response->status == 200);

    // The burst is not turned away: each is taken as the one before it leaves its grace.
    burst.back()->send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
    auto health = burst.back()->response();
    REQUIRE(health);
    CHECK(health->status == 200);
}

TEST_CASE("GET /healthz is answered while slow clients hold every connection") {
    ControlLimits limits;
    limits.max_connections = 4;
    Running running({}, limits);
    std::vector<std::unique_ptr<Client>> slow;
    for (int i = 0; i < 12; ++i) {
        slow.push_back(std::make_unique<Client>(running.server.port()));
        slow.back()->send("GET /v1/status HTTP/1.1\r\nX-Slow: ");
    }
    for (int i = 0; i < 3; ++i) {
        Client health(running.server.port());
        health.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
        auto response = health.response();
        REQUIRE(response);
        CHECK(response->status == 200);
        slow.push_back(std::make_unique<Client>(running.server.port()));
        slow.back()->send("POST /v1/reload HTTP/1.1\r\nContent-Length: 10\r\n\r\n12");
    }
    CHECK(running.backend.reloads() == 0);
}
