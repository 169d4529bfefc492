// Persisting health across restarts (spec: "manual fences survive restarts",
// "an endpoint takes its last known state from state_dir"). Each test works
// in its own temp dir under /tmp and removes it.
#include <doctest/doctest.h>

#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "health_store.hpp"
#include "temp_dir.hpp"

using namespace azdns;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

// Both clocks at fixed, unrelated points; a "restart" moves both forward.
const WallTime wall0 = WallTime{} + 1'700'000'000s;
const HealthTime steady0 = HealthTime{} + 5000s;

// A temp folder whose state_dir is state(), not yet created.
struct StateDir : testing::TempDir {
    StateDir() : TempDir("azdns-health-store") {}
    [[nodiscard]] std::string state() const { return (path / "state").string(); }
};

// What sample() holds: a state file for it is well within the limit.
const HealthStateScope sample_scope{3, 3};

EndpointId ep(const char* address, const char* check = "web") {
    return {*IpAddress::parse(address), check};
}

// An endpoint whose own verdict (what is stored) differs from the fleet's.
EndpointView endpoint(EndpointId id, const char* az, EndpointStatus own, HealthTime since, const char* error) {
    EndpointView view{std::move(id), az, EndpointStatus::up, steady0, error, 0us};
    view.local = own;
    view.local_since = since;
    return view;
}

// az1 fenced here only, az2 fenced fleet-wide (version 4 by ns2), az3's
// fleet-wide fence lifted (version 2 by ns1).
HealthSnapshot sample() {
    HealthSnapshot snapshot;
    snapshot.endpoints.push_back(endpoint(ep("192.0.2.1"), "az1", EndpointStatus::up, steady0 - 100s, ""));
    snapshot.endpoints.push_back(
        endpoint(ep("2001:db8::1", "dns"), "az2", EndpointStatus::down, steady0 - 7s, "connect refused"));
    snapshot.endpoints.push_back(endpoint(ep("192.0.2.9"), "az1", EndpointStatus::unknown, steady0, ""));
    AzView az1{"az1", FenceReason::manual, ManualFence{"maintenance", std::nullopt}, 1.0, steady0 - 60s};
    az1.local_fence = az1.manual;
    az1.local_since = steady0 - 60s;
    AzView az2{"az2", FenceReason::manual, ManualFence{"upgrade", steady0 + 3600s}, 1.0, steady0 - 30s};
    az2.fleet_fence = {true, *az2.manual, {4, "ns2"}, steady0 - 30s};
    AzView az3{"az3", FenceReason::none, std::nullopt, 1.0, steady0};
    az3.fleet_fence = {false, {}, {2, "ns1"}, steady0 - 5s};
    snapshot.azs = {az1, az2, az3};
    return snapshot;
}

std::string read_text(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream buffer;
    buffer << in.rdbuf();
    return buffer.str();
}

void write_text(const fs::path& path, const std::string& text) {
    std::ofstream(path, std::ios::binary) << text;
}

}  // namespace

