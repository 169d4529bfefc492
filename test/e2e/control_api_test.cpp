// The control API of the real azdns, as operators reach it (spec: "Control
// API"): fence bodies that a lenient parser would take. Every wait is bounded.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "control_client.hpp"
#include "e2e_fixture.hpp"
#include "health_world.hpp"

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

}  // namespace

TEST_SUITE("e2e_control") {

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

}  // TEST_SUITE
