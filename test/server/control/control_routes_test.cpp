// The control API's routes, without sockets: every route, the errors, the
// percent-decoding and the fence body's validation, against a fake backend.
#include <doctest/doctest.h>

#include "control_routes.hpp"
#include "fence_request.hpp"
#include "fake_control_backend.hpp"

using azdns::ControlRequest;
using azdns::ControlResponse;
using azdns::testing::FakeControlBackend;
using nlohmann::json;

namespace {

ControlResponse call(FakeControlBackend& backend, std::string method, std::string target, std::string body = {}) {
    return azdns::route(ControlRequest{std::move(method), std::move(target), std::move(body)}, backend);
}

json body_of(const ControlResponse& response) {
    REQUIRE(response.content_type == "application/json");
    REQUIRE(!response.body.empty());
    CHECK(response.body.back() == '\n');
    return json::parse(response.body);
}

std::string error_of(const ControlResponse& response) {
    json body = body_of(response);
    REQUIRE(body.is_object());
    REQUIRE(body.contains("error"));
    REQUIRE(body["error"].is_string());
    return body["error"].get<std::string>();
}

std::string header(const ControlResponse& response, const std::string& name) {
    for (const auto& [key, value] : response.headers)
        if (key == name) return value;
    return {};
}

}  // namespace

TEST_CASE("GET /v1/status returns the backend's status") {
    FakeControlBackend backend;
    auto response = call(backend, "GET", "/v1/status");
    CHECK(response.status == 200);
    CHECK(body_of(response) == backend.status());
    CHECK(call(backend, "GET", "/v1/status?verbose=1").status == 200);  // a query string on other routes is ignored
}

TEST_CASE("GET /healthz and /metrics") {
    FakeControlBackend backend;
    auto health = call(backend, "GET", "/healthz");
    CHECK(health.status == 200);
    CHECK(body_of(health) == json{{"status", "serving"}});
    auto metrics = call(backend, "GET", "/metrics");
    CHECK(metrics.status == 200);
    CHECK(metrics.content_type == "text/plain; version=0.0.4");
    CHECK(metrics.body == azdns::testing::fake_metrics);
}

TEST_CASE("POST /v1/reload") {
    FakeControlBackend backend;
    auto response = call(backend, "POST", "/v1/reload");
    CHECK(response.status == 200);
    CHECK(backend.reloads() == 1);
    CHECK(body_of(response)["zones"][0]["origin"] == "example.com.");
    CHECK(body_of(response)["error"].is_null());

    backend.set_config_broken(true);
    auto broken = call(backend, "POST", "/v1/reload");
    CHECK(broken.status == 409);
    CHECK(error_of(broken).find("not applied") != std::string::npos);
    CHECK(body_of(broken)["config"]["errors"].size() == 1);
}

TEST_CASE("unknown paths are 404 and wrong methods 405 with Allow, all with a JSON error") {
    FakeControlBackend backend;
    for (const char* target : {"/", "/v1", "/v1/status/", "/v2/status", "/v1/azs/a/fence/x", "/v1/azs/a", "/metricsx"}) {
        CAPTURE(target);
        auto response = call(backend, "GET", target);
        CHECK(response.status == 404);
        CHECK(!error_of(response).empty());
    }
    struct Case {
        const char* method;
        const char* target;
        const char* allow;
    };
    for (const auto& [method, target, allow] : {Case{"POST", "/v1/status", "GET"}, Case{"DELETE", "/healthz", "GET"},
                                               Case{"PUT", "/metrics", "GET"}, Case{"GET", "/v1/reload", "POST"},
                                               Case{"POST", "/v1/explain?name=a", "GET"},
                                               Case{"GET", "/v1/azs/a/fence", "POST, DELETE"},
                                               Case{"HEAD", "/v1/azs/a/fence", "POST, DELETE"},
                                               Case{"PUT", "/v1/fleet/state", "GET, POST"},
                                               Case{"DELETE", "/v1/fleet/state", "GET, POST"}}) {
        CAPTURE(target);
        auto response = call(backend, method, target);
        CHECK(response.status == 405);
        CHECK(header(response, "Allow") == allow);
        CHECK(!error_of(response).empty());
    }
    CHECK(backend.fences().empty());
    CHECK(backend.reloads() == 0);
    CHECK(backend.fleet_reports().empty());
    CHECK(backend.fleet_state_calls() == 0);
    CHECK(call(backend, "GET", "*").status == 400);
}