TEST_CASE("fences and endpoint states round-trip across a restart") {
    StateDir tmp;
    REQUIRE(save_health_state(tmp.state(), sample(), wall0, steady0) == "");

    // Restart: 10 minutes later on the wall clock, steady clock starts anew.
    const WallTime wall1 = wall0 + 600s;
    const HealthTime steady1 = HealthTime{} + 20s;
    LoadedHealth loaded = load_health_state(tmp.state(), wall1, steady1, sample_scope);
    REQUIRE(loaded.error == "");

    REQUIRE(loaded.state.fences.size() == 3);
    const StoredFence& f1 = loaded.state.fences[0];
    CHECK(f1.az == "az1");
    CHECK(f1.scope == FenceScope::local);
    CHECK(f1.fence.reason == "maintenance");
    CHECK_FALSE(f1.fence.expires.has_value());
    CHECK(f1.since == steady1 - 660s);
    const StoredFence& f2 = loaded.state.fences[1];
    CHECK(f2.az == "az2");
    CHECK(f2.scope == FenceScope::fleet);
    CHECK(f2.fenced);
    CHECK(f2.version == FenceVersion{4, "ns2"});
    CHECK(f2.fence.reason == "upgrade");
    REQUIRE(f2.fence.expires.has_value());
    CHECK(*f2.fence.expires == steady1 + 3000s);
    CHECK(f2.since == steady1 - 630s);
    // A lifting is kept, so that the fence it lifted cannot come back.
    const StoredFence& f3 = loaded.state.fences[2];
    CHECK(f3.az == "az3");
    CHECK(f3.scope == FenceScope::fleet);
    CHECK_FALSE(f3.fenced);
    CHECK(f3.version == FenceVersion{2, "ns1"});

    // Unknown endpoints have no last known state and are not stored.
    REQUIRE(loaded.state.endpoints.size() == 2);
    CHECK(loaded.state.endpoints[0].id == ep("192.0.2.1"));
    CHECK(loaded.state.endpoints[0].status == EndpointStatus::up);
    CHECK(loaded.state.endpoints[0].since == steady1 - 700s);
    CHECK(loaded.state.endpoints[1].id == ep("2001:db8::1", "dns"));
    CHECK(loaded.state.endpoints[1].status == EndpointStatus::down);
    CHECK(loaded.state.endpoints[1].since == steady1 - 607s);
}

TEST_CASE("a fence that expired while the server was down is not restored, but its version is") {
    StateDir tmp;
    REQUIRE(save_health_state(tmp.state(), sample(), wall0, steady0) == "");
    LoadedHealth loaded = load_health_state(tmp.state(), wall0 + 3600s, HealthTime{}, sample_scope);
    REQUIRE(loaded.error == "");
    REQUIRE(loaded.state.fences.size() == 3);
    CHECK(loaded.state.fences[0].az == "az1");
    CHECK(loaded.state.fences[0].fenced);
    // az2's fleet-wide fence ran out: kept as lifted, with its version.
    CHECK(loaded.state.fences[1].az == "az2");
    CHECK_FALSE(loaded.state.fences[1].fenced);
    CHECK(loaded.state.fences[1].version == FenceVersion{4, "ns2"});
    CHECK(loaded.state.endpoints.size() == 2);
}

TEST_CASE("a local fence that expired while the server was down is not restored") {
    StateDir tmp;
    HealthSnapshot snapshot = sample();
    snapshot.azs[0].local_fence->expires = steady0 + 60s;
    REQUIRE(save_health_state(tmp.state(), snapshot, wall0, steady0) == "");
    LoadedHealth loaded = load_health_state(tmp.state(), wall0 + 3600s, HealthTime{}, sample_scope);
    REQUIRE(loaded.error == "");
    REQUIRE(loaded.state.fences.size() == 2);
    CHECK(loaded.state.fences[0].az == "az2");
}

TEST_CASE("a missing file is an empty state, not an error") {
    StateDir tmp;
    LoadedHealth loaded = load_health_state(tmp.state(), wall0, steady0, sample_scope);
    CHECK(loaded.error == "");
    CHECK(loaded.state.fences.empty());
    CHECK(loaded.state.endpoints.empty());
}

TEST_CASE("a corrupt file gives an error and an empty state, never a crash") {
    StateDir tmp;
    REQUIRE(save_health_state(tmp.state(), sample(), wall0, steady0) == "");
    const fs::path file = fs::path(tmp.state()) / "health.json";
    const std::string good = read_text(file);

    SUBCASE("garbage") { write_text(file, "\x01\xff not json at all {{{"); }
    SUBCASE("truncated") { write_text(file, good.substr(0, good.size() / 2)); }
    SUBCASE("empty") { write_text(file, ""); }
    SUBCASE("valid JSON, wrong shape") { write_text(file, R"({"version": 1, "fences": 3})"); }
    SUBCASE("wrong types") {
        write_text(file, R"({"version": 1, "fences": [{"az": 7}], "endpoints": []})");
    }
    SUBCASE("bad address") {
        write_text(file, R"({"version": 1, "fences": [], "endpoints": [)"
                         R"({"address": "nope", "check": "web", "status": "up", "since_ms": 0}]})");
    }
    SUBCASE("unknown version") { write_text(file, R"({"version": 99, "fences": [], "endpoints": []})"); }

    LoadedHealth loaded = load_health_state(tmp.state(), wall0, steady0, sample_scope);
    CHECK(loaded.error != "");
    CHECK(loaded.error.find("health.json") != std::string::npos);
    CHECK(loaded.state.fences.empty());
    CHECK(loaded.state.endpoints.empty());
}

