// The fleet, end to end (docs/fleet.md): three real azdns instances on one
// machine, each probing from its own source address (127.0.1.1-3), peers of
// each other over their control APIs with one token; real HTTP endpoints
// for two AZs. Every wait is bounded, and the times measured are printed.
#include <doctest/doctest.h>

#include <array>
#include <memory>
#include <thread>

#include <nlohmann/json.hpp>

#include "e2e_fixture.hpp"
#include "health_world.hpp"
#include "http_client.hpp"

using namespace azdns::e2e;
using namespace std::chrono_literals;
using Addresses = std::set<std::string>;

namespace {

// interval 200ms x fall 2, plus one interval and one exchange.
constexpr auto detection = 700ms;
// A shared machine under sanitizers is slow: waits get this much more.
constexpr auto slack = 3000ms;

const std::string www = "www.health.test.";
const std::string token = "fleet-e2e-token";

// AZ a: 127.0.0.41 and .42; AZ b: 127.0.0.43 and .44.
const std::vector<std::string> az_a{"127.0.0.41", "127.0.0.42"};
const std::vector<std::string> az_b{"127.0.0.43", "127.0.0.44"};
std::vector<std::string> everything_list() { return {az_a[0], az_a[1], az_b[0], az_b[1]}; }

std::string source_of(int i) { return "127.0.1." + std::to_string(i + 1); }
std::string name_of(int i) { return "ns" + std::to_string(i + 1); }

struct Fleet {
    TempDir shared{"azdns-fleet"};
    EndpointFarm farm{{az_a[0], az_a[1], az_b[0], az_b[1]}};
    std::array<std::uint16_t, 3> control_ports{free_port(), free_port(), free_port()};
    std::array<std::unique_ptr<AzdnsServer>, 3> ns;

    // `fleet_extra`: lines for [fleet]; `tail`: more config after it.
    explicit Fleet(const std::string& fleet_extra = "", const std::string& tail = "") {
        REQUIRE_MESSAGE(farm.ok(), farm.error());
        write_text(shared.path / "token", token + "\n");
        for (int i = 0; i < 3; ++i) {
            std::string config = az("az-a", az_a) + az("az-b", az_b) + web_check(farm.port()) + service(www) +
                                 "[probes]\nsource = [\"" + source_of(i) + "\"]\n\n" + "[fleet]\nname = \"" +
                                 name_of(i) + "\"\nstale_after = \"1s\"\n" + fleet_extra + "\n" + tail;
            for (int j = 0; j < 3; ++j) {
                if (j == i) continue;
                config += "[[fleet.peer]]\nname = \"" + name_of(j) + "\"\nurl = \"http://127.0.0.1:" +
                          std::to_string(control_ports[j]) + "\"\n\n";
            }
            ServerOptions options = options_for(zone_with({{"www", az_a[0]}, {"www", az_a[1]}, {"www", az_b[0]},
                                                           {"www", az_b[1]}}),
                                                config);
            options.control_port = control_ports[i];
            options.control_lines = {"token_file = \"" + (shared.path / "token").string() + "\""};
            options.identity = name_of(i);
            ns[i] = std::make_unique<AzdnsServer>(options);
            REQUIRE_SERVER(*ns[i]);
        }
    }

    // `azdns ctl` against instance i, with the token.
    azdns::test::ProcessResult ctl_on(int i, const std::vector<std::string>& args) {
        std::vector<std::string> all{"--token-file", (shared.path / "token").string()};
        all.insert(all.end(), args.begin(), args.end());
        return ctl(*ns[i], all);
    }

    // Waits until every instance in `which` answers www with exactly `want`.
    bool all_answer(const Addresses& want, std::chrono::milliseconds wait, std::vector<int> which = {0, 1, 2}) {
        for (int i : which) {
            auto got = wait_for_answer(ns[i]->v4(), www, rrtype::A,
                                       [&](const Response& r) { return addresses_in(r) == want; }, wait);
            if (!got.response) {
                MESSAGE(name_of(i) << " did not answer as expected:\n" << describe(got, *ns[i]));
                return false;
            }
        }
        return true;
    }

