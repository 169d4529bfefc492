// The control API of the real azdns, as operators and attackers reach it
// (spec: "Control API"): fence bodies that a lenient parser would take, and
// hundreds of slow clients that must not shut out /healthz, /v1/status or a
// fence. Every wait is bounded.
#include <doctest/doctest.h>

#include <poll.h>

#include <nlohmann/json.hpp>

#include <thread>

#include "control_client.hpp"
#include "e2e_fixture.hpp"
#include "fake_endpoint.hpp"
#include "health_world.hpp"
#include "slow_clients.hpp"
#include "transfer_primary.hpp"

using namespace azdns::e2e;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

// Two AZs and no service: fencing either strands nothing.
ServerOptions two_azs() {
    return options_for(zone_with({{"www", "127.0.0.71"}, {"www", "127.0.0.72"}}),
                       az("az-a", {"127.0.0.71"}) + az("az-b", {"127.0.0.72"}));
}

json az_status(const AzdnsServer& server, const std::string& name) {
    json status = json::parse(control_request(server, "GET", "/v1/status").body);
    for (const json& az : status["azs"])
        if (az["name"] == name) return az;
    FAIL("no AZ ", name, " in /v1/status");
    return {};
}

// Requests that did not get 200, as "GET /healthz: 503 {...}" lines.
struct Failures {
    std::size_t asked = 0;
    std::vector<std::string> lines;

    void expect_ok(const AzdnsServer& server, const std::string& method, const std::string& target,
                   const std::string& body = {}) {
        ++asked;
        azdns::HttpResponse response = try_control_request(server, method, target, body);
        if (response.status != 200)
            lines.push_back(method + " " + target + ": " + std::to_string(response.status) + " " + response.body);
    }
};

json zone_transfers(const json& status, const std::string& origin) {
    for (const json& zone : status["zones"])
        if (zone["origin"] == origin) return zone.value("transfers", json());
    FAIL("no zone ", origin, " in /v1/status: ", status.dump());
    return {};
}

}  // namespace

