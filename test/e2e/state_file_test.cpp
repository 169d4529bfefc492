// A state file (state_dir/health.json) that is not what azdns wrote must
// never keep it from answering (spec: "Health": "An unreadable state file is
// logged and azdns starts without it"): a FIFO (whose open would wait for a
// writer), a link to /dev/zero (which never ends), a valid file far larger
// than the config explains. Each time azdns answers, and the log says why
// the state was not restored.
#include <doctest/doctest.h>

#include <sys/stat.h>
#include <unistd.h>

#include "e2e_fixture.hpp"
#include "health_world.hpp"

using namespace azdns::e2e;
using namespace std::chrono_literals;
using Addresses = std::set<std::string>;

TEST_SUITE("e2e_health") {

TEST_CASE("health.json as a FIFO, a link to /dev/zero or an oversized file: azdns answers and logs it") {
    AzdnsServer server(options_for(zone_with({{"www", "127.0.0.51"}, {"www", "127.0.0.52"}}),
                                   az("az-a", {"127.0.0.51"}) + az("az-b", {"127.0.0.52"})));
    REQUIRE_SERVER(server);
    const std::string www = "www.health.test.";
    const fs::path state = server.dir() / "state" / "health.json";
    auto fenced = ctl(server, {"fence", "az-a", "--reason", "maintenance"});
    REQUIRE_MESSAGE(fenced.exit_code == 0, (fenced.out + fenced.err));
    server.stop();  // saves the fence a last time
    const std::string saved = read_text(state);
    REQUIRE(saved.find("maintenance") != std::string::npos);

    // The file as azdns wrote it is restored: the fence holds across the restart.
    REQUIRE_MESSAGE(server.restart(), server.log());
    CHECK(answered(server.v4(), www) == Addresses{"127.0.0.52"});
    server.stop();

    std::string why;
    SUBCASE("a FIFO") {
        fs::remove(state);
        REQUIRE(mkfifo(state.c_str(), 0600) == 0);
        why = "not a regular file (a FIFO)";
    }
    SUBCASE("a link to /dev/zero") {
        fs::remove(state);
        REQUIRE(symlink("/dev/zero", state.c_str()) == 0);
        why = "not a regular file (a character device)";
    }
    SUBCASE("the same valid state, padded past what 2 AZs and no endpoints can hold") {
        // 64 KiB + 2 x 512 KiB: the limit for this config (docs/health.md).
        write_text(state, saved + std::string(2 << 20, ' '));
        why = "larger than 1088K, more than a state file for 0 endpoints and 2 AZs holds";
    }
    // Bounded: restart() waits at most ServerOptions::ready_wait for an answer.
    REQUIRE_MESSAGE(server.restart(), server.log());
    CHECK(answered(server.v4(), www) == Addresses{"127.0.0.51", "127.0.0.52"});  // started without the fence
    CHECK_MESSAGE(server.log().find("health state not restored: cannot read " + state.string() + ": " + why +
                                    "; starting without it") != std::string::npos,
                  server.log());
    CHECK(server.stop() == 0);
}

}  // TEST_SUITE
