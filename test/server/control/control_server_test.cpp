// The control API's HTTP server over real loopback sockets, with a fake
// backend: framing, keep-alive, the token, and stop(). Its limits are
// control_limits_test.cpp's.
#include <doctest/doctest.h>

#include <string>
#include <thread>

#include "control_server_test_support.hpp"
#include "http_client.hpp"

using namespace azdns::control_test;

TEST_CASE("a request gets an HTTP/1.1 JSON response with Content-Length") {
    Running running;
    Client client(running.server.port());
    client.send(get_status);
    auto response = client.response();
    REQUIRE(response);
    CHECK(response->status == 200);
    CHECK(response->headers["content-type"] == "application/json");
    CHECK(json::parse(response->body)["zones"][0]["origin"] == "example.com.");
    CHECK(response->body.back() == '\n');
    CHECK(running.backend.status_calls() == 1);
}

TEST_CASE("metrics are text/plain") {
    Running running;
    Client client(running.server.port());
    client.send("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
    auto response = client.response();
    REQUIRE(response);
    CHECK(response->status == 200);
    CHECK(response->headers["content-type"] == "text/plain; version=0.0.4");
    CHECK(response->body == azdns::testing::fake_metrics);
}

TEST_CASE("keep-alive: two requests on one connection, then two pipelined, then Connection: close") {
    Running running;
    Client client(running.server.port());
    client.send(get_status);
    auto first = client.response();
    REQUIRE(first);
    CHECK(first->status == 200);
    CHECK(first->headers.count("connection") == 0);
    client.send("POST /v1/azs/europe-se-1a/fence HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                "Content-Length: 20\r\n\r\n{\"reason\":\"disk 2\"}\n");
    auto second = client.response();
    REQUIRE(second);
    CHECK(second->status == 200);
    CHECK(last_reason(running.backend) == "disk 2");

    client.send(get_status + "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
    auto third = client.response();
    auto fourth = client.response();
    REQUIRE(third);
    REQUIRE(fourth);
    CHECK(third->status == 200);
    CHECK(json::parse(fourth->body) == json{{"status", "serving"}});

    client.send("GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    auto last = client.response();
    REQUIRE(last);
    CHECK(last->headers["connection"] == "close");
    CHECK(client.closed_within(2s));
}

TEST_CASE("a chunked body is accepted") {
    Running running;
    Client client(running.server.port());
    client.send("POST /v1/azs/a/fence HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                "6\r\n{\"reas\r\n0c\r\non\":\"chunk\"}\r\n0\r\n\r\n");
    auto response = client.response();
    REQUIRE(response);
    CHECK(response->status == 200);
    CHECK(last_reason(running.backend) == "chunk");
}

TEST_CASE("Expect: 100-continue gets 100 Continue before the response") {
    Running running;
    Client client(running.server.port());
    client.send("POST /v1/azs/a/fence HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n");
    auto interim = client.response();
    REQUIRE(interim);
    CHECK(interim->status == 100);
    client.send("{}");
    auto response = client.response();
    REQUIRE(response);
    CHECK(response->status == 200);
}

TEST_CASE("a token is required when set, except for GET /healthz") {
    Running running("s3cret-token");
    Client client(running.server.port());

    client.send(get_status);
    auto missing = client.response();
    REQUIRE(missing);
    CHECK(missing->status == 401);
    CHECK(missing->headers["www-authenticate"].starts_with("Bearer"));
    CHECK(json::parse(missing->body).contains("error"));

    client.send("GET /v1/status HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer s3cret-tokeN\r\n\r\n");
    auto wrong = client.response();
    REQUIRE(wrong);
    CHECK(wrong->status == 401);

    client.send("GET /v1/status HTTP/1.1\r\nHost: x\r\nAuthorization: Basic czNjcmV0LXRva2Vu\r\n\r\n");
    auto basic = client.response();
    REQUIRE(basic);
    CHECK(basic->status == 401);

    client.send("POST /v1/reload HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n");
    auto reload = client.response();
    REQUIRE(reload);
    CHECK(reload->status == 401);

    client.send("GET /v1/status HTTP/1.1\r\nHost: x\r\nauthorization: bearer  s3cret-token \r\n\r\n");
    auto accepted = client.response();
    REQUIRE(accepted);
    CHECK(accepted->status == 200);

    client.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
    auto health = client.response();
    REQUIRE(health);
    CHECK(health->status == 200);

    CHECK(running.backend.status_calls() == 1);
}

TEST_CASE("the fleet token opens /v1/fleet/state and nothing else; with only a fleet token, the route needs it") {
    for (const char* operators : {"op-token", ""}) {
        CAPTURE(operators);
        Running running(operators, {}, "peer-token");
        Client client(running.server.port());
        client.send("GET /v1/fleet/state HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer peer-token\r\n\r\n");
        auto fleet = client.response();
        REQUIRE(fleet);
        CHECK(fleet->status == 200);  // through to the route
        client.send("GET /v1/fleet/state HTTP/1.1\r\nHost: x\r\n\r\n");
        auto without = client.response();
        REQUIRE(without);
        CHECK(without->status == 401);
        client.send("GET /v1/status HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer peer-token\r\n\r\n");
        auto status = client.response();
        REQUIRE(status);
        CHECK(status->status == (*operators != '\0' ? 401 : 200));
        CHECK(running.backend.fleet_state_calls() == 1);
    }
}

TEST_CASE("without the token a request is refused at its head: 401, and its body is never read") {
    ControlLimits limits;
    limits.request_timeout = 60s;  // longer than Client::response() waits: only the head can have earned the answer
    Running running("s3cret-token", limits);
    SUBCASE("a 1 MiB body, of which a few bytes are sent") {
        Client client(running.server.port());
        client.send("POST /v1/reload HTTP/1.1\r\nHost: x\r\nContent-Length: 1048576\r\n\r\n{\"a\":");
        check_refused_unread(client);
    }
    SUBCASE("a body within the limit, not yet sent") {
        Client client(running.server.port());
        client.send("POST /v1/azs/a/fence HTTP/1.1\r\nHost: x\r\nContent-Length: 60000\r\n\r\n");
        check_refused_unread(client);
    }
    SUBCASE("a chunked body, its first chunk sent") {
        Client client(running.server.port());
        client.send("POST /v1/fleet/state HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n4000\r\n{\"na");
        check_refused_unread(client);
    }
    SUBCASE("Expect: 100-continue gets the 401, never 100 Continue") {
        Client client(running.server.port());
        client.send("POST /v1/reload HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 20\r\n\r\n");
        check_refused_unread(client);
    }
    SUBCASE("a wrong token is the same") {
        Client client(running.server.port());
        client.send("POST /v1/reload HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer guess\r\nContent-Length: 100\r\n\r\n");
        auto response = client.response();
        REQUIRE(response);
        CHECK(response->status == 401);
        CHECK(json::parse(response->body)["error"] == "the bearer token is not valid");
        CHECK(client.closed_within(3s));
    }
    CHECK(running.backend.reloads() == 0);
    CHECK(running.backend.fences().empty());
    CHECK(running.backend.fleet_reports().empty());
}

TEST_CASE("stop() with idle and half-sent connections open returns promptly and closes them") {
    Running running;
    Client idle(running.server.port());
    Client half(running.server.port());
    half.send("POST /v1/reload HTTP/1.1\r\nContent-Length: 10\r\n\r\n12");
    Client kept(running.server.port());
    kept.send(get_status);
    REQUIRE(kept.response());
    auto started = std::chrono::steady_clock::now();
    running.server.stop();
    // Well under the 10 s idle timeout: stop() closed them, the timeout did not.
    CHECK(std::chrono::steady_clock::now() - started < 5s);
    CHECK(idle.closed_within(2s));
    CHECK(half.closed_within(2s));
    CHECK(kept.closed_within(2s));
    running.server.stop();  // idempotent
}

TEST_CASE("start() fails with the address when the port is taken") {
    Running running;
    FakeControlBackend backend;
    ControlServer second({{{azdns::IpFamily::v4, {127, 0, 0, 1}}, running.server.port()}, {}}, {}, {}, backend);
    std::string error;
    CHECK(!second.start(error));
    CHECK(error.find("127.0.0.1:" + std::to_string(running.server.port())) != std::string::npos);
}

TEST_CASE("IPv6 loopback works") {
    FakeControlBackend backend;
    ControlServer server({*azdns::IpAddress::parse("::1"), 0, {}}, {}, {}, backend);
    std::string error;
    if (!server.start(error)) {
        MESSAGE("no IPv6 loopback here: ", error);
        return;
    }
    int fd = ::socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
    REQUIRE(fd >= 0);
    sockaddr_in6 address{};
    address.sin6_family = AF_INET6;
    address.sin6_port = htons(server.port());
    address.sin6_addr = in6addr_loopback;
    CHECK(::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
    ::close(fd);
}

TEST_CASE("http_exchange talks to the control server, token included") {
    Running running("t0ken");
    std::string error;
    auto url = azdns::parse_http_url("http://localhost:" + std::to_string(running.server.port()), error);
    REQUIRE(url);
    azdns::HttpRequest request;
    request.method = "POST";
    request.target = "/v1/azs/europe%2Dse%2D1a/fence";
    request.body = R"({"reason":"via client"})";
    request.headers.emplace_back("Authorization", "Bearer t0ken");
    azdns::HttpResponse response;
    REQUIRE_MESSAGE(azdns::http_exchange(*url, request, response, error), error);
    CHECK(response.status == 200);
    CHECK(response.header("content-type") == "application/json");
    CHECK(json::parse(response.body)["name"] == "europe-se-1a");
    CHECK(last_reason(running.backend) == "via client");

    request.headers.clear();
    REQUIRE(azdns::http_exchange(*url, request, response, error));
    CHECK(response.status == 401);
}