TEST_CASE("the 404 of an unknown path lists every route, the fleet's included") {
    FakeControlBackend backend;
    auto response = call(backend, "GET", "/v1/fleet");
    CHECK(response.status == 404);
    CHECK(error_of(response).find("/v1/fleet/state") != std::string::npos);
    CHECK(call(backend, "POST", "/v1/fleet/state/x", "{}").status == 404);
    CHECK(backend.fleet_reports().empty());
}

TEST_CASE("POST /v1/fleet/state hands the body to the backend untouched; its reply passes through") {
    FakeControlBackend backend;
    // Bytes a JSON re-encoding would change: spacing, key order, an escape.
    const std::string body = "{ \"sequence\":9,\n  \"name\" : \"ns2\", \"generation\": 4, \"note\": \"\\u00e9\" }";
    auto response = call(backend, "POST", "/v1/fleet/state", body);
    CHECK(response.status == 200);
    CHECK(body_of(response) == json{{"generation", 4}, {"sequence", 9}});
    REQUIRE(backend.fleet_reports().size() == 1);
    CHECK(backend.fleet_reports()[0] == body);

    auto garbage = call(backend, "POST", "/v1/fleet/state", "not json");
    CHECK(garbage.status == 400);
    CHECK(error_of(garbage) == "not a fleet report");
    auto stranger = call(backend, "POST", "/v1/fleet/state?from=x", R"({"name":"ns9"})");
    CHECK(stranger.status == 403);
    CHECK(error_of(stranger).find("ns9") != std::string::npos);
    backend.set_has_peers(false);
    auto alone = call(backend, "POST", "/v1/fleet/state", R"({"name":"ns2"})");
    CHECK(alone.status == 404);
    CHECK(error_of(alone) == "this instance has no peers");
    CHECK(backend.fleet_reports().size() == 4);
}

TEST_CASE("GET /v1/fleet/state returns this instance's own report") {
    FakeControlBackend backend;
    auto response = call(backend, "GET", "/v1/fleet/state");
    CHECK(response.status == 200);
    CHECK(body_of(response) == azdns::testing::fake_fleet_state);
    CHECK(backend.fleet_reports().empty());
    backend.set_has_peers(false);
    CHECK(call(backend, "GET", "/v1/fleet/state").status == 404);
    CHECK(backend.fleet_state_calls() == 2);
}

TEST_CASE("an absolute-form target is served like its path") {
    FakeControlBackend backend;
    CHECK(call(backend, "GET", "http://127.0.0.1:8053/healthz").status == 200);
    CHECK(call(backend, "GET", "http://127.0.0.1:8053").status == 404);
}

