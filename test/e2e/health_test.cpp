// Answers that follow health, end to end: real HTTP endpoints on 127.0.0.x
// that the test stops and starts, the real azdns probing them, and DNS
// answers over UDP (spec: "Health", "Answer semantics"). Every wait is
// bounded; the bounds are the spec's detection time plus slack for a busy
// machine, and the times measured are printed.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include <sstream>
#include <thread>

#include "e2e_fixture.hpp"
#include "health_world.hpp"

using namespace azdns::e2e;
using namespace std::chrono_literals;
using Addresses = std::set<std::string>;

namespace {

// interval 200ms x fall 2, plus one interval: the spec's detection time.
constexpr auto detection = 600ms;
// A shared machine under sanitizers is slow: waits get this much more.
constexpr auto slack = 2500ms;



}  // namespace

TEST_SUITE("e2e_health") {

TEST_CASE("an endpoint that stops leaves the answer within interval x fall plus an interval, and returns after rise") {
    EndpointFarm farm({"127.0.0.11", "127.0.0.12"});
    REQUIRE_MESSAGE(farm.ok(), farm.error());
    AzdnsServer server(options_for(zone_with({{"www", "127.0.0.11"}, {"www", "127.0.0.12"}}),
                                   az("az-a", {"127.0.0.11"}) + az("az-b", {"127.0.0.12"}) +
                                       web_check(farm.port()) + service("www.health.test.")));
    REQUIRE_SERVER(server);
    const std::string www = "www.health.test.";

    auto both = wait_for_answer(server.v4(), www, rrtype::A, [](const Response& r) {
        return addresses_in(r) == Addresses{"127.0.0.11", "127.0.0.12"};
    }, 2s);
    REQUIRE_MESSAGE(both.response, describe(both, server));
    CHECK(answer_ttl(*both.response) == 60u);  // the zone's 300, capped by ttl.max

    farm.at("127.0.0.11").stop();
    auto gone = wait_for_answer(server.v4(), www, rrtype::A, [](const Response& r) { return without(r, "127.0.0.11"); },
                                detection + slack);
    REQUIRE_MESSAGE(gone.response, describe(gone, server));
    MESSAGE("fenced after " << gone.elapsed.count() << " ms (spec: within " << detection.count() << " ms)");
    CHECK(addresses_in(*gone.response) == Addresses{"127.0.0.12"});
    CHECK(answer_ttl(*gone.response) == 20u);  // ttl.degraded
    // IPv6 clients see the same filtered answer.
    Query query{.name = www, .type = rrtype::A};
    auto over_v6 = ask_udp(server.v6(), query);
    REQUIRE(over_v6);
    CHECK(addresses_in(*over_v6) == Addresses{"127.0.0.12"});

    std::string error;
    REQUIRE(farm.at("127.0.0.11").start(error));
    auto back = wait_for_answer(server.v4(), www, rrtype::A, [](const Response& r) { return with(r, "127.0.0.11"); },
                                1000ms + 500ms + slack);  // rise 2 x 200ms + restore_after, plus an interval of jitter
    REQUIRE_MESSAGE(back.response, describe(back, server));
    MESSAGE("restored after " << back.elapsed.count() << " ms");
    CHECK(answer_ttl(*back.response) == 60u);
    CHECK(server.log().find("endpoint 127.0.0.11 web down") != std::string::npos);
    CHECK(server.log().find("AZ az-a fenced") != std::string::npos);
}

TEST_CASE("ttl.healthy auto: a healthy answer lives interval x fall of its check, and explain says so") {
    EndpointFarm farm({"127.0.0.13", "127.0.0.14"});
    REQUIRE_MESSAGE(farm.ok(), farm.error());
    // interval 1s x fall 2: a failure shows within 2 s.
    const std::string check = "[[check]]\nname = \"web\"\ntype = \"http\"\nport = " + std::to_string(farm.port()) +
                              "\npath = \"/healthz\"\ninterval = \"1s\"\ntimeout = \"500ms\"\nrise = 1\nfall = 2\n\n";
    AzdnsServer server(options_for(zone_with({{"www", "127.0.0.13"}, {"www", "127.0.0.14"}}),
                                   az("az-a", {"127.0.0.13"}) + az("az-b", {"127.0.0.14"}) + check +
                                       service("www.health.test."),
                                   "max = 10\ndegraded = 5\nhealthy = \"auto\"\n"));
    REQUIRE_SERVER(server);
    const std::string www = "www.health.test.";

    auto both = wait_for_answer(server.v4(), www, rrtype::A, [](const Response& r) {
        return addresses_in(r) == Addresses{"127.0.0.13", "127.0.0.14"};
    }, 5s);
    REQUIRE_MESSAGE(both.response, describe(both, server));
    CHECK_MESSAGE(answer_ttl(*both.response) == 2u, describe(both, server));  // not the zone's 300, not ttl.max 10

    auto explained = ctl(server, {"--json", "explain", www, "A"});
    REQUIRE_MESSAGE(explained.exit_code == 0, (explained.out + explained.err));
    auto why = nlohmann::json::parse(explained.out);
    CHECK(why["ttl"] == 2);
    CHECK(why["ttl_rule"] == "ttl.healthy auto: check web sees a failure in 2 s (interval 1000 ms x fall 2)");

    // One down: ttl.degraded, as without the setting.
    farm.at("127.0.0.13").stop();
    auto gone = wait_for_answer(server.v4(), www, rrtype::A, [](const Response& r) { return without(r, "127.0.0.13"); },
                                3s + slack);
    REQUIRE_MESSAGE(gone.response, describe(gone, server));
    CHECK(answer_ttl(*gone.response) == 5u);
}

TEST_CASE("fence_below: losing 2 of 3 endpoints fences the whole AZ, and restore_after holds it out") {
    EndpointFarm farm({"127.0.0.21", "127.0.0.22", "127.0.0.23", "127.0.0.24"});
    REQUIRE_MESSAGE(farm.ok(), farm.error());
    AzdnsServer server(options_for(zone_with({{"www", "127.0.0.21"}, {"www", "127.0.0.22"}, {"www", "127.0.0.23"},
                                              {"www", "127.0.0.24"}}),
                                   az("az-a", {"127.0.0.21", "127.0.0.22", "127.0.0.23"}, "3s") +
                                       az("az-b", {"127.0.0.24"}) + web_check(farm.port()) +
                                       service("www.health.test.")));
    REQUIRE_SERVER(server);
    const std::string www = "www.health.test.";
    const Addresses all{"127.0.0.21", "127.0.0.22", "127.0.0.23", "127.0.0.24"};
    auto ready = wait_for_answer(server.v4(), www, rrtype::A, [&](const Response& r) { return addresses_in(r) == all; }, 2s);
    REQUIRE_MESSAGE(ready.response, describe(ready, server));

    // One of three down: 2/3 is not below 0.5, only that address leaves.
    farm.at("127.0.0.21").stop();
    auto one = wait_for_answer(server.v4(), www, rrtype::A, [](const Response& r) { return without(r, "127.0.0.21"); },
                               detection + slack);
    REQUIRE_MESSAGE(one.response, describe(one, server));
    CHECK(addresses_in(*one.response) == Addresses{"127.0.0.22", "127.0.0.23", "127.0.0.24"});

    // Two of three down: the AZ is fenced, and its healthy third address leaves too.
    farm.at("127.0.0.22").stop();
    auto fenced = wait_for_answer(server.v4(), www, rrtype::A, [](const Response& r) {
        return addresses_in(r) == Addresses{"127.0.0.24"};
    }, detection + slack);
    REQUIRE_MESSAGE(fenced.response, describe(fenced, server));
    CHECK(answer_ttl(*fenced.response) == 20u);
    auto status = ctl(server, {"--json", "status"});
    CHECK_MESSAGE(status.out.find("\"health\"") != std::string::npos, (status.out + status.err));

    // Both back: healthy again at once, but out until restore_after (3s) of health.
    std::string error;
    REQUIRE(farm.at("127.0.0.21").start(error));
    REQUIRE(farm.at("127.0.0.22").start(error));
    auto restored = wait_for_answer(server.v4(), www, rrtype::A, [&](const Response& r) { return addresses_in(r) == all; },
                                    3s + 1s + slack);
    REQUIRE_MESSAGE(restored.response, describe(restored, server));
    MESSAGE("AZ back after " << restored.elapsed.count() << " ms (rise, then restore_after 3000 ms)");
    CHECK(restored.elapsed >= 2500ms);  // held out by restore_after, not merely by rise
}

TEST_CASE("failover: only the first AZ in prefer while it is up, the next when it is fenced, back after") {
    EndpointFarm farm({"127.0.0.31", "127.0.0.32"});
    REQUIRE_MESSAGE(farm.ok(), farm.error());
    AzdnsServer server(options_for(zone_with({{"api", "127.0.0.31"}, {"api", "127.0.0.32"}}),
                                   az("az-a", {"127.0.0.31"}) + az("az-b", {"127.0.0.32"}) + web_check(farm.port()) +
                                       service("api.health.test.", "failover", "[\"az-a\", \"az-b\"]")));
    REQUIRE_SERVER(server);
    const std::string api = "api.health.test.";
    CHECK(answered(server.v4(), api) == Addresses{"127.0.0.31"});

    auto fenced = ctl(server, {"fence", "az-a", "--reason", "failover test"});
    REQUIRE_MESSAGE(fenced.exit_code == 0, (fenced.out + fenced.err));
    CHECK(answered(server.v4(), api) == Addresses{"127.0.0.32"});  // the next query already sees it

    auto lifted = ctl(server, {"unfence", "az-a"});
    REQUIRE_MESSAGE(lifted.exit_code == 0, (lifted.out + lifted.err));
    CHECK(answered(server.v4(), api) == Addresses{"127.0.0.31"});

    // Health does the same: az-a's endpoint stops, the answer moves to az-b.
    farm.at("127.0.0.31").stop();
    auto moved = wait_for_answer(server.v4(), api, rrtype::A, [](const Response& r) {
        return addresses_in(r) == Addresses{"127.0.0.32"};
    }, detection + slack);
    REQUIRE_MESSAGE(moved.response, describe(moved, server));
    std::string error;
    REQUIRE(farm.at("127.0.0.31").start(error));
    auto home = wait_for_answer(server.v4(), api, rrtype::A, [](const Response& r) {
        return addresses_in(r) == Addresses{"127.0.0.31"};
    }, 1500ms + slack);
    REQUIRE_MESSAGE(home.response, describe(home, server));
}

TEST_CASE("manual fence: in the next answer, kept across a restart, refused when it strands a service, expires") {
    EndpointFarm farm({"127.0.0.41", "127.0.0.42", "127.0.0.43"});
    REQUIRE_MESSAGE(farm.ok(), farm.error());
    AzdnsServer server(options_for(zone_with({{"www", "127.0.0.41"}, {"www", "127.0.0.42"}, {"solo", "127.0.0.43"}}),
                                   az("az-a", {"127.0.0.41"}) + az("az-b", {"127.0.0.42", "127.0.0.43"}) +
                                       web_check(farm.port()) + service("www.health.test.") +
                                       service("solo.health.test.")));
    REQUIRE_SERVER(server);
    const std::string www = "www.health.test.";
    CHECK(answered(server.v4(), www) == Addresses{"127.0.0.41", "127.0.0.42"});

    auto fenced = ctl(server, {"fence", "az-a", "--reason", "maintenance"});
    REQUIRE_MESSAGE(fenced.exit_code == 0, (fenced.out + fenced.err));
    CHECK(answered(server.v4(), www) == Addresses{"127.0.0.42"});

    // explain says the same as the answer, and why.
    auto explained = ctl(server, {"--json", "explain", www, "A"});
    REQUIRE_MESSAGE(explained.exit_code == 0, (explained.out + explained.err));
    auto why = nlohmann::json::parse(explained.out);
    CHECK(why["rcode"] == "NOERROR");
    CHECK(why["answer"] == nlohmann::json::array({"www.health.test. 20 IN A 127.0.0.42"}));
    CHECK(why["ttl"] == 20);
    CHECK(why["ttl_rule"].get<std::string>().starts_with("ttl.degraded"));
    REQUIRE(why["addresses"].size() == 2);
    for (const auto& address : why["addresses"]) {
        bool fenced_one = address["address"] == "127.0.0.41";
        CHECK(address["in"] == !fenced_one);
        CHECK(address["az"] == (fenced_one ? "az-a" : "az-b"));
        if (fenced_one) CHECK(address["why"].get<std::string>().find("maintenance") != std::string::npos);
    }
    auto table = ctl(server, {"explain", www});
    CHECK_MESSAGE(table.out.find("127.0.0.41") != std::string::npos, (table.out + table.err));

    // az-b holds solo's only address, and www's last AZ up: refused, naming both.
    auto refused = ctl(server, {"fence", "az-b"});
    CHECK(refused.exit_code == 1);
    const std::string said = refused.out + refused.err;
    CHECK_MESSAGE(said.find("www.health.test.") != std::string::npos, said);
    CHECK_MESSAGE(said.find("solo.health.test.") != std::string::npos, said);
    CHECK(answered(server.v4(), www) == Addresses{"127.0.0.42"});
    auto unknown = ctl(server, {"fence", "az-z"});
    CHECK(unknown.exit_code == 1);

    REQUIRE_MESSAGE(server.restart(), server.log());
    CHECK(answered(server.v4(), www) == Addresses{"127.0.0.42"});  // the fence survived
    auto status = ctl(server, {"status"});
    CHECK_MESSAGE(status.out.find("maintenance") != std::string::npos, (status.out + status.err));

    auto lifted = ctl(server, {"unfence", "az-a"});
    REQUIRE(lifted.exit_code == 0);
    CHECK(answered(server.v4(), www) == Addresses{"127.0.0.41", "127.0.0.42"});

    auto timed = ctl(server, {"fence", "az-a", "--for", "1s"});
    REQUIRE_MESSAGE(timed.exit_code == 0, (timed.out + timed.err));
    CHECK(answered(server.v4(), www) == Addresses{"127.0.0.42"});
    auto expired = wait_for_answer(server.v4(), www, rrtype::A, [](const Response& r) { return with(r, "127.0.0.41"); },
                                   1s + slack);
    REQUIRE_MESSAGE(expired.response, describe(expired, server));
    MESSAGE("a 1s fence ended after " << expired.elapsed.count() << " ms");
}

TEST_CASE("ramp: after an unfence status shows the AZ's share of answers and the ramp's end; --now skips it") {
    EndpointFarm farm({"127.0.0.101", "127.0.0.102"});
    REQUIRE_MESSAGE(farm.ok(), farm.error());
    AzdnsServer server(options_for(zone_with({{"www", "127.0.0.101"}, {"www", "127.0.0.102"}}),
                                   az("az-a", {"127.0.0.101"}) + "ramp = \"10m\"\n" + az("az-b", {"127.0.0.102"}) +
                                       web_check(farm.port()) + service("www.health.test.")));
    REQUIRE_SERVER(server);
    REQUIRE(ctl(server, {"fence", "az-a"}).exit_code == 0);
    auto lifted = ctl(server, {"--json", "unfence", "az-a"});
    REQUIRE_MESSAGE(lifted.exit_code == 0, (lifted.out + lifted.err));
    auto az_a = nlohmann::json::parse(lifted.out);
    CHECK(az_a["state"] == "up");
    // 10 % at the start of a 10 m ramp, growing 1.5 per mille a second.
    CHECK(az_a["answer_permille"].get<unsigned>() >= 100);
    CHECK(az_a["answer_permille"].get<unsigned>() < 150);
    CHECK(az_a["ramp_ends"].is_string());

    auto status = ctl(server, {"--json", "status"});
    REQUIRE(status.exit_code == 0);
    auto azs = nlohmann::json::parse(status.out)["azs"];
    CHECK(azs[0]["answer_permille"].get<unsigned>() < 150);
    CHECK(azs[0]["ramp_ends"] == az_a["ramp_ends"]);
    CHECK(azs[1]["answer_permille"] == 1000);
    CHECK(azs[1]["ramp_ends"].is_null());
    auto table = ctl(server, {"status"});
    CHECK_MESSAGE(table.out.find("ramping: ") != std::string::npos, table.out);

    auto now = ctl(server, {"--json", "unfence", "az-a", "--now"});
    REQUIRE_MESSAGE(now.exit_code == 0, (now.out + now.err));
    az_a = nlohmann::json::parse(now.out);
    CHECK(az_a["answer_permille"] == 1000);
    CHECK(az_a["ramp_ends"].is_null());
    CHECK_MESSAGE(server.log().find("AZ az-a back in every answer: skipped (unfence --now)") != std::string::npos,
                  server.log());
}

TEST_CASE("ramp: the restored AZ's share of answers grows over the ramp, at ttl.degraded; --now gives it every answer") {
    EndpointFarm farm({"127.0.0.105", "127.0.0.106"});
    REQUIRE_MESSAGE(farm.ok(), farm.error());
    AzdnsServer server(options_for(zone_with({{"www", "127.0.0.105"}, {"www", "127.0.0.106"}}),
                                   az("az-a", {"127.0.0.105"}) + "ramp = \"3s\"\n" + az("az-b", {"127.0.0.106"}) +
                                       web_check(farm.port()) + service("www.health.test.")));
    REQUIRE_SERVER(server);
    const std::string www = "www.health.test.";
    REQUIRE(ctl(server, {"fence", "az-a"}).exit_code == 0);
    CHECK(answered(server.v4(), www) == Addresses{"127.0.0.106"});

    // Every 10 ms for 3.6 s from the unfence: does the answer carry az-a, and at what TTL?
    struct Sample {
        long at_ms;
        bool with_a;
        std::uint32_t ttl;
    };
    std::vector<Sample> samples;
    REQUIRE(ctl(server, {"unfence", "az-a"}).exit_code == 0);
    const auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < 1000; ++i) {  // bounded; ends by time
        const long at = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count();
        if (at > 3600) break;
        if (auto r = ask_udp(server.v4(), Query{.name = www, .type = rrtype::A}, 500ms); r && !r->answer.empty())
            samples.push_back({at, with(*r, "127.0.0.105"), answer_ttl(*r).value_or(0)});
        std::this_thread::sleep_for(10ms);
    }
    auto share = [&](long from, long to, int& count) {
        int with_a = 0;
        count = 0;
        for (const Sample& s : samples)
            if (s.at_ms >= from && s.at_ms < to) ++count, with_a += s.with_a;
        return count == 0 ? 0.0 : static_cast<double>(with_a) / count;
    };
    int early_count = 0, late_count = 0, after_count = 0;
    // 10 % at the start, 19 % by 0.6 s; 77 % at 2.3 s, 97 % by 2.9 s.
    const double early = share(0, 600, early_count), late = share(2300, 2900, late_count),
                 after = share(3300, 3600, after_count);
    MESSAGE("az-a in " << early * 100 << " % of " << early_count << " answers in the first 0.6 s, " << late * 100
                       << " % of " << late_count << " at 2.3-2.9 s, " << after * 100 << " % after the ramp");
    REQUIRE_MESSAGE(early_count >= 20, "too few answers to judge a share: the machine is too slow");
    REQUIRE(late_count >= 20);
    // Bounds wide enough for a view published late on a slow machine (about 0.7 s of lag), yet
    // far from what no ramp (100 % from the start) or no growth would give.
    CHECK(early < 0.5);
    CHECK(late > 0.5);
    CHECK(late - early > 0.25);
    CHECK(after == 1.0);
    for (const Sample& s : samples)
        if (s.at_ms < 2800) CHECK_MESSAGE(s.ttl == 20u, "ttl.degraded during the ramp, at " << s.at_ms << " ms");

    // Fenced again, lifted with --now: every answer at once.
    REQUIRE(ctl(server, {"fence", "az-a"}).exit_code == 0);
    REQUIRE(ctl(server, {"unfence", "az-a", "--now"}).exit_code == 0);
    for (int i = 0; i < 30; ++i) CHECK(answered(server.v4(), www) == Addresses{"127.0.0.105", "127.0.0.106"});
}

