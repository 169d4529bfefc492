// The control API's HTTP server over real loopback sockets, with a fake
// backend: framing, keep-alive, the token, the limits, and stop().
#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "control_server.hpp"
#include "fake_control_backend.hpp"
#include "http_client.hpp"

using azdns::ControlLimits;
using azdns::ControlServer;
using azdns::testing::FakeControlBackend;
using nlohmann::json;
using namespace std::chrono_literals;

namespace {

// The reason of the last fence call, or "" if there was none.
std::string last_reason(FakeControlBackend& backend) {
    auto fences = backend.fences();
    return fences.empty() ? std::string() : fences.back().reason;
}

azdns::ListenAddress loopback_any_port() { return {{{azdns::IpFamily::v4, {127, 0, 0, 1}}, 0}, {}}; }

struct Response {
    int status = 0;
    std::map<std::string, std::string> headers;  // names lower-cased
    std::string body;
};

// A raw HTTP client: sends bytes as given, reads responses by Content-Length.
class Client {
public:
    explicit Client(std::uint16_t port) {
        fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        REQUIRE(fd_ >= 0);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_port = htons(port);
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        REQUIRE(::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
    }
    Client(const Client&) = delete;
    Client& operator=(const Client&) = delete;
    ~Client() { ::close(fd_); }

    void send(const std::string& bytes) {
        std::size_t sent = 0;
        while (sent < bytes.size()) {
            ssize_t n = ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
            if (n <= 0) return;  // the server may have closed already
            sent += static_cast<std::size_t>(n);
        }
    }

    // The next response, or nullopt if the connection closed or 5 s passed first.
    std::optional<Response> response() {
        for (;;) {
            auto end = buffer_.find("\r\n\r\n");
            if (end != std::string::npos) {
                Response response;
                std::string head = buffer_.substr(0, end);
                std::size_t line_end = head.find("\r\n");
                std::string status_line = head.substr(0, line_end);
                REQUIRE(status_line.starts_with("HTTP/1.1 "));
                response.status = std::stoi(status_line.substr(9, 3));
                std::size_t at = line_end;
                while (at != std::string::npos && at < head.size()) {
                    std::size_t next = head.find("\r\n", at + 2);
                    std::string line = head.substr(at + 2, next == std::string::npos ? std::string::npos : next - at - 2);
                    auto colon = line.find(':');
                    std::string name = line.substr(0, colon);
                    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
                    std::string value = line.substr(colon + 1);
                    while (!value.empty() && value.front() == ' ') value.erase(0, 1);
                    response.headers[name] = value;
                    at = next;
                }
                if (response.status == 100) {
                    buffer_.erase(0, end + 4);
                    return response;
                }
                REQUIRE(response.headers.count("content-length") == 1);
                std::size_t length = std::stoul(response.headers["content-length"]);
                if (buffer_.size() >= end + 4 + length) {
                    response.body = buffer_.substr(end + 4, length);
                    buffer_.erase(0, end + 4 + length);
                    return response;
                }
            }
            if (!read_more(5s)) return std::nullopt;
        }
    }

    // True when the server closes the connection within `timeout` (any bytes before are dropped).
    bool closed_within(std::chrono::milliseconds timeout) {
        auto deadline = std::chrono::steady_clock::now() + timeout;
        for (;;) {
            auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
            if (left.count() <= 0) return false;
            pollfd entry{fd_, POLLIN, 0};
            if (::poll(&entry, 1, static_cast<int>(left.count())) <= 0) return false;
            char chunk[4096];
            ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
            if (n <= 0) return true;
        }
    }

private:
    bool read_more(std::chrono::milliseconds timeout) {
        pollfd entry{fd_, POLLIN, 0};
        if (::poll(&entry, 1, static_cast<int>(timeout.count())) <= 0) return false;
        char chunk[16384];
        ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
        if (n <= 0) return false;
        buffer_.append(chunk, static_cast<std::size_t>(n));
        return true;
    }

    int fd_ = -1;
    std::string buffer_;
};

const std::string get_status = "GET /v1/status HTTP/1.1\r\nHost: x\r\n\r\n";

struct Running {
    FakeControlBackend backend;
    ControlServer server;
    explicit Running(std::string token = {}, ControlLimits limits = {}, std::string fleet_token = {})
        : server(loopback_any_port(), std::move(token), std::move(fleet_token), backend, {}, limits) {
        std::string error;
        REQUIRE_MESSAGE(server.start(error), error);
        REQUIRE(server.port() != 0);
    }
};

}  // namespace

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

// The 401 of a request with a body: it goes out as soon as the head is in,
// and the connection closes without the body being read.
void check_refused_unread(Client& client) {
    auto response = client.response();
    REQUIRE(response);
    CHECK(response->status == 401);
    CHECK(response->headers["www-authenticate"] == "Bearer realm=\"azdns\"");
    CHECK(json::parse(response->body)["error"] == "this control API needs \"Authorization: Bearer TOKEN\"");
    CHECK(response->headers["connection"] == "close");
    CHECK(client.closed_within(3s));
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