    void cut_off(int i, const std::vector<std::string>& addresses) {
        for (const std::string& address : addresses) farm.at(address).set_cut_off({source_of(i)});
    }
};

const Addresses everything{az_a[0], az_a[1], az_b[0], az_b[1]};
const Addresses only_b{az_b[0], az_b[1]};

// POST /v1/fleet/state to instance i with `authorization` and `body`.
azdns::HttpResponse post_report(const AzdnsServer& server, const std::string& authorization, const std::string& body) {
    azdns::HttpUrl url{"127.0.0.1", server.control_port(), "", false};
    azdns::HttpRequest request{"POST", "/v1/fleet/state", {{"Authorization", authorization}}, body};
    azdns::HttpResponse response;
    std::string error;
    CHECK_MESSAGE(azdns::http_exchange(url, request, response, error), error);
    return response;
}

}  // namespace

TEST_SUITE("e2e_fleet") {

TEST_CASE("one vantage point cut off from an AZ fences nothing; the AZ really down is fenced by all three alike") {
    Fleet fleet;
    REQUIRE(fleet.all_answer(everything, 3s));
    // ns2's path to AZ a breaks; the other two still reach it.
    fleet.cut_off(1, az_a);
    // Long enough for ns2 to see AZ a down (fall 2 x 200ms) several times over.
    std::this_thread::sleep_for(1500ms);
    CHECK(fleet.all_answer(everything, 100ms));
    const std::string ns2_log = fleet.ns[1]->log();
    CHECK(ns2_log.find("endpoint 127.0.0.41 web down") != std::string::npos);
    CHECK(ns2_log.find("AZ az-a fenced") == std::string::npos);
    auto status = nlohmann::json::parse(fleet.ctl_on(1, {"--json", "status"}).out);
    bool found = false;
    for (const auto& e : status["fleet"]["endpoints"]) {
        if (e["address"] != az_a[0]) continue;
        found = true;
        CHECK(e["verdict"] == "up");
        CHECK(e["votes"]["ns2"] == "down");
        CHECK(e["votes"]["ns1"] == "up");
    }
    CHECK(found);

    // AZ a stops: every instance fences it, and they answer alike.
    const auto stopped = std::chrono::steady_clock::now();
    for (const std::string& address : az_a) fleet.farm.at(address).stop();
    REQUIRE(fleet.all_answer(only_b, detection + slack));
    MESSAGE("all three without AZ a after "
            << std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - stopped).count()
            << " ms (interval x fall = 400 ms)");
    for (int i = 0; i < 3; ++i) CHECK(fleet.ns[i]->log().find("AZ az-a fenced") != std::string::npos);
}

TEST_CASE("ctl fence on one instance fences the AZ on all; a restart keeps it; unfence lifts it everywhere") {
    Fleet fleet;
    REQUIRE(fleet.all_answer(everything, 3s));
    auto fenced = fleet.ctl_on(0, {"fence", "az-a", "--reason", "maintenance"});
    REQUIRE_MESSAGE(fenced.exit_code == 0, fenced.err);
    const auto sent = std::chrono::steady_clock::now();
    REQUIRE(fleet.all_answer(only_b, 1s + slack));
    MESSAGE("fence on all three after "
            << std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - sent).count()
            << " ms");
    REQUIRE(fleet.ns[2]->restart());
    CHECK(fleet.all_answer(only_b, 500ms, {2}));
    auto status = nlohmann::json::parse(fleet.ctl_on(2, {"--json", "status"}).out);
    CHECK(status["azs"][0]["manual_scope"] == "fleet");
    CHECK(status["azs"][0]["manual_reason"] == "maintenance");
    CHECK(status["azs"][0]["fence_version"]["instance"] == "ns1");

    auto lifted = fleet.ctl_on(2, {"unfence", "az-a"});
    REQUIRE_MESSAGE(lifted.exit_code == 0, lifted.err);
    REQUIRE(fleet.all_answer(everything, 1s + slack));

    // A local fence stays where it was set.
    auto local = fleet.ctl_on(1, {"fence", "az-b", "--local"});
    REQUIRE_MESSAGE(local.exit_code == 0, local.err);
    CHECK(fleet.all_answer(Addresses{az_a[0], az_a[1]}, 1s, {1}));
    std::this_thread::sleep_for(500ms);
    CHECK(fleet.all_answer(everything, 100ms, {0, 2}));
    CHECK(fleet.ctl_on(1, {"status"}).out.find("(local)") != std::string::npos);
}