TEST_CASE("POST /v1/azs/NAME/fence passes the body's fields") {
    FakeControlBackend backend;
    auto response = call(backend, "POST", "/v1/azs/europe-se-1a/fence", R"({"reason":"disk swap","for":"2h","force":false})");
    CHECK(response.status == 200);
    CHECK(body_of(response)["state"] == "fenced");
    auto fences = backend.fences();
    REQUIRE(fences.size() == 1);
    CHECK(fences[0].az == "europe-se-1a");
    CHECK(fences[0].reason == "disk swap");
    REQUIRE(fences[0].for_duration.has_value());
    CHECK(fences[0].for_duration->count() == 2 * 3600 * 1000);
    CHECK(!fences[0].force);

    SUBCASE("no body, an empty object and nulls are the defaults") {
        for (const char* body : {"", "  \r\n", "{}", R"({"reason":null,"for":null,"force":null})"}) {
            CAPTURE(body);
            backend.clear_calls();
            CHECK(call(backend, "POST", "/v1/azs/europe-se-1a/fence", body).status == 200);
            fences = backend.fences();
            REQUIRE(fences.size() == 1);
            CHECK(fences[0].reason.empty());
            CHECK(!fences[0].for_duration.has_value());
            CHECK(!fences[0].force);
        }
    }
    SUBCASE("force and a compound duration") {
        backend.clear_calls();
        CHECK(call(backend, "POST", "/v1/azs/europe-se-1b/fence", R"({"force":true,"for":"1m30s"})").status == 200);
        fences = backend.fences();
        REQUIRE(fences.size() == 1);
        CHECK(fences[0].force);
        CHECK(fences[0].for_duration->count() == 90'000);
    }
}

TEST_CASE("a bad fence body is 400 and never reaches the backend") {
    FakeControlBackend backend;
    struct Case {
        const char* body;
        const char* says;
    };
    for (const auto& [body, says] : {Case{"{", "invalid JSON"}, Case{"reason=x", "invalid JSON"},
                                     Case{"[]", "JSON object"}, Case{"\"x\"", "JSON object"},
                                     Case{R"({"reason":5})", "\"reason\" must be a string"},
                                     Case{R"({"for":"2x"})", "invalid \"for\" \"2x\""},
                                     Case{R"({"for":"-1h"})", "invalid \"for\""},
                                     Case{R"({"for":7200})", "\"for\" must be a duration"},
                                     Case{R"({"for":"0s"})", "longer than zero"},
                                     Case{R"({"force":"yes"})", "\"force\" must be true or false"},
                                     Case{R"({"reason":"x","forse":true})", "unknown field \"forse\""}}) {
        CAPTURE(body);
        auto response = call(backend, "POST", "/v1/azs/europe-se-1a/fence", body);
        CHECK(response.status == 400);
        CHECK(error_of(response).find(says) != std::string::npos);
    }
    CHECK(backend.fences().empty());
}

TEST_CASE("a lenient fence body is 400: a BOM, a key twice, trailing junk, an overlong or multi-line reason") {
    FakeControlBackend backend;
    struct Case {
        std::string body;
        const char* says;
    };
    const std::string long_reason(azdns::max_fence_reason_bytes + 1, 'r');
    for (const auto& [body, says] :
         {Case{"\xEF\xBB\xBF{\"reason\":\"x\"}", "byte-order mark"},
          Case{R"({"reason":"a","reason":"b"})", "\"reason\" given twice"},
          Case{R"({"force":false,"for":"1h","force":true})", "\"force\" given twice"},
          Case{R"({"reason":"x"} {"force":true})", "invalid JSON"},
          Case{R"({"reason":"x"}x)", "invalid JSON"},
          Case{std::string(R"({"reason":"x"})") + '\0', "invalid JSON"},
          Case{R"({"reason":")" + long_reason + "\"}", "longer than 256 bytes"},
          Case{R"({"reason":"line one\nline two"})", "control character"},
          Case{R"({"reason":"tab\there"})", "control character"},
          Case{R"({"reason":["x"]})", "\"reason\" must be a string"},
          Case{R"({"force":1})", "\"force\" must be true or false"},
          Case{R"({"Reason":"x"})", "unknown field \"Reason\""}}) {
        CAPTURE(body);
        auto response = call(backend, "POST", "/v1/azs/europe-se-1a/fence", body);
        CHECK_MESSAGE(response.status == 400, response.body);
        if (response.status != 400) continue;
        const std::string error = error_of(response);
        CHECK_MESSAGE(error.find(says) != std::string::npos, error);
    }
    CHECK(backend.fences().empty());
}

TEST_CASE("a fence reason of exactly the limit, in any script, is accepted") {
    FakeControlBackend backend;
    std::string reason;
    while (reason.size() + 3 <= azdns::max_fence_reason_bytes) reason += "\xE5\x8D\x8A";  // U+534A, 3 bytes
    reason.append(azdns::max_fence_reason_bytes - reason.size(), 'r');
    auto response = call(backend, "POST", "/v1/azs/europe-se-1a/fence", json{{"reason", reason}}.dump());
    CHECK(response.status == 200);
    REQUIRE(backend.fences().size() == 1);
    CHECK(backend.fences()[0].reason == reason);
}