TEST_SUITE("e2e_control") {

TEST_CASE("status shows each zone's transfers: its rules, an AXFR out as the client saw it, a NOTIFY acknowledged") {
    azdns::testing::FakeDnsEndpoint secondary;  // answers the NOTIFY with NOERROR
    std::string error;
    REQUIRE_MESSAGE(secondary.start(error), error);
    AzdnsServer server(primary_options(secondary.port()));
    REQUIRE_SERVER(server);

    const auto axfr = ask_tcp(server.v4(), {"example.com.", rrtype::AXFR});
    REQUIRE_MESSAGE(axfr, server.log());
    REQUIRE(axfr->rcode == 0);
    REQUIRE(axfr->answer.size() > 2);

    // The transfer is recorded when its last message is written, the NOTIFY
    // when the target's answer is read: both soon, neither at once.
    json status;
    json com;
    for (int attempt = 0; attempt < 100; ++attempt) {
        status = json::parse(control_request(server, "GET", "/v1/status").body);
        com = zone_transfers(status, "example.com.");
        if (!com["last_out"].is_null() && !com["notify"].empty() && com["notify"][0]["outcome"] == "acked") break;
        std::this_thread::sleep_for(100ms);
    }
    INFO(status.dump(2));
    CHECK(com["source"] == "file");
    CHECK(com["serial"] == 2026010101);
    CHECK(com["filtered_serial"] == 2026010101);  // first served: the file's serial
    CHECK(com["allow_transfer"] == json::parse(R"([{"prefixes":["127.0.0.1/32"],"key":null,"view":"filtered"}])"));

    const json& out = com["last_out"];
    REQUIRE(out.is_object());
    CHECK(out["kind"] == "axfr");
    CHECK(out["view"] == "filtered");
    CHECK(out["serial"] == 2026010101);
    CHECK(out["client"].get<std::string>().starts_with("127.0.0.1:"));
    CHECK(out["messages"] == 1);
    CHECK(out["bytes"] == axfr->wire.size());
    CHECK(out["error"].is_null());
    CHECK(out["time"].get<std::string>().ends_with("Z"));

    REQUIRE(com["notify"].size() == 1);
    const json& notify = com["notify"][0];
    CHECK(notify["target"] == "127.0.0.1:" + std::to_string(secondary.port()));
    CHECK(notify["outcome"] == "acked");
    CHECK(notify["serial"] == 2026010101);
    CHECK(notify["tries"] == 1);
    CHECK(notify["last_acked"].is_string());
    CHECK(notify["error"].is_null());
    CHECK(secondary.last_query_name() == "example.com.");

    json net = zone_transfers(status, "example.net.");
    CHECK(net["source"] == "file");
    CHECK(net["serial"] == 7);
    CHECK(net["filtered_serial"].is_null());
    CHECK(net["allow_transfer"].empty());
    CHECK(net["notify"].empty());
    CHECK(net["last_out"].is_null());

    CHECK(status["transfers"]["out_axfr"] == 1);
    CHECK(status["transfers"]["out_failed"] == 0);
    CHECK(status["transfers"]["notify_acked"] == 1);
}

TEST_CASE("a lenient fence body is refused with 400 and a reason; nothing is fenced or saved") {
    AzdnsServer server(two_azs());
    REQUIRE_SERVER(server);
    struct Case {
        std::string body;
        const char* says;
    };
    for (const auto& [body, says] :
         {Case{"\xEF\xBB\xBF{\"reason\":\"LENIENT bom\"}", "byte-order mark"},
          Case{R"({"reason":"LENIENT one","reason":"LENIENT two"})", "\"reason\" given twice"},
          Case{R"({"reason":"LENIENT junk"} {"force":true})", "invalid JSON"},
          Case{R"({"reason":"LENIENT long )" + std::string(60 * 1024, 'x') + "\"}", "longer than 256 bytes"},
          Case{R"({"reason":"LENIENT","for":3600})", "\"for\" must be a duration"},
          Case{R"({"reason":"LENIENT","until":"1h"})", "unknown field \"until\""}}) {
        CAPTURE(body.substr(0, 60));
        azdns::HttpResponse response = control_request(server, "POST", "/v1/azs/az-a/fence", body);
        CHECK_MESSAGE(response.status == 400, response.body.substr(0, 200));
        if (response.status != 400) continue;
        json error = json::parse(response.body, nullptr, false);
        REQUIRE_MESSAGE(error.is_object(), response.body);
        CHECK_MESSAGE(error["error"].get<std::string>().find(says) != std::string::npos, response.body);
    }
    json az = az_status(server, "az-a");
    CHECK(az["state"] == "up");
    CHECK(az["manual_reason"].is_null());
    const fs::path saved = server.dir() / "state" / "health.json";
    CHECK(read_text(saved).find("LENIENT") == std::string::npos);

    // The same AZ fences with a proper body, and that is saved: the checks above could have seen it.
    azdns::HttpResponse fenced = control_request(server, "POST", "/v1/azs/az-a/fence", R"({"reason":"proper"})");
    CHECK_MESSAGE(fenced.status == 200, fenced.body);
    CHECK(az_status(server, "az-a")["manual_reason"] == "proper");
    CHECK(read_text(saved).find("proper") != std::string::npos);
}

TEST_CASE("400 slow clients (slowloris) do not shut out /healthz, /v1/status or a fence") {
    constexpr std::size_t attackers = 400;
    std::string error;
    REQUIRE_MESSAGE(SlowClients::make_room(attackers, error), error);
    AzdnsServer server(two_azs());
    REQUIRE_SERVER(server);

    SlowClients slow(server.control_port(), attackers);
    Failures failures;
    // Past the request deadline (5 s), so that the slow clients' own requests
    // time out too; 28 rounds of 250 ms, each request bounded by the client's 5 s.
    for (int round = 0; round < 28; ++round) {
        failures.expect_ok(server, "GET", "/healthz");
        failures.expect_ok(server, "GET", "/v1/status");
        if (round == 10) failures.expect_ok(server, "POST", "/v1/azs/az-a/fence", R"({"reason":"under attack"})");
        if (round == 20) failures.expect_ok(server, "DELETE", "/v1/azs/az-a/fence");
        ::poll(nullptr, 0, 250);
    }
    const std::size_t connects = slow.connects();
    const std::size_t bytes = slow.bytes_sent();
    slow.stop();
    MESSAGE(failures.asked << " requests during the attack; the slow clients opened " << connects
                           << " connections, sent " << bytes << " bytes, and had " << slow.closed_by_server()
                           << " closed by the server");
    const std::string first = failures.lines.empty() ? std::string() : failures.lines.front();
    CHECK_MESSAGE(failures.lines.empty(), failures.lines.size() << " failed, the first: " << first);
    CHECK(connects >= attackers);  // every slow client did connect: the pressure was real
    CHECK(az_status(server, "az-a")["state"] == "up");
    CHECK(server.running());
}

}  // TEST_SUITE