TEST_CASE("the probed set follows the zones: a reload starts probing a new address and stops a removed one") {
    EndpointFarm farm({"127.0.0.71", "127.0.0.72"});
    REQUIRE_MESSAGE(farm.ok(), farm.error());
    AzdnsServer server(options_for(zone_with({{"www", "127.0.0.71"}}),
                                   az("az-a", {"127.0.0.71", "127.0.0.72"}) + web_check(farm.port()) +
                                       service("www.health.test.")));
    REQUIRE_SERVER(server);
    const fs::path zone_file = server.dir() / "health.test.zone";
    CHECK(farm.at("127.0.0.72").requests_seen() == 0);

    write_text(zone_file, zone_with({{"www", "127.0.0.71"}, {"www", "127.0.0.72"}}));
    auto added = ctl(server, {"reload"});
    REQUIRE_MESSAGE(added.exit_code == 0, (added.out + added.err));
    auto both = wait_for_answer(server.v4(), "www.health.test.", rrtype::A, [](const Response& r) {
        return addresses_in(r) == Addresses{"127.0.0.71", "127.0.0.72"};
    }, 2s);
    REQUIRE_MESSAGE(both.response, describe(both, server));
    auto probed = wait_for_answer(server.v4(), "www.health.test.", rrtype::A,
                                  [&](const Response&) { return farm.at("127.0.0.72").requests_seen() > 0; }, 2s);
    CHECK_MESSAGE(probed.response, server.log());

    // A new address that is down leaves as soon as its first probes say so.
    farm.at("127.0.0.72").stop();
    auto down = wait_for_answer(server.v4(), "www.health.test.", rrtype::A,
                                [](const Response& r) { return without(r, "127.0.0.72"); }, 600ms + slack);
    REQUIRE_MESSAGE(down.response, describe(down, server));

    write_text(zone_file, zone_with({{"www", "127.0.0.72"}}));
    auto removed = ctl(server, {"reload"});
    REQUIRE_MESSAGE(removed.exit_code == 0, (removed.out + removed.err));
    // 127.0.0.71 left the zone: no longer probed or listed.
    auto status = ctl(server, {"--json", "status"});
    REQUIRE_MESSAGE(status.exit_code == 0, (status.out + status.err));
    auto endpoints = nlohmann::json::parse(status.out)["endpoints"];
    REQUIRE(endpoints.size() == 1);
    CHECK(endpoints[0]["address"] == "127.0.0.72");
    unsigned seen = farm.at("127.0.0.71").requests_seen();
    auto still = wait_for_answer(server.v4(), "www.health.test.", rrtype::A,
                                 [&](const Response&) { return farm.at("127.0.0.71").requests_seen() > seen + 1; },
                                 1s);
    CHECK_MESSAGE(!still.response, "127.0.0.71 is still probed after it left the zone");
    CHECK(server.log().find("endpoint 127.0.0.71 web left the zones") != std::string::npos);
}