TEST_CASE("a state file that is no regular file is refused unread: a FIFO, a link to /dev/zero") {
    StateDir tmp;
    fs::create_directory(tmp.state());
    const fs::path file = fs::path(tmp.state()) / "health.json";
    std::string kind;
    SUBCASE("a FIFO, which would block the open until a writer came") {
        REQUIRE(mkfifo(file.c_str(), 0600) == 0);
        kind = "a FIFO";
    }
    SUBCASE("a link to /dev/zero, which never ends") {
        REQUIRE(symlink("/dev/zero", file.c_str()) == 0);
        kind = "a character device";
    }
    LoadedHealth loaded = load_health_state(tmp.state(), wall0, steady0, sample_scope);
    CHECK(loaded.error == "cannot read " + file.string() + ": not a regular file (" + kind + ")");
    CHECK(loaded.state.fences.empty());
}

TEST_CASE("a state file larger than its config explains is refused unread, even when valid") {
    StateDir tmp;
    REQUIRE(save_health_state(tmp.state(), sample(), wall0, steady0) == "");
    const fs::path file = fs::path(tmp.state()) / "health.json";
    const std::string good = read_text(file);
    const HealthStateScope scope{2, 1};
    const std::uint64_t limit = health_state_size_limit(scope);
    CHECK(limit == 64 * 1024 + 2 * 1024 + 512 * 1024);
    // Valid JSON, padded with blanks to one byte past the limit.
    write_text(file, good + std::string(limit + 1 - good.size(), ' '));
    LoadedHealth loaded = load_health_state(tmp.state(), wall0, steady0, scope);
    CHECK(loaded.error == "cannot read " + file.string() +
                              ": larger than 578K, more than a state file for 2 endpoints and 1 AZs holds");
    CHECK(loaded.state.fences.empty());
    // At the limit it is read.
    write_text(file, good + std::string(limit - good.size(), ' '));
    CHECK(load_health_state(tmp.state(), wall0, steady0, scope).state.fences.size() == 3);
}

TEST_CASE("the write replaces the old file whole and leaves no temp files") {
    StateDir tmp;
    const fs::path dir = tmp.state();
    fs::create_directory(dir);
    const fs::path file = dir / "health.json";
    write_text(file, std::string(100'000, '#'));  // a larger pre-existing file

    REQUIRE(save_health_state(dir.string(), sample(), wall0, steady0) == "");
    CHECK(read_text(file).find('#') == std::string::npos);
    CHECK(load_health_state(dir.string(), wall0, steady0, sample_scope).error == "");

    HealthSnapshot empty;
    REQUIRE(save_health_state(dir.string(), empty, wall0, steady0) == "");
    LoadedHealth loaded = load_health_state(dir.string(), wall0, steady0, sample_scope);
    CHECK(loaded.error == "");
    CHECK(loaded.state.fences.empty());
    CHECK(loaded.state.endpoints.empty());

    std::vector<std::string> names;
    for (const auto& entry : fs::directory_iterator(dir)) names.push_back(entry.path().filename());
    CHECK(names == std::vector<std::string>{"health.json"});
}

TEST_CASE("a missing state dir is created with mode 0700") {
    StateDir tmp;
    REQUIRE(save_health_state(tmp.state(), sample(), wall0, steady0) == "");
    struct stat st{};
    REQUIRE(::stat(tmp.state().c_str(), &st) == 0);
    CHECK(S_ISDIR(st.st_mode));
    CHECK((st.st_mode & 07777) == 0700);
}

TEST_CASE("a state dir that cannot be created is an error") {
    StateDir tmp;
    write_text(tmp.path / "file", "");
    CHECK(save_health_state((tmp.path / "file" / "state").string(), sample(), wall0, steady0) != "");
    CHECK(save_health_state((tmp.path / "file").string(), sample(), wall0, steady0) != "");
}