TEST_CASE("the AZ name is percent-decoded; a malformed escape is 400") {
    FakeControlBackend backend;
    CHECK(call(backend, "POST", "/v1/azs/europe%2dse%2D1a/fence").status == 200);
    CHECK(call(backend, "DELETE", "/v1/azs/a%2Fb%20c+d/fence").status == 200);
    auto fences = backend.fences();
    REQUIRE(fences.size() == 1);
    CHECK(fences[0].az == "europe-se-1a");
    auto unfences = backend.unfences();
    REQUIRE(unfences.size() == 1);
    CHECK(unfences[0] == "a/b c+d");  // '+' is literal in a path
    for (const char* target : {"/v1/azs/%zz/fence", "/v1/azs/%4/fence", "/v1/azs/a%/fence", "/v1/azs/a%00b/fence"}) {
        CAPTURE(target);
        auto response = call(backend, "POST", target);
        CHECK(response.status == 400);
        CHECK(error_of(response).find("percent-encoding") != std::string::npos);
    }
    CHECK(call(backend, "POST", "/v1/azs//fence").status == 404);
    CHECK(backend.fences().size() == 1);
}

TEST_CASE("the backend's 404 and 409 pass through; an error without a message gets one") {
    FakeControlBackend backend;
    auto unknown = call(backend, "POST", "/v1/azs/nowhere/fence");
    CHECK(unknown.status == 404);
    CHECK(error_of(unknown) == "no AZ named \"nowhere\"");
    auto refused = call(backend, "POST", "/v1/azs/europe-se-1b/fence", R"({"reason":"x"})");
    CHECK(refused.status == 409);
    CHECK(body_of(refused)["services"] == json{"www.example.com.", "api.example.com."});
    CHECK(call(backend, "DELETE", "/v1/azs/nowhere/fence").status == 404);
    auto plain = call(backend, "DELETE", "/v1/azs/plain/fence");
    CHECK(plain.status == 404);
    CHECK(error_of(plain) == "Not Found");
}

TEST_CASE("DELETE /v1/azs/NAME/fence unfences") {
    FakeControlBackend backend;
    auto response = call(backend, "DELETE", "/v1/azs/europe-se-1b/fence", "ignored");
    CHECK(response.status == 200);
    CHECK(body_of(response)["state"] == "up");
    CHECK(backend.unfences() == std::vector<std::string>{"europe-se-1b"});
}

TEST_CASE("?scope=local keeps a fence or an unfence to this instance; the fleet is the default") {
    FakeControlBackend backend;
    CHECK(call(backend, "POST", "/v1/azs/a/fence").status == 200);
    CHECK(call(backend, "POST", "/v1/azs/a/fence?scope=local").status == 200);
    CHECK(call(backend, "DELETE", "/v1/azs/a/fence?scope=local").status == 200);
    CHECK(call(backend, "DELETE", "/v1/azs/a/fence?scope=fleet").status == 200);
    CHECK(backend.scopes() ==
          std::vector<azdns::FenceScope>{azdns::FenceScope::fleet, azdns::FenceScope::local, azdns::FenceScope::local, azdns::FenceScope::fleet});
    auto wrong = call(backend, "POST", "/v1/azs/a/fence?scope=everywhere");
    CHECK(wrong.status == 400);
    CHECK(error_of(wrong) == "the only query a fence takes is scope=local or scope=fleet");
    CHECK(backend.scopes().size() == 4);
}