TEST_CASE("a fence and an unfence sent to two instances at once converge to one state everywhere") {
    Fleet fleet;
    REQUIRE(fleet.all_answer(everything, 3s));
    REQUIRE(fleet.ctl_on(0, {"fence", "az-a"}).exit_code == 0);
    REQUIRE(fleet.all_answer(only_b, 1s + slack));
    // Both at version 2: ns3's unfence and ns2's fence; "ns3" > "ns2" wins.
    std::thread unfence([&] { fleet.ctl_on(2, {"unfence", "az-a"}); });
    auto again = fleet.ctl_on(1, {"fence", "az-a", "--force"});
    unfence.join();
    CHECK(again.exit_code == 0);
    std::this_thread::sleep_for(1s);
    std::set<std::string> versions;
    std::set<Addresses> answers;
    for (int i = 0; i < 3; ++i) {
        auto status = nlohmann::json::parse(fleet.ctl_on(i, {"--json", "status"}).out);
        versions.insert(status["azs"][0]["fence_version"].dump() + status["azs"][0]["state"].dump());
        answers.insert(answered(fleet.ns[i]->v4(), www));
    }
    CHECK(versions.size() == 1);
    CHECK(answers.size() == 1);
    MESSAGE("converged on " << *versions.begin());
}

TEST_CASE("a peer stopped: the others keep answering; alone, an instance decides alone and says so; back, all converge") {
    Fleet fleet;
    REQUIRE(fleet.all_answer(everything, 3s));
    // Each instance decides alone from its start until its peers' first
    // reports arrive; count the lines from here on.
    auto alone_lines = [&] {
        const std::string log = fleet.ns[0]->log();
        std::size_t count = 0;
        for (auto at = log.find("ns1 deciding alone"); at != std::string::npos; at = log.find("ns1 deciding alone", at + 1))
            ++count;
        return count;
    };
    const std::size_t alone_at_start = alone_lines();
    fleet.ns[2]->stop();
    std::this_thread::sleep_for(1500ms);  // past stale_after
    CHECK(fleet.all_answer(everything, 100ms, {0, 1}));
    CHECK(fleet.ns[0]->log().find("peer ns3 lost") != std::string::npos);
    CHECK(alone_lines() == alone_at_start);  // ns1 and ns2 are a quorum
    fleet.ns[1]->stop();
    std::this_thread::sleep_for(1500ms);
    CHECK(alone_lines() == alone_at_start + 1);
    auto status = nlohmann::json::parse(fleet.ctl_on(0, {"--json", "status"}).out);
    CHECK(status["fleet"]["deciding_alone"] == true);
    // Alone, its own probes decide: AZ a down from here is fenced.
    fleet.cut_off(0, az_a);
    CHECK(fleet.all_answer(only_b, detection + slack, {0}));
    // The others come back: ns1 follows the quorum again.
    REQUIRE(fleet.ns[1]->restart());
    REQUIRE(fleet.ns[2]->restart());
    CHECK(fleet.all_answer(everything, 2s + slack));
    CHECK(fleet.ns[0]->log().find("no longer deciding alone") != std::string::npos);
}

TEST_CASE("an impaired prober follows its peers; alone, it holds the last answers for fail_static_max") {
    Fleet fleet("fail_static_max = \"3s\"\n", "[policy]\nall_down = \"servfail\"\n\n");
    REQUIRE(fleet.all_answer(everything, 3s));
    // Every probe of ns1 fails; ns2 and ns3 see every endpoint up.
    fleet.cut_off(0, everything_list());
    std::this_thread::sleep_for(1500ms);
    CHECK(fleet.all_answer(everything, 100ms));
    CHECK(fleet.ns[0]->log().find("vantage point ns1 prober impaired") != std::string::npos);
    // Its peers stop: no one to follow, it holds the last verdicts...
    fleet.ns[1]->stop();
    fleet.ns[2]->stop();
    std::this_thread::sleep_for(1500ms);  // past stale_after
    CHECK(fleet.all_answer(everything, 100ms, {0}));
    auto status = nlohmann::json::parse(fleet.ctl_on(0, {"--json", "status"}).out);
    CHECK(status["fleet"]["fail_static"] == true);
    // ...for fail_static_max, then its own probes decide: all down, the policy (SERVFAIL).
    auto fallen = wait_for_answer(fleet.ns[0]->v4(), www, rrtype::A,
                                  [](const Response& r) { return r.rcode == 2; }, 3s + slack);
    CHECK_MESSAGE(fallen.response, describe(fallen, *fleet.ns[0]));
    MESSAGE("fail-static ended after " << fallen.elapsed.count() << " ms of waiting (fail_static_max 3 s)");
}

