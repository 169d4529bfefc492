// Reloads as an operator does them (spec: "Reload"): by editing a zone file
// (watched), by SIGHUP and by `azdns ctl reload`, with broken edits among
// them, while clients keep asking. A broken zone keeps serving its previous
// version and /v1/status says where the mistake is; no query is lost or
// answered wrongly across the reloads (dnsperf drives the load).
#include <doctest/doctest.h>

#include <signal.h>
#include <sys/stat.h>

#include <atomic>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <thread>

#include "control_client.hpp"
#include "e2e_fixture.hpp"
#include "health_world.hpp"

using namespace azdns::e2e;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

constexpr int hosts = 50;

// $ORIGIN, $TTL, SOA, NS and the name server's address: 5 lines.
std::string zone_head(const std::string& origin, int serial) {
    return "$ORIGIN " + origin + "\n$TTL 300\n@ IN SOA ns1 hostmaster " + std::to_string(serial) +
           " 3600 600 86400 60\n@ IN NS ns1\nns1 IN A 127.0.0.1\n";
}

// health.test. with hosts h0..h49 -> 10.0.0.N, and a marker TXT that tells versions apart.
std::string zone_version(int serial, const std::string& marker, const std::string& broken_line = "") {
    std::ostringstream text;
    text << zone_head("health.test.", serial) << "marker IN TXT \"" << marker << "\"\n";
    for (int i = 0; i < hosts; ++i) text << "h" << i << " IN A 10.0.0." << i << "\n";
    text << broken_line;
    return text.str();
}

// Replaces the file the way editors do: write aside, then rename over it.
void replace_file(const fs::path& path, const std::string& text) {
    fs::path aside = path;
    aside += ".tmp";
    write_text(aside, text);
    fs::rename(aside, path);
}

std::string marker_of(const AzdnsServer& server) {
    Query query{.name = "marker.health.test.", .type = rrtype::TXT};
    auto response = ask_udp(server.v4(), query);
    return response && !response->answer.empty() ? response->answer[0] : "";
}

bool marker_is(const AzdnsServer& server, const std::string& marker) {
    return marker_of(server).find("\"" + marker + "\"") != std::string::npos;
}

// Until the TXT of `owner` is `marker`, at most `wait`.
bool wait_txt(const AzdnsServer& server, const std::string& owner, const std::string& marker,
              std::chrono::milliseconds wait) {
    return wait_for_answer(server.v4(), owner, rrtype::TXT,
                           [&](const Response& r) {
                               return !r.answer.empty() && r.answer[0].find("\"" + marker + "\"") != std::string::npos;
                           },
                           wait)
        .response.has_value();
}

bool wait_marker(const AzdnsServer& server, const std::string& marker, std::chrono::milliseconds wait) {
    return wait_txt(server, "marker.health.test.", marker, wait);
}

std::size_t count_of(const std::string& text, const std::string& part) {
    std::size_t count = 0;
    for (std::size_t at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) ++count;
    return count;
}

// A reload hands the files to watch to the main loop, which applies them
// once it is free (after the reload, when the reload ran on it): give it a
// moment before editing a file only just watched.
void let_watch_set_apply() { std::this_thread::sleep_for(200ms); }

// The errors `azdns check` prints for the server's config, one line each.
std::vector<std::string> check_errors(const AzdnsServer& server) {
    auto check = azdns::test::run_process({AZDNS_BINARY, "check", "-c", server.config_path().string()}, 15s);
    std::vector<std::string> errors;
    std::istringstream lines(check.err);
    for (std::string line; std::getline(lines, line);)
        if (!line.empty() && line.find(": warning: ") == std::string::npos) errors.push_back(line);
    return errors;
}

ServerOptions reload_options() {
    ServerOptions options;
    options.zones.clear();
    options.zone_texts = {{"health.test.", zone_version(1, "v1")}};
    return options;
}

}  // namespace