TEST_CASE("DELETE ?now=true lifts without a ramp, with either scope; anything else in the query is refused") {
    FakeControlBackend backend;
    CHECK(call(backend, "DELETE", "/v1/azs/a/fence?now=true").status == 200);
    CHECK(call(backend, "DELETE", "/v1/azs/a/fence?scope=local&now=true").status == 200);
    CHECK(call(backend, "DELETE", "/v1/azs/a/fence?now=false&scope=fleet").status == 200);
    CHECK(backend.skip_ramps() == std::vector<bool>{true, true, false});
    CHECK(backend.scopes() ==
          std::vector<azdns::FenceScope>{azdns::FenceScope::fleet, azdns::FenceScope::local, azdns::FenceScope::fleet});
    for (const char* query : {"?now=yes", "?now=true&now=true", "?scope=local&scope=fleet", "?soon=true"}) {
        CAPTURE(query);
        auto wrong = call(backend, "DELETE", std::string("/v1/azs/a/fence") + query);
        CHECK(wrong.status == 400);
        CHECK(error_of(wrong) == "a fence's lifting takes scope=local or scope=fleet, and now=true or now=false");
    }
    CHECK(backend.skip_ramps().size() == 3);
}

TEST_CASE("a backend that throws gives 500 with a JSON error") {
    FakeControlBackend backend;
    auto response = call(backend, "POST", "/v1/azs/boom/fence");
    CHECK(response.status == 500);
    CHECK(error_of(response).find("the backend broke") != std::string::npos);
}

TEST_CASE("GET /v1/explain decodes its query; type defaults to A") {
    FakeControlBackend backend;
    CHECK(call(backend, "GET", "/v1/explain?name=www.example.com.&type=AAAA").status == 200);
    CHECK(call(backend, "GET", "/v1/explain?name=www.example.com.").status == 200);
    CHECK(call(backend, "GET", "/v1/explain?type=&name=w%77w.example.com.&").status == 200);
    CHECK(call(backend, "GET", "/v1/explain?name=a+b%2Bc&type=txt").status == 200);
    using Pair = std::pair<std::string, std::string>;
    CHECK(backend.explains() == std::vector<Pair>{{"www.example.com.", "AAAA"},
                                                {"www.example.com.", "A"},
                                                {"www.example.com.", "A"},
                                                {"a b+c", "txt"}});
    CHECK(backend.last_explain_client().empty());
    CHECK(call(backend, "GET", "/v1/explain?name=x.&client=2001%3Adb8%3A%3A1").status == 200);
    CHECK(backend.last_explain_client() == "2001:db8::1");
    auto bad_type = call(backend, "GET", "/v1/explain?name=x.&type=BOGUS");
    CHECK(bad_type.status == 400);
    CHECK(error_of(bad_type) == "unknown query type \"BOGUS\"");
}

TEST_CASE("GET /v1/explain rejects a missing name, unknown or repeated parameters, bad escapes") {
    FakeControlBackend backend;
    for (const char* target : {"/v1/explain", "/v1/explain?", "/v1/explain?name=", "/v1/explain?type=A",
                               "/v1/explain?name=a&nmae=b", "/v1/explain?name=a&name=b", "/v1/explain?name=%G1"}) {
        CAPTURE(target);
        auto response = call(backend, "GET", target);
        CHECK(response.status == 400);
        CHECK(!error_of(response).empty());
    }
    CHECK(backend.explains().empty());
}

TEST_CASE("an unknown explain parameter that is not UTF-8 is a 400 that names it, not a 500") {
    FakeControlBackend backend;
    for (const char* target : {"/v1/explain?name=a&%FFtype=A", "/v1/explain?name=a&\xff\x8b=1"}) {
        CAPTURE(target);
        auto response = call(backend, "GET", target);
        CHECK(response.status == 400);
        CHECK(error_of(response).starts_with("unknown query parameter \""));
    }
    CHECK(backend.explains().empty());
}

TEST_CASE("percent_decode") {
    using azdns::percent_decode;
    CHECK(percent_decode("a%20b", false) == "a b");
    CHECK(percent_decode("a+b", false) == "a+b");
    CHECK(percent_decode("a+b", true) == "a b");
    CHECK(percent_decode("%41%62", false) == "Ab");
    CHECK(percent_decode("", false) == "");
    CHECK(!percent_decode("%", false));
    CHECK(!percent_decode("%4", false));
    CHECK(!percent_decode("%4x", false));
    CHECK(!percent_decode("%00", false));
}