TEST_CASE("--log-format json: one object per line; a transition says what, why and since when") {
    EndpointFarm farm({"127.0.0.81", "127.0.0.82"});
    REQUIRE_MESSAGE(farm.ok(), farm.error());
    ServerOptions options = options_for(zone_with({{"www", "127.0.0.81"}, {"www", "127.0.0.82"}}),
                                        az("az-a", {"127.0.0.81"}) + az("az-b", {"127.0.0.82"}) +
                                            web_check(farm.port()) + service("www.health.test."));
    options.serve_args = {"--log-format", "json"};
    AzdnsServer server(options);
    REQUIRE_SERVER(server);
    farm.at("127.0.0.81").stop();
    auto gone = wait_for_answer(server.v4(), "www.health.test.", rrtype::A,
                                [](const Response& r) { return without(r, "127.0.0.81"); }, 600ms + slack);
    REQUIRE_MESSAGE(gone.response, describe(gone, server));
    REQUIRE(server.stop() == 0);

    std::istringstream lines(read_text(server.dir() / "azdns.log"));
    std::string line;
    int parsed = 0;
    bool saw_down = false;
    while (std::getline(lines, line)) {
        auto entry = nlohmann::json::parse(line, nullptr, false);
        REQUIRE_MESSAGE(!entry.is_discarded(), line);
        CHECK(entry["time"].is_string());
        CHECK(entry["message"].is_string());
        ++parsed;
        if (entry.value("event", "") == "endpoint_down") {
            saw_down = true;
            CHECK(entry["endpoint"] == "127.0.0.81 web");
            CHECK(entry["why"].get<std::string>().find("connect refused") != std::string::npos);
            CHECK(entry["since"].get<std::string>().ends_with("Z"));
        }
    }
    CHECK(parsed > 5);
    CHECK(saw_down);
}