TEST_CASE("canaries: an instance alone whose path breaks holds its answers, then falls back to its policy") {
    const std::string canary = "127.0.0.49";
    EndpointFarm farm({az_a[0], az_a[1], az_b[0], az_b[1], canary});
    REQUIRE_MESSAGE(farm.ok(), farm.error());
    const std::string config = az("az-a", az_a) + az("az-b", az_b) + web_check(farm.port()) + service(www) +
                               "[policy]\nall_down = \"servfail\"\n\n[probes]\nsource = [\"127.0.1.9\"]\n\n" +
                               "[fleet]\nname = \"solo\"\nfail_static_max = \"2s\"\n\n[[fleet.canary]]\naddress = \"" +
                               canary + "\"\ncheck = \"web\"\n\n";
    AzdnsServer server(options_for(zone_with({{"www", az_a[0]}, {"www", az_a[1]}, {"www", az_b[0]}, {"www", az_b[1]}}),
                                   config));
    REQUIRE_SERVER(server);
    REQUIRE(wait_for_answer(server.v4(), www, rrtype::A, [](const Response& r) { return addresses_in(r) == everything; },
                            3s)
                .response);
    // Its uplink breaks: the canary and every endpoint fail from here.
    for (const std::string& address : everything_list()) farm.at(address).set_cut_off({"127.0.1.9"});
    farm.at(canary).set_cut_off({"127.0.1.9"});
    std::this_thread::sleep_for(1000ms);  // fall 2 x 200 ms, twice over
    auto held = ask_udp(server.v4(), Query{.name = www, .type = rrtype::A});
    REQUIRE(held);
    CHECK(addresses_in(*held) == everything);
    CHECK(server.log().find("vantage point solo prober impaired: every canary check fails from here") !=
          std::string::npos);
    auto fallen = wait_for_answer(server.v4(), www, rrtype::A, [](const Response& r) { return r.rcode == 2; },
                                  2s + slack);
    CHECK_MESSAGE(fallen.response, describe(fallen, server));
    // The path is back: the canary answers, the prober recovers, all is served.
    for (const std::string& address : everything_list()) farm.at(address).set_cut_off({});
    farm.at(canary).set_cut_off({});
    auto back = wait_for_answer(server.v4(), www, rrtype::A, [](const Response& r) { return addresses_in(r) == everything; },
                                2s + slack);
    CHECK_MESSAGE(back.response, describe(back, server));
    CHECK(server.log().find("vantage point solo prober recovered") != std::string::npos);
}

TEST_CASE("hostile peers: a wrong token gets 401, garbage and replays are refused and logged, answers go on") {
    Fleet fleet;
    REQUIRE(fleet.all_answer(everything, 3s));
    const AzdnsServer& ns1 = *fleet.ns[0];
    CHECK(post_report(ns1, "Bearer wrong", "{}").status == 401);
    auto garbage = post_report(ns1, "Bearer " + token, "{\"azdns_fleet\":1,\"name\":");
    CHECK(garbage.status == 400);
    auto stranger = post_report(ns1, "Bearer " + token,
                                R"({"azdns_fleet":1,"name":"ns9","generation":1,"sequence":1,"impaired":false,"full":true,"endpoints":[],"fences":[]})");
    CHECK(stranger.status == 403);
    // ns2 "says" every endpoint is down, twice, then replays the first: the
    // replay is refused, and one vantage point alone fences nothing.
    std::string down_report = R"({"azdns_fleet":1,"name":"ns2","generation":99999999999999,"sequence":SEQ,"impaired":false,"full":true,"endpoints":[)";
    bool first = true;
    for (const std::string& address : everything_list()) {
        down_report += std::string(first ? "" : ",") + R"({"address":")" + address +
                       R"(","check":"web","status":"down","since_age_ms":0,"probed_age_ms":0,"last_error":"x"})";
        first = false;
    }
    down_report += R"(],"fences":[]})";
    auto with_sequence = [&](int sequence) {
        std::string body = down_report;
        body.replace(body.find("SEQ"), 3, std::to_string(sequence));
        return body;
    };
    CHECK(post_report(ns1, "Bearer " + token, with_sequence(2)).status == 200);
    CHECK(post_report(ns1, "Bearer " + token, with_sequence(1)).status == 200);
    CHECK(fleet.all_answer(everything, 100ms, {0}));
    const std::string log = ns1.log();
    CHECK(log.find("fleet: a report that does not decode was ignored") != std::string::npos);
    CHECK(log.find("report from ns2 ignored: older than the report held (a replay)") != std::string::npos);
    CHECK(log.find("report from ns9 ignored") != std::string::npos);
}

}  // TEST_SUITE
