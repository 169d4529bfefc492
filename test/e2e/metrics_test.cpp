// GET /metrics end to end (spec: "Metrics"): the real azdns answers queries
// over UDP and TCP, and its scrape shows the counters moved by exactly what
// was asked; with a health config, the probe and filtering series follow
// endpoints that the test stops. Every wait is bounded.
#include <doctest/doctest.h>

#include <map>
#include <sstream>
#include <thread>

#include "control_client.hpp"
#include "e2e_fixture.hpp"
#include "fake_endpoint.hpp"
#include "health_world.hpp"
#include "transfer_primary.hpp"

using namespace azdns::e2e;
using namespace std::chrono_literals;

namespace {

// Series (name and labels exactly as written) to value.
using Scrape = std::map<std::string, double>;

std::string fetch(const AzdnsServer& server, const std::string& method, const std::string& target,
                  int& status, std::string& content_type) {
    azdns::HttpResponse response = control_request(server, method, target);
    status = response.status;
    content_type = response.header("Content-Type");
    return response.body;
}

Scrape scrape(const AzdnsServer& server, std::string* text_out = nullptr) {
    int status = 0;
    std::string content_type;
    std::string text = fetch(server, "GET", "/metrics", status, content_type);
    REQUIRE(status == 200);
    CHECK(content_type.find("text/plain; version=0.0.4") == 0);
    Scrape out;
    std::istringstream lines(text);
    std::string line;
    while (std::getline(lines, line)) {
        if (line.empty() || line[0] == '#') continue;
        auto space = line.rfind(' ');
        REQUIRE_MESSAGE(space != std::string::npos, line);
        out[line.substr(0, space)] = std::stod(line.substr(space + 1));
    }
    if (text_out != nullptr) *text_out = text;
    return out;
}

double value(const Scrape& scrape, const std::string& series) {
    auto found = scrape.find(series);
    return found == scrape.end() ? -1 : found->second;
}

double delta(const Scrape& before, const Scrape& after, const std::string& series) {
    double was = value(before, series);
    return value(after, series) - (was < 0 ? 0 : was);
}

// The sum of every series whose name and labels start with `prefix`.
double sum_of(const Scrape& scrape, const std::string& prefix) {
    double sum = 0;
    for (auto it = scrape.lower_bound(prefix); it != scrape.end() && it->first.starts_with(prefix); ++it)
        sum += it->second;
    return sum;
}

std::string queries(const char* transport, const char* rcode) {
    return std::string("azdns_queries_total{transport=\"") + transport + "\",rcode=\"" + rcode + "\"}";
}

Response must_ask(const Endpoint& server, const Query& query, bool tcp = false) {
    auto response = tcp ? ask_tcp(server, query) : ask_udp(server, query);
    REQUIRE_MESSAGE(response, "no answer to ", query.name);
    return *response;
}

}  // namespace