TEST_CASE("a control token_file is enforced: without the token ctl gets 401, with it the fence goes through") {
    TempDir keys("azdns-token");
    const fs::path token = keys.path / "control.token";
    write_text(token, "s3cret\n");
    ServerOptions options = options_for(zone_with({{"www", "127.0.0.85"}}), az("az-a", {"127.0.0.85"}));
    options.control_lines = {"token_file = \"" + token.string() + "\""};
    AzdnsServer server(options);
    REQUIRE_SERVER(server);

    auto refused = ctl(server, {"status"});
    CHECK(refused.exit_code == 1);
    CHECK_MESSAGE(refused.err.find("401") != std::string::npos, (refused.out + refused.err));
    auto allowed = ctl(server, {"--token-file", token.string(), "fence", "az-a", "--force"});
    CHECK_MESSAGE(allowed.exit_code == 0, (allowed.out + allowed.err));
    auto status = ctl(server, {"--token-file", token.string(), "--json", "status"});
    REQUIRE_MESSAGE(status.exit_code == 0, (status.out + status.err));
    CHECK(nlohmann::json::parse(status.out)["azs"][0]["reason"] == "manual");
}

TEST_CASE("SIGTERM while the first probe round still runs: azdns stops cleanly once serving, not killed by the signal") {
    // An endpoint that accepts and never answers holds the first probe round
    // (which azdns completes before it answers) for the check's timeout.
    EndpointFarm farm({"127.0.0.13"});
    REQUIRE_MESSAGE(farm.ok(), farm.error());
    farm.at("127.0.0.13").set_mode(azdns::testing::EndpointMode::hang);
    const std::string slow_check = "[[check]]\nname = \"web\"\ntype = \"http\"\nport = " +
                                   std::to_string(farm.port()) + "\ninterval = \"3s\"\ntimeout = \"2s\"\n\n";
    ServerOptions options = options_for(zone_with({{"www", "127.0.0.13"}}),
                                        az("az-a", {"127.0.0.13"}) + slow_check + service("www.health.test."));
    options.ready_wait = 0ms;  // do not wait for it to answer
    AzdnsServer server(options);

    // The zone is loaded: azdns is starting, in the middle of the first round.
    const auto loaded_by = std::chrono::steady_clock::now() + 10s;
    while (server.log().find("zone health.test.") == std::string::npos && std::chrono::steady_clock::now() < loaded_by)
        std::this_thread::sleep_for(5ms);
    REQUIRE_MESSAGE(server.log().find("zone health.test.") != std::string::npos, server.log());
    const int code = server.stop();
    INFO(server.log());
    CHECK(code == 0);
    CHECK(server.log().find("stopping on SIGTERM") != std::string::npos);
}

}  // TEST_SUITE
