// HttpResponseCheck without sockets: the verdicts and the memory bounds.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "http_response.hpp"
#include "probe_errors.hpp"

using azdns::HttpResponseCheck;

namespace {

const std::vector<unsigned> status_200{200};

}  // namespace

TEST_CASE("a complete response with the expected status and body passes") {
    std::string body = "all ok here";
    HttpResponseCheck check(status_200, "ok");
    std::string response = "HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\n" + body;
    auto verdict = check.feed(response.data(), response.size());
    REQUIRE(verdict);
    CHECK(verdict->ok);
}

TEST_CASE("the verdict waits for the whole body, fed in pieces") {
    HttpResponseCheck check(status_200, "");
    std::string head = "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nab";
    CHECK_FALSE(check.feed(head.data(), head.size()));
    auto verdict = check.feed("cd", 2);
    REQUIRE(verdict);
    CHECK_MESSAGE(verdict->ok, verdict->error);
}

TEST_CASE("an unexpected status fails at the end of the headers") {
    std::vector<unsigned> expect{200, 204};
    HttpResponseCheck check(expect, "");
    std::string head = "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 1000\r\n\r\n";
    auto verdict = check.feed(head.data(), head.size());
    REQUIRE(verdict);
    CHECK(verdict->error == "status 503");
}

TEST_CASE("a chunked body without the expected text fails") {
    HttpResponseCheck check(status_200, "healthy");
    std::string response = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nsick\r\n0\r\n\r\n";
    auto verdict = check.feed(response.data(), response.size());
    REQUIRE(verdict);
    CHECK(verdict->error == "body lacks \"healthy\"");
}

TEST_CASE("a body delimited by the end of the connection completes at EOF") {
    HttpResponseCheck check(status_200, "ok");
    std::string response = "HTTP/1.1 200 OK\r\n\r\nok";
    CHECK_FALSE(check.feed(response.data(), response.size()));
    auto verdict = check.end_of_input();
    CHECK_MESSAGE(verdict.ok, verdict.error);
}

TEST_CASE("a response cut short fails at EOF") {
    HttpResponseCheck check(status_200, "");
    std::string response = "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc";
    CHECK_FALSE(check.feed(response.data(), response.size()));
    CHECK(check.end_of_input().error == azdns::probe_error::bad_response);
    HttpResponseCheck silent(status_200, "");
    CHECK(silent.end_of_input().error == azdns::probe_error::closed_early);
}

TEST_CASE("bytes that are not HTTP fail at once") {
    HttpResponseCheck check(status_200, "");
    std::string junk = "\x01\x02garbage\r\n\r\n";
    auto verdict = check.feed(junk.data(), junk.size());
    REQUIRE(verdict);
    CHECK(verdict->error == azdns::probe_error::bad_response);
}

TEST_CASE("a body past the read cap fails, and only 64 KiB is searched") {
    HttpResponseCheck check(status_200, "needle");
    std::string head = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
    REQUIRE_FALSE(check.feed(head.data(), head.size()));
    std::string chunk = "4000\r\n" + std::string(0x4000, 'x') + "\r\n";
    std::optional<azdns::ProbeResult> verdict;
    std::size_t fed = head.size();
    while (!verdict && fed < 4 * HttpResponseCheck::max_read) {
        verdict = check.feed(chunk.data(), chunk.size());
        fed += chunk.size();
    }
    REQUIRE(verdict);
    CHECK(verdict->error == "response too large");
    CHECK(fed <= HttpResponseCheck::max_read + chunk.size());
}