TEST_SUITE("e2e_metrics") {

TEST_CASE("query counters move by the queries asked, by transport and rcode; TC counted; drops are \"none\"") {
    auto& server = shared_server();
    REQUIRE_SERVER(server);
    std::string text;
    Scrape before = scrape(server, &text);
    for (const char* family : {"azdns_queries_total", "azdns_responses_truncated_total", "azdns_answers_filtered_total",
                               "azdns_az_fenced", "azdns_endpoint_up", "azdns_probe_duration_seconds",
                               "azdns_probe_failures_total", "azdns_zone_serial", "azdns_zone_reload_errors_total"}) {
        CHECK_MESSAGE(text.find(std::string("# TYPE ") + family + " ") != std::string::npos, family);
    }
    CHECK(value(before, "azdns_zone_serial{zone=\"example.com.\",view=\"file\"}") == 2026010101);
    CHECK(value(before, "azdns_answers_filtered_total{zone=\"example.com.\"}") == 0);
    CHECK(value(before, "azdns_zone_reload_errors_total{zone=\"example.net.\"}") == 0);

    const Endpoint v4 = server.v4();
    for (int i = 0; i < 3; ++i) CHECK(must_ask(v4, {.name = "www.example.com."}).rcode == rcode::NOERROR);
    for (int i = 0; i < 2; ++i) CHECK(must_ask(v4, {.name = "nope.example.com."}).rcode == rcode::NXDOMAIN);
    CHECK(must_ask(v4, {.name = "www.example.org."}).rcode == rcode::REFUSED);
    auto truncated = must_ask(v4, {.name = "medium.example.com.", .type = rrtype::TXT});
    CHECK(truncated.tc);
    for (int i = 0; i < 2; ++i) CHECK(must_ask(v4, {.name = "www.example.com."}, true).rcode == rcode::NOERROR);
    CHECK(must_ask(v4, {.name = "www.example.com.", .opcode = 2}, true).rcode == rcode::NOTIMP);
    {
        // A response (QR=1) gets no answer; the query after it on the same
        // socket reaches the same listener thread, so once that is
        // answered the drop has been counted.
        UdpSocket socket(v4);
        REQUIRE(socket.ok());
        Query dropped{.name = "www.example.com."};
        Bytes packet = encode(dropped);
        packet[2] |= 0x80;
        REQUIRE(socket.send(packet));
        Query next{.name = "www.example.com."};
        REQUIRE(socket.send(encode(next)));
        REQUIRE(socket.receive());
    }

    Scrape after = scrape(server);
    CHECK(delta(before, after, queries("udp", "NOERROR")) == 3 + 1 + 1);  // + the TC one + the one after the drop
    CHECK(delta(before, after, queries("udp", "NXDOMAIN")) == 2);
    CHECK(delta(before, after, queries("udp", "REFUSED")) == 1);
    CHECK(delta(before, after, queries("udp", "none")) == 1);
    CHECK(delta(before, after, queries("udp", "SERVFAIL")) == 0);
    CHECK(delta(before, after, queries("tcp", "NOERROR")) == 2);
    CHECK(delta(before, after, queries("tcp", "NOTIMP")) == 1);
    CHECK(delta(before, after, queries("tcp", "NXDOMAIN")) == 0);
    CHECK(delta(before, after, "azdns_responses_truncated_total") == 1);
    CHECK(delta(before, after, "azdns_answers_filtered_total{zone=\"example.com.\"}") == 0);
}

TEST_CASE("a zone that fails to reload is counted and keeps its serial") {
    AzdnsServer server;
    REQUIRE_SERVER(server);
    write_text(server.dir() / "example.net.zone", "this is not a zone\n");
    int status = 0;
    std::string content_type;
    std::string body = fetch(server, "POST", "/v1/reload", status, content_type);
    CHECK_MESSAGE(status == 409, body);  // a zone that failed is a failed reload
    Scrape after = scrape(server);
    CHECK(value(after, "azdns_zone_reload_errors_total{zone=\"example.net.\"}") == 1);
    CHECK(value(after, "azdns_zone_reload_errors_total{zone=\"example.com.\"}") == 0);
    CHECK(value(after, "azdns_zone_serial{zone=\"example.net.\",view=\"file\"}") == 7);
}

TEST_CASE("transfer series: an AXFR out counted by kind, a NOTIFY by outcome, the filtered serial") {
    azdns::testing::FakeDnsEndpoint secondary;  // answers the NOTIFY with NOERROR
    std::string error;
    REQUIRE_MESSAGE(secondary.start(error), error);
    AzdnsServer server(primary_options(secondary.port()));
    REQUIRE_SERVER(server);
    const std::string target = "zone=\"example.com.\",target=\"127.0.0.1:" + std::to_string(secondary.port()) + "\"";
    const std::string acked = "azdns_notify_total{" + target + ",outcome=\"acked\"}";
    const std::string axfr = "azdns_transfers_out_total{kind=\"axfr\"}";

    Scrape before = scrape(server);
    CHECK(value(before, axfr) == 0);
    REQUIRE(must_ask(server.v4(), {"example.com.", rrtype::AXFR}, true).rcode == 0);
    // Counted when the last message is written, the NOTIFY when its answer is read: soon, not at once.
    Scrape after;
    std::string text;
    for (int attempt = 0; attempt < 100; ++attempt) {
        after = scrape(server, &text);
        if (value(after, axfr) == 1 && value(after, acked) == 1) break;
        std::this_thread::sleep_for(100ms);
    }
    INFO(text);
    CHECK(value(after, axfr) == 1);
    CHECK(value(after, "azdns_transfers_out_total{kind=\"ixfr\"}") == 0);
    CHECK(value(after, "azdns_transfers_out_failed_total") == 0);
    CHECK(value(after, "azdns_transfers_turned_away_total") == 0);
    CHECK(value(after, acked) == 1);
    CHECK(value(after, "azdns_notify_total{" + target + ",outcome=\"refused\"}") == 0);
    CHECK(value(after, "azdns_notify_total{" + target + ",outcome=\"failed\"}") == 0);
    CHECK(value(after, "azdns_notify_sent_total{" + target + "}") == 1);
    CHECK(value(after, "azdns_zone_serial{zone=\"example.com.\",view=\"file\"}") == 2026010101);
    CHECK(value(after, "azdns_zone_serial{zone=\"example.com.\",view=\"filtered\"}") == 2026010101);
    CHECK(value(after, "azdns_zone_serial{zone=\"example.net.\",view=\"filtered\"}") == -1);  // no rule: none
}

TEST_CASE("health series: probe durations, endpoint state, failures by reason, filtered answers") {
    EndpointFarm farm({"127.0.0.71", "127.0.0.72"});
    REQUIRE_MESSAGE(farm.ok(), farm.error());
    AzdnsServer server(options_for(zone_with({{"www", "127.0.0.71"}, {"www", "127.0.0.72"}}),
                                   az("az-a", {"127.0.0.71"}) + az("az-b", {"127.0.0.72"}) + web_check(farm.port()) +
                                       service("www.health.test.")));
    REQUIRE_SERVER(server);
    const std::string www = "www.health.test.";
    auto both = wait_for_answer(server.v4(), www, rrtype::A, [](const Response& r) {
        return addresses_in(r) == std::set<std::string>{"127.0.0.71", "127.0.0.72"};
    }, 3s);
    REQUIRE_MESSAGE(both.response, describe(both, server));

    std::string text;
    Scrape up = scrape(server, &text);
    INFO(text);
    CHECK(value(up, "azdns_probe_duration_seconds_count{check=\"web\"}") > 0);
    CHECK(value(up, "azdns_probe_duration_seconds_bucket{check=\"web\",le=\"+Inf\"}") ==
          value(up, "azdns_probe_duration_seconds_count{check=\"web\"}"));
    CHECK(value(up, "azdns_endpoint_up{address=\"127.0.0.71\",az=\"az-a\",check=\"web\"}") == 1);
    CHECK(value(up, "azdns_az_fenced{az=\"az-a\",reason=\"health\"}") == 0);
    CHECK(value(up, "azdns_answers_filtered_total{zone=\"health.test.\"}") == 0);

    farm.at("127.0.0.71").stop();
    auto gone = wait_for_answer(server.v4(), www, rrtype::A,
                                [](const Response& r) { return without(r, "127.0.0.71"); }, 5s);
    REQUIRE_MESSAGE(gone.response, describe(gone, server));
    Scrape fenced = scrape(server);
    for (int i = 0; i < 3; ++i) CHECK(addresses_in(must_ask(server.v4(), {.name = www})) == std::set<std::string>{"127.0.0.72"});
    CHECK(addresses_in(must_ask(server.v4(), {.name = www}, true)) == std::set<std::string>{"127.0.0.72"});

    Scrape down = scrape(server, &text);
    INFO(text);
    CHECK(delta(fenced, down, "azdns_answers_filtered_total{zone=\"health.test.\"}") == 4);
    CHECK(value(down, "azdns_endpoint_up{address=\"127.0.0.71\",az=\"az-a\",check=\"web\"}") == 0);
    CHECK(value(down, "azdns_endpoint_up{address=\"127.0.0.72\",az=\"az-b\",check=\"web\"}") == 1);
    CHECK(value(down, "azdns_az_fenced{az=\"az-a\",reason=\"health\"}") == 1);
    // fall 2: at least two failures. A probe in flight when the endpoint stopped
    // fails as "connection reset"; those after it are refused.
    CHECK(sum_of(down, "azdns_probe_failures_total{check=\"web\",") >= 2);
    CHECK(value(down, "azdns_probe_failures_total{check=\"web\",reason=\"connect refused\"}") >= 1);
    CHECK(value(down, "azdns_probe_duration_seconds_count{check=\"web\"}") >
          value(up, "azdns_probe_duration_seconds_count{check=\"web\"}"));
}

}  // TEST_SUITE
