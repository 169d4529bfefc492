// The fleet's exchange document (docs/fleet.md, "The exchange document"):
// a report and a heartbeat survive encoding and decoding; what a broken or
// hostile peer sends is refused with one line naming the field; the size
// limit holds the largest report a config can make.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "fleet_report.hpp"
#include "health_state.hpp"

using namespace azdns;
using namespace std::chrono_literals;
using Json = nlohmann::json;

namespace {

constexpr std::size_t max_endpoints = 10;
constexpr std::size_t max_fences = 4;

EndpointId ep(const char* address, const char* check = "web") { return {*IpAddress::parse(address), check}; }

FleetReport sample_report() {
    FleetReport report;
    report.name = "ns1";
    report.generation = 1'700'000'000'123;
    report.sequence = 42;
    report.impaired = true;
    report.endpoints = {{ep("192.0.2.1"), EndpointStatus::down, 1500ms, 20ms, "connect refused"},
                        {ep("2001:db8:1a::10", "dns"), EndpointStatus::up, 3600'000ms, 0ms, ""}};
    report.fences = {{"az-a", true, "maintenance", 90'000ms, {7, "ns2"}},
                     {"az-b", false, "", std::nullopt, {3, "ns1"}}};
    return report;
}

// A valid report written out by hand, so that the decoder's tests do not
// lean on the encoder; each test breaks one thing in it.
Json valid_document() {
    return Json::parse(R"({"azdns_fleet":1,"name":"ns1","generation":5,"sequence":9,"impaired":false,"full":true,
        "endpoints":[{"address":"192.0.2.1","check":"web","status":"down","since_age_ms":1000,"probed_age_ms":50,
                      "last_error":"connect refused"},
                     {"address":"192.0.2.2","check":"web","status":"up","since_age_ms":0,"probed_age_ms":0,
                      "last_error":""}],
        "fences":[{"az":"az-a","fenced":true,"reason":"maintenance","expires_in_ms":60000,"counter":2,
                   "instance":"ns2"}]})");
}

std::optional<FleetReport> decode(const std::string& body, std::string& error) {
    return decode_fleet_report(body, max_endpoints, max_fences, error);
}

// The error decoding `body` gives; fails the test if it decodes.
std::string refusal(const std::string& body) {
    std::string error;
    const auto report = decode(body, error);
    CHECK_FALSE(report.has_value());
    CHECK(error.find('\n') == std::string::npos);
    return error;
}

std::string refusal(const Json& document) { return refusal(document.dump()); }

}  // namespace

TEST_CASE("a full report survives encoding and decoding") {
    const FleetReport sent = sample_report();
    const std::string text = encode_fleet_report(sent);
    // Compact, keys in the documented order.
    CHECK(text.starts_with(R"({"azdns_fleet":1,"name":"ns1","generation":1700000000123,"sequence":42,)"));
    CHECK(text.find('\n') == std::string::npos);
    CHECK(text.find(": ") == std::string::npos);
    CHECK(text.find(R"("expires_in_ms":90000)") != std::string::npos);

    std::string error;
    const auto got = decode(text, error);
    REQUIRE_MESSAGE(got.has_value(), error);
    CHECK(got->name == "ns1");
    CHECK(got->generation == 1'700'000'000'123);
    CHECK(got->sequence == 42);
    CHECK(got->impaired);
    CHECK(got->full);
    REQUIRE(got->endpoints.size() == 2);
    for (std::size_t i = 0; i < 2; ++i) {
        CAPTURE(i);
        CHECK(got->endpoints[i].id == sent.endpoints[i].id);
        CHECK(got->endpoints[i].status == sent.endpoints[i].status);
        CHECK(got->endpoints[i].since_age == sent.endpoints[i].since_age);
        CHECK(got->endpoints[i].probed_age == sent.endpoints[i].probed_age);
        CHECK(got->endpoints[i].last_error == sent.endpoints[i].last_error);
    }
    REQUIRE(got->fences.size() == 2);
    for (std::size_t i = 0; i < 2; ++i) {
        CAPTURE(i);
        CHECK(got->fences[i].az == sent.fences[i].az);
        CHECK(got->fences[i].fenced == sent.fences[i].fenced);
        CHECK(got->fences[i].reason == sent.fences[i].reason);
        CHECK(got->fences[i].expires_in == sent.fences[i].expires_in);
        CHECK(got->fences[i].version == sent.fences[i].version);
    }
    CHECK(encode_fleet_report(*got) == text);
}

TEST_CASE("a lifting by unfence --now says so; other fences carry no skip_ramp") {
    FleetReport sent = sample_report();
    sent.fences.push_back({"c", false, "", std::nullopt, {3, "ns1"}, true});
    const std::string text = encode_fleet_report(sent);
    CHECK(text.find(R"("instance":"ns1","skip_ramp":true})") != std::string::npos);
    CHECK(text.find("skip_ramp") == text.rfind("skip_ramp"));  // only that one
    std::string error;
    const auto got = decode(text, error);
    REQUIRE_MESSAGE(got.has_value(), error);
    REQUIRE(got->fences.size() == 3);
    CHECK_FALSE(got->fences[0].skip_ramp);
    CHECK(got->fences[2].skip_ramp);
    CHECK(encode_fleet_report(*got) == text);
}

TEST_CASE("a heartbeat carries the name and versions only") {
    FleetReport sent = sample_report();
    sent.full = false;  // its endpoints and fences stay home
    const std::string text = encode_fleet_report(sent);
    CHECK(text == R"({"azdns_fleet":1,"name":"ns1","generation":1700000000123,"sequence":42,"impaired":true,)"
                  R"("full":false})");
    std::string error;
    const auto got = decode(text, error);
    REQUIRE_MESSAGE(got.has_value(), error);
    CHECK_FALSE(got->full);
    CHECK(got->sequence == 42);
    CHECK(got->endpoints.empty());
    CHECK(got->fences.empty());
}

TEST_CASE("names arrive in lower case, and keys a newer peer adds are ignored") {
    Json document = valid_document();
    document["name"] = "NS1.Example";
    document["fences"][0]["instance"] = "Ns2";
    document["future"] = {{"nested", {1, 2}}};
    document["endpoints"][0]["rtt_ms"] = 3;
    std::string error;
    const auto got = decode(document.dump(), error);
    REQUIRE_MESSAGE(got.has_value(), error);
    CHECK(got->name == "ns1.example");
    CHECK(got->fences[0].version.instance == "ns2");
    CHECK(got->endpoints[0].id == ep("192.0.2.1"));
}

TEST_CASE("a body that is not a JSON object is refused") {
    CHECK(refusal(std::string("")).starts_with("invalid JSON"));
    CHECK(refusal(std::string(R"({"azdns_fleet":1,)")).starts_with("invalid JSON"));
    CHECK(refusal(valid_document().dump() + "x").starts_with("invalid JSON"));
    CHECK(refusal(std::string("[1,2]")) == "the document: expected an object");
    CHECK(refusal(std::string("\"ns1\"")) == "the document: expected an object");
}

TEST_CASE("another version of the exchange is refused") {
    Json document = valid_document();
    document["azdns_fleet"] = 2;
    CHECK(refusal(document) == "azdns_fleet: version 2 is not spoken here (only 1)");
    document.erase("azdns_fleet");
    CHECK(refusal(document) == "azdns_fleet: missing");
}

TEST_CASE("a missing field is named") {
    for (const char* key : {"name", "generation", "sequence", "impaired", "full", "endpoints", "fences"}) {
        Json document = valid_document();
        document.erase(key);
        CHECK(refusal(document) == std::string(key) + ": missing");
    }
    Json document = valid_document();
    document["endpoints"][1].erase("last_error");
    CHECK(refusal(document) == "endpoints[1].last_error: missing");
    document = valid_document();
    document["fences"][0].erase("counter");
    CHECK(refusal(document) == "fences[0].counter: missing");
}

TEST_CASE("a field of the wrong type is named") {
    Json document = valid_document();
    document["impaired"] = "no";
    CHECK(refusal(document) == "impaired: expected true or false");
    document = valid_document();
    document["generation"] = "5";
    CHECK(refusal(document) == "generation: expected a non-negative integer");
    document = valid_document();
    document["endpoints"] = Json::object();
    CHECK(refusal(document) == "endpoints: expected an array");
    document = valid_document();
    document["endpoints"][0] = "192.0.2.1 web";
    CHECK(refusal(document) == "endpoints[0]: expected an object");
    document = valid_document();
    document["fences"][0]["reason"] = nullptr;
    CHECK(refusal(document) == "fences[0].reason: expected a string");
}

TEST_CASE("numbers are non-negative integers that fit 64 bits, ages at most 10 years") {
    Json document = valid_document();
    document["sequence"] = -1;
    CHECK(refusal(document) == "sequence: expected a non-negative integer");
    document = valid_document();
    document["endpoints"][0]["since_age_ms"] = 1.5;
    CHECK(refusal(document) == "endpoints[0].since_age_ms: expected a non-negative integer");
    std::string text = valid_document().dump();
    const std::string generation = R"("generation":5)";
    text.replace(text.find(generation), generation.size(), R"("generation":18446744073709551616)");  // 2^64
    CHECK(refusal(text) == "generation: expected a non-negative integer");
    document = valid_document();
    document["generation"] = std::uint64_t{18446744073709551615u};  // 2^64 - 1 is fine
    std::string error;
    CHECK(decode(document.dump(), error).has_value());
    document = valid_document();
    document["fences"][0]["expires_in_ms"] = std::uint64_t{11} * 366 * 24 * 3600 * 1000;
    CHECK(refusal(document).starts_with("fences[0].expires_in_ms: more than "));
}

TEST_CASE("names must be vantage names, addresses addresses, statuses up or down") {
    Json document = valid_document();
    document["name"] = "ns 1";
    CHECK(refusal(document).starts_with("name: only letters, digits"));
    document["name"] = "";
    CHECK(refusal(document) == "name: it must not be empty");
    document = valid_document();
    document["fences"][0]["instance"] = std::string(64, 'n');
    CHECK(refusal(document).starts_with("fences[0].instance: it is longer than 63"));
    document = valid_document();
    document["endpoints"][1]["address"] = "192.0.2.300";
    CHECK(refusal(document) == "endpoints[1].address: expected an IPv4 or IPv6 address");
    document = valid_document();
    document["endpoints"][1]["status"] = "unknown";
    CHECK(refusal(document) == R"(endpoints[1].status: expected "up" or "down")");
    document = valid_document();
    document["endpoints"][0]["check"] = "";
    CHECK(refusal(document) == "endpoints[0].check: must not be empty");
    document["endpoints"][0]["check"] = std::string(64, 'c');
    CHECK(refusal(document) == "endpoints[0].check: longer than 63 bytes");
    document = valid_document();
    document["fences"][0]["az"] = "";
    CHECK(refusal(document) == "fences[0].az: must not be empty");
}

TEST_CASE("lists and strings are bounded") {
    Json document = valid_document();
    std::string error;
    CHECK(decode_fleet_report(document.dump(), 2, 1, error).has_value());
    CHECK_FALSE(decode_fleet_report(document.dump(), 1, 1, error).has_value());
    CHECK(error == "endpoints: more than 1 entries");
    CHECK_FALSE(decode_fleet_report(document.dump(), 2, 0, error).has_value());
    CHECK(error == "fences: more than 0 entries");

    document["endpoints"][0]["last_error"] = std::string(max_report_error_bytes, 'e');
    CHECK(decode(document.dump(), error).has_value());
    document["endpoints"][0]["last_error"] = std::string(max_report_error_bytes + 1, 'e');
    CHECK(refusal(document) == "endpoints[0].last_error: longer than 256 bytes");
    document = valid_document();
    document["fences"][0]["reason"] = std::string(max_fence_reason_bytes + 1, 'r');
    CHECK(refusal(document) == "fences[0].reason: longer than 256 bytes");
}

TEST_CASE("an endpoint or an AZ given twice is refused") {
    Json document = valid_document();
    document["endpoints"][1]["address"] = "192.0.2.1";
    CHECK(refusal(document) == "endpoints[1]: the same address and check as endpoints[0]");
    // The same address spelled differently is the same endpoint.
    document = valid_document();
    document["endpoints"][0]["address"] = "2001:db8::1";
    document["endpoints"][1]["address"] = "2001:DB8:0::1";
    document["endpoints"][1]["check"] = "web";
    CHECK(refusal(document) == "endpoints[1]: the same address and check as endpoints[0]");
    // Another check on the same address is another endpoint.
    document["endpoints"][1]["check"] = "dns";
    std::string error;
    CHECK_MESSAGE(decode(document.dump(), error).has_value(), error);

    document = valid_document();
    document["fences"].push_back(document["fences"][0]);
    document["fences"][1]["fenced"] = false;
    CHECK(refusal(document) == "fences[1].az: the same AZ as fences[0]");
}

TEST_CASE("a key given twice in one object is refused") {
    std::string text = valid_document().dump();
    text.insert(1, R"("full":false,)");
    CHECK(refusal(text) == R"("full" given twice in one object)");
    // In different objects the same key is fine.
    std::string error;
    CHECK(decode(valid_document().dump(), error).has_value());
}

TEST_CASE("a heartbeat that carries endpoints or fences is refused") {
    Json document = valid_document();
    document["full"] = false;
    CHECK(refusal(document) == R"(endpoints: a heartbeat ("full": false) carries none)");
    document.erase("endpoints");
    CHECK(refusal(document) == R"(fences: a heartbeat ("full": false) carries none)");
    document.erase("fences");
    std::string error;
    CHECK(decode(document.dump(), error).has_value());
}

TEST_CASE("a delta names its base, below its sequence; a heartbeat has none") {
    FleetReport delta = sample_report();
    delta.base = 40;
    std::string error;
    const auto decoded = decode(encode_fleet_report(delta), error);
    REQUIRE_MESSAGE(decoded, error);
    CHECK(decoded->base == std::optional<std::uint64_t>{40});
    CHECK(decoded->endpoints.size() == 2);
    CHECK(encode_fleet_report(*decoded) == encode_fleet_report(delta));
    Json document = valid_document();
    document["base"] = 9;
    CHECK(refusal(document) == "base: a delta's base must be below its sequence");
    document["base"] = 8;
    CHECK(decode(document.dump(), error).has_value());
    document["full"] = false;
    document.erase("endpoints");
    document.erase("fences");
    CHECK(refusal(document) == R"(base: a heartbeat ("full": false) carries none)");
}

TEST_CASE("a nesting bomb is refused before parsing, brackets in strings are text") {
    CHECK(refusal(std::string(100'000, '[')) == "nested deeper than 8 arrays and objects");
    Json document = valid_document();
    document["future"] = Json::parse("[[[[[[[[1]]]]]]]]");  // 9 deep with the report
    CHECK(refusal(document) == "nested deeper than 8 arrays and objects");
    document["future"] = Json::parse("[[[[[[[1]]]]]]]");  // 8 deep
    std::string error;
    CHECK_MESSAGE(decode(document.dump(), error).has_value(), error);
    document = valid_document();
    document["fences"][0]["reason"] = std::string(100, '[') + "\"{";
    const auto got = decode(document.dump(), error);
    REQUIRE_MESSAGE(got.has_value(), error);
    CHECK(got->fences[0].reason == std::string(100, '[') + "\"{");
}

TEST_CASE("invalid UTF-8 in a string is sent as U+FFFD, within the string's bound") {
    FleetReport sent = sample_report();
    sent.endpoints[0].last_error = "bad \xff byte";
    sent.fences[0].reason = "cut \xc3";
    std::string text;
    REQUIRE_NOTHROW(text = encode_fleet_report(sent));
    std::string error;
    auto got = decode(text, error);
    REQUIRE_MESSAGE(got.has_value(), error);
    CHECK(got->endpoints[0].last_error == "bad \xef\xbf\xbd byte");
    CHECK(got->fences[0].reason == "cut \xef\xbf\xbd");

    // Each replacement is 3 bytes: the string is cut to its bound, whole
    // characters only, so that the peer still takes the report.
    sent.endpoints[0].last_error = std::string(max_report_error_bytes, '\xff');
    REQUIRE_NOTHROW(text = encode_fleet_report(sent));
    got = decode(text, error);
    REQUIRE_MESSAGE(got.has_value(), error);
    std::string replacements;
    for (std::size_t i = 0; i < max_report_error_bytes / 3; ++i) replacements += "\xef\xbf\xbd";
    CHECK(got->endpoints[0].last_error == replacements);
}

TEST_CASE("ages and expiries are sent within what a peer accepts") {
    FleetReport sent = sample_report();
    sent.fences[0].expires_in = -5ms;  // past its expiry, not yet lifted
    sent.endpoints[0].since_age = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::years{20});
    std::string error;
    const auto got = decode(encode_fleet_report(sent), error);
    REQUIRE_MESSAGE(got.has_value(), error);
    CHECK(got->fences[0].expires_in == 0ms);
    CHECK(got->endpoints[0].since_age == std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::years{10}));
}

TEST_CASE("the size limit grows with endpoints and AZs and holds the largest report") {
    CHECK(fleet_report_size_limit(0, 0) >= 64 * 1024);
    CHECK(fleet_report_size_limit(100, 3) > fleet_report_size_limit(10, 3));
    CHECK(fleet_report_size_limit(10, 4) > fleet_report_size_limit(10, 3));

    // Every string at its bound and made of control characters, which
    // travel six times as long; the longest names, the largest numbers.
    constexpr std::size_t endpoints = 200, azs = 4;
    const std::string controls_63(63, '\x01');
    FleetReport largest;
    largest.name = std::string(63, 'n');
    largest.generation = largest.sequence = UINT64_MAX;
    for (std::size_t i = 0; i < endpoints; ++i) {
        IpAddress address = *IpAddress::parse("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
        address.bytes[15] = static_cast<std::uint8_t>(i);
        address.bytes[14] = static_cast<std::uint8_t>(i >> 8);
        largest.endpoints.push_back({{address, controls_63}, EndpointStatus::down, 3650 * 24h, 3650 * 24h,
                                     std::string(max_report_error_bytes, '\x01')});
    }
    for (std::size_t i = 0; i < azs; ++i)
        largest.fences.push_back({controls_63.substr(1) + char('a' + i), true,
                                  std::string(max_fence_reason_bytes, '\x02'), 3650 * 24h,
                                  {UINT64_MAX, std::string(63, 'i')}});
    const std::string text = encode_fleet_report(largest);
    CHECK(text.size() <= fleet_report_size_limit(endpoints, azs));
    std::string error;
    CHECK_MESSAGE(decode_fleet_report(text, endpoints, azs, error).has_value(), error);
}

TEST_CASE("the reply says which report the receiver has") {
    const std::string text = encode_report_key("ns2", {7, 12});
    CHECK(text == R"({"name":"ns2","have":{"generation":7,"sequence":12}})");
    std::string error;
    const auto key = decode_report_key(text, error);
    REQUIRE_MESSAGE(key.has_value(), error);
    CHECK(*key == FleetReportKey{7, 12});

    CHECK_FALSE(decode_report_key(R"({"name":"ns2","have":{"generation":7,"sequence":-1}})", error));
    CHECK(error == "have.sequence: expected a non-negative integer");
    CHECK_FALSE(decode_report_key(R"({"name":"ns2","have":[7,12]})", error));
    CHECK(error == "have: expected an object");
    CHECK_FALSE(decode_report_key(R"({"name":"n/2","have":{"generation":7,"sequence":1}})", error));
    CHECK(error.starts_with("name: only letters"));
    CHECK_FALSE(decode_report_key(R"({"name":"ns2"})", error));
    CHECK(error == "have: missing");
    CHECK_FALSE(decode_report_key(std::string(100'000, '{'), error));
    CHECK(error == "nested deeper than 8 arrays and objects");
    CHECK_FALSE(decode_report_key("ns2 has 7/12", error));
    CHECK(error.starts_with("invalid JSON"));
}