TEST_SUITE("e2e_reload") {

TEST_CASE("an edited zone file is reloaded without a signal; a broken edit keeps the previous zone and says where") {
    AzdnsServer server(reload_options());
    REQUIRE_SERVER(server);
    const fs::path file = server.dir() / "health.test.zone";
    REQUIRE(marker_is(server, "v1"));

    replace_file(file, zone_version(2, "v2"));
    REQUIRE_MESSAGE(wait_marker(server, "v2", 5s), server.log());

    // Line 57 (after 6 lines of head and 50 hosts) holds the mistake: a bad address.
    replace_file(file, zone_version(3, "v3", "bad IN A 10.0.0.300\n"));
    auto status = [&] { return nlohmann::json::parse(ctl(server, {"--json", "status"}).out); };
    bool reported = false;
    for (int i = 0; i < 100 && !reported; ++i) {  // bounded: 100 x 50 ms
        reported = status()["zones"][0]["error"].is_string();
        if (!reported) std::this_thread::sleep_for(50ms);
    }
    REQUIRE_MESSAGE(reported, server.log());
    const std::string error = status()["zones"][0]["error"];
    CHECK_MESSAGE(std::regex_search(error, std::regex("health\\.test\\.zone:57:\\d+")), error);
    CHECK(status()["zones"][0]["serial"] == 2);
    CHECK(marker_is(server, "v2"));  // still serving the last good version
    CHECK(server.log().find("failed to load: keeps serving serial 2") != std::string::npos);

    replace_file(file, zone_version(4, "v4"));
    REQUIRE_MESSAGE(wait_marker(server, "v4", 5s), server.log());
    CHECK(status()["zones"][0]["error"].is_null());
}

TEST_CASE("a file pulled in with $INCLUDE is watched, from start-up and from the edit that adds it") {
    AzdnsServer server(reload_options());
    REQUIRE_SERVER(server);
    REQUIRE(marker_is(server, "v1"));

    // An edit moves the marker into an included file, in a folder of its own.
    const fs::path part = server.dir() / "parts" / "marker.zone";
    fs::create_directories(part.parent_path());
    write_text(part, "marker IN TXT \"inc1\"\n");
    replace_file(server.dir() / "health.test.zone", zone_head("health.test.", 2) + "$INCLUDE parts/marker.zone\n");
    REQUIRE_MESSAGE(wait_marker(server, "inc1", 5s), server.log());
    let_watch_set_apply();
    replace_file(part, "marker IN TXT \"inc2\"\n");
    REQUIRE_MESSAGE(wait_marker(server, "inc2", 5s), server.log());

    // A server that starts with the include watches it too.
    REQUIRE_MESSAGE(server.restart(), server.log());
    REQUIRE(marker_is(server, "inc2"));
    replace_file(part, "marker IN TXT \"inc3\"\n");
    REQUIRE_MESSAGE(wait_marker(server, "inc3", 5s), server.log());
}

TEST_CASE("a zone a reload adds is watched from then on; one a reload removes is not") {
    AzdnsServer server(reload_options());
    REQUIRE_SERVER(server);
    const fs::path added = server.dir() / "added.test.zone";
    write_text(added, zone_head("added.test.", 1) + "marker IN TXT \"a1\"\n");
    const std::string original = read_text(server.config_path());
    write_text(server.config_path(), original + "\n[[zone]]\norigin = \"added.test.\"\nfile = \"added.test.zone\"\n");
    auto reloaded = ctl(server, {"reload"});  // on the control API's thread
    REQUIRE_MESSAGE(reloaded.exit_code == 0, (reloaded.out + reloaded.err + server.log()));
    REQUIRE_MESSAGE(wait_txt(server, "marker.added.test.", "a1", 2s), server.log());
    let_watch_set_apply();
    replace_file(added, zone_head("added.test.", 2) + "marker IN TXT \"a2\"\n");
    REQUIRE_MESSAGE(wait_txt(server, "marker.added.test.", "a2", 5s), server.log());

    // SIGHUP (on the main loop) without the zone: its file no longer triggers reloads.
    write_text(server.config_path(), original);
    kill(server.process().pid(), SIGHUP);
    auto refused = wait_for_answer(server.v4(), "marker.added.test.", rrtype::TXT,
                                   [](const Response& r) { return r.rcode == rcode::REFUSED; }, 5s);
    REQUIRE_MESSAGE(refused.response, server.log());
    let_watch_set_apply();
    const std::size_t changes = count_of(server.log(), "a zone file changed");
    replace_file(added, zone_head("added.test.", 3) + "marker IN TXT \"a3\"\n");
    std::this_thread::sleep_for(1s);  // four times the settle time: a reload would have started
    CHECK_MESSAGE(count_of(server.log(), "a zone file changed") == changes, server.log());
    CHECK(marker_is(server, "v1"));  // the zone that stays is still served
}

TEST_CASE("20 reloads under load, some broken: not one query lost or answered wrongly") {
    REQUIRE_MESSAGE(fs::exists("/usr/bin/dnsperf"), "dnsperf is not installed (./dev test installs it)");
    AzdnsServer server(reload_options());
    REQUIRE_SERVER(server);
    const fs::path file = server.dir() / "health.test.zone";

    std::ostringstream queries;
    for (int i = 0; i < hosts; ++i) queries << "h" << i << ".health.test. A\n";
    write_text(server.dir() / "queries.txt", queries.str());

    // A checker asks alongside dnsperf and compares every answer with the one
    // every version of the zone gives.
    std::atomic<bool> done{false};
    std::atomic<int> checked{0};
    std::atomic<int> wrong{0};
    std::string first_wrong;
    std::thread checker([&] {
        for (int i = 0; !done.load(); i = (i + 1) % hosts) {
            Query query{.name = "h" + std::to_string(i) + ".health.test.", .type = rrtype::A};
            auto response = ask_udp(server.v4(), query, 2s);
            std::set<std::string> want{"10.0.0." + std::to_string(i)};
            if (!response || response->rcode != rcode::NOERROR || addresses_in(*response) != want) {
                if (wrong++ == 0) first_wrong = response ? response->dump() : "no answer";
            }
            ++checked;
            std::this_thread::sleep_for(1ms);  // pace: the point is coverage across reloads, not load
        }
    });

    ChildProcess dnsperf;
    REQUIRE(dnsperf.spawn({"/usr/bin/dnsperf", "-s", "127.0.0.1", "-p", std::to_string(server.port()), "-d",
                           (server.dir() / "queries.txt").string(), "-l", "8", "-Q", "3000", "-t", "2", "-c", "2"},
                          server.dir() / "dnsperf.txt"));
    std::this_thread::sleep_for(500ms);  // let the load start before the first reload

    int broken = 0;
    for (int reload = 0; reload < 20; ++reload) {
        const bool break_it = reload % 4 == 3;
        broken += break_it ? 1 : 0;
        write_text(file, zone_version(10 + reload, "r" + std::to_string(reload), break_it ? "oops IN A nope\n" : ""));
        // Three ways in: the file watch (already triggered by the write), SIGHUP, and the API.
        if (reload % 2 == 0) kill(server.process().pid(), SIGHUP);
        else CHECK(ctl(server, {"reload"}).exit_code == (break_it ? 1 : 0));
        std::this_thread::sleep_for(300ms);
        if (!break_it) CHECK_MESSAGE(marker_is(server, "r" + std::to_string(reload)), server.log());
    }

    // dnsperf runs 8 s; wait for it, bounded.
    for (int i = 0; i < 200 && dnsperf.running(); ++i) std::this_thread::sleep_for(50ms);
    done = true;
    checker.join();
    REQUIRE_FALSE(dnsperf.running());
    const std::string report = read_text(server.dir() / "dnsperf.txt");
    MESSAGE("checker asked " << checked.load() << " queries; " << broken << " of 20 reloads were broken");

    std::smatch sent, completed, lost, noerror;
    REQUIRE_MESSAGE(std::regex_search(report, sent, std::regex("Queries sent:\\s+(\\d+)")), report);
    REQUIRE_MESSAGE(std::regex_search(report, completed, std::regex("Queries completed:\\s+(\\d+)")), report);
    REQUIRE_MESSAGE(std::regex_search(report, lost, std::regex("Queries lost:\\s+(\\d+)")), report);
    REQUIRE_MESSAGE(std::regex_search(report, noerror, std::regex("NOERROR (\\d+)")), report);
    MESSAGE("dnsperf: " << sent[1] << " sent, " << completed[1] << " completed, " << lost[1] << " lost");
    CHECK(std::stol(sent[1]) > 1000);
    CHECK_MESSAGE(lost[1] == "0", report);
    CHECK_MESSAGE(noerror[1] == completed[1], report);  // every answer NOERROR
    CHECK_MESSAGE(wrong.load() == 0, (first_wrong + server.log()));
    CHECK(checked.load() > 100);
    CHECK(server.running());
}

TEST_CASE("a reload applies a changed config: TTLs, a new AZ, check and service; a broken config is not applied") {
    EndpointFarm farm({"127.0.0.91", "127.0.0.92", "127.0.0.93"});
    REQUIRE_MESSAGE(farm.ok(), farm.error());
    AzdnsServer server(options_for(zone_with({{"www", "127.0.0.91"}, {"www", "127.0.0.92"}, {"api", "127.0.0.93"}}),
                                   az("az-a", {"127.0.0.91"}) + az("az-b", {"127.0.0.92"}) + web_check(farm.port()) +
                                       service("www.health.test.")));
    REQUIRE_SERVER(server);
    auto ttl_of_www = [&] {
        Query query{.name = "www.health.test.", .type = rrtype::A};
        auto response = ask_udp(server.v4(), query);
        return response ? answer_ttl(*response) : std::nullopt;
    };
    REQUIRE(ttl_of_www() == 60u);
    CHECK(farm.at("127.0.0.93").requests_seen() == 0);  // api is no service yet

    const std::string original = read_text(server.config_path());
    std::string changed = original;
    changed.replace(changed.find("max = 60"), 8, "max = 30");
    changed.replace(changed.find("workers = 2"), 11, "workers = 3");
    changed += az("az-c", {"127.0.0.93"}) + service("api.health.test.");
    write_text(server.config_path(), changed);
    auto reloaded = ctl(server, {"reload"});
    REQUIRE_MESSAGE(reloaded.exit_code == 0, (reloaded.out + reloaded.err + server.log()));
    CHECK(ttl_of_www() == 30u);
    auto status = nlohmann::json::parse(ctl(server, {"--json", "status"}).out);
    CHECK(status["azs"].size() == 3);
    CHECK(status["endpoints"].size() == 3);
    auto probed = wait_for_answer(server.v4(), "api.health.test.", rrtype::A,
                                  [&](const Response&) { return farm.at("127.0.0.93").requests_seen() > 0; }, 2s);
    CHECK_MESSAGE(probed.response, server.log());
    CHECK(server.log().find("changed server.workers: applied at the next start") != std::string::npos);

    // A typo: nothing of the new config applies, and the log says where.
    std::string broken = changed;
    broken.replace(broken.find("max = 30"), 8, "max = 5\nmaxx = 5");
    write_text(server.config_path(), broken);
    CHECK(ctl(server, {"reload"}).exit_code == 1);  // the zones reloaded, but the config was not applied
    CHECK(ttl_of_www() == 30u);
    CHECK_MESSAGE(std::regex_search(server.log(), std::regex("azdns\\.toml:\\d+:\\d+: unknown key \"maxx\"")),
                  server.log());
    CHECK(server.log().find("config not applied") != std::string::npos);
}

TEST_CASE("an edit that $INCLUDEs a FIFO or /dev/zero keeps the previous zone, and SIGTERM still stops azdns") {
    AzdnsServer server(reload_options());
    REQUIRE_SERVER(server);
    const fs::path file = server.dir() / "health.test.zone";
    REQUIRE(marker_is(server, "v1"));
    std::string target, kind;
    SUBCASE("a FIFO, whose open would wait for a writer") {
        target = (server.dir() / "pipe.zone").string();
        REQUIRE(mkfifo(target.c_str(), 0600) == 0);
        kind = "a FIFO";
    }
    SUBCASE("/dev/zero, which never ends") {
        target = "/dev/zero";
        kind = "a character device";
    }
    // The $INCLUDE is line 7, after the 5 lines of head and the marker.
    replace_file(file, zone_head("health.test.", 2) + "marker IN TXT \"v2\"\n$INCLUDE " + target + "\n");
    REQUIRE_MESSAGE(server.logs("zone health.test. failed to load: keeps serving serial 1", 5s), server.log());
    CHECK_MESSAGE(server.log().find(file.string() + ":7:10: cannot open \"" + target + "\": not a regular file (" +
                                    kind + ")") != std::string::npos,
                  server.log());
    CHECK(marker_is(server, "v1"));

    // Bounded: stop() sends SIGTERM, waits 5 s, then kills (and says so).
    CHECK(server.stop() == 0);
    CHECK_FALSE(server.process().was_killed());
    CHECK(server.log().find("stopped") != std::string::npos);
}

TEST_CASE("a reload of a broken azdns.toml fails: 409 with every error as azdns check lists them, ctl exits 1") {
    AzdnsServer server(reload_options());
    REQUIRE_SERVER(server);
    const std::string original = read_text(server.config_path());
    write_text(server.config_path(), original + "\n[ttl]\nmaxx = 5\ndegraded = \"soon\"\n");
    const std::vector<std::string> expected = check_errors(server);
    REQUIRE_MESSAGE(expected.size() == 2, join(expected));
    write_text(server.dir() / "health.test.zone", zone_version(2, "v2"));

    azdns::HttpResponse response = control_request(server, "POST", "/v1/reload");
    CHECK(response.status == 409);
    json body = json::parse(response.body);
    CHECK_MESSAGE(body["error"].get<std::string>().find("not applied") != std::string::npos, response.body);
    CHECK(body["config"]["applied"] == false);
    CHECK(body["config"]["errors"] == json(expected));
    CHECK(body["zones"][0]["serial"] == 2);  // the zones reloaded under the running config
    CHECK(body["zones"][0]["error"].is_null());
    CHECK(marker_is(server, "v2"));

    auto reloaded = ctl(server, {"reload"});
    CHECK(reloaded.exit_code == 1);
    for (const std::string& line : expected) CHECK_MESSAGE(reloaded.err.find(line + "\n") != std::string::npos, reloaded.err);
    CHECK_MESSAGE(reloaded.out.find("health.test.") != std::string::npos, reloaded.out);  // the zones' table still

    write_text(server.config_path(), original);
    CHECK(control_request(server, "POST", "/v1/reload").status == 200);
    auto fixed = ctl(server, {"reload"});
    CHECK_MESSAGE(fixed.exit_code == 0, fixed.err);
    CHECK(fixed.err.empty());
}

TEST_CASE("a reload in which a zone fails is 409 too, with each of the zone's errors; the zone keeps serving") {
    AzdnsServer server(reload_options());
    REQUIRE_SERVER(server);
    // Lines 57 and 58: two mistakes, both listed.
    write_text(server.dir() / "health.test.zone", zone_version(2, "v2", "bad IN A 10.0.0.300\nworse IN AAAA nope\n"));
    const std::vector<std::string> expected = check_errors(server);
    REQUIRE_MESSAGE(expected.size() == 2, join(expected));

    azdns::HttpResponse response = control_request(server, "POST", "/v1/reload");
    CHECK(response.status == 409);
    json body = json::parse(response.body);
    CHECK_MESSAGE(body["error"].get<std::string>().find("1 zone failed to reload") != std::string::npos, response.body);
    CHECK(body["config"]["applied"] == true);
    CHECK(body["zones"][0]["serial"] == 1);
    CHECK(body["zones"][0]["errors"] == json(expected));
    CHECK(marker_is(server, "v1"));

    auto reloaded = ctl(server, {"reload"});
    CHECK(reloaded.exit_code == 1);
    for (const std::string& line : expected) CHECK_MESSAGE(reloaded.err.find(line + "\n") != std::string::npos, reloaded.err);
}

}  // TEST_SUITE
