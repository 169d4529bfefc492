// The NOTIFY sender against a real secondary: Knot DNS (knotd), with one
// zone whose ACL allows NOTIFY from 127.0.0.1 and one whose does not.
#include <doctest/doctest.h>

#include <chrono>
#include <thread>

#include "dns_name.hpp"
#include "notify_sender.hpp"
#include "server_process.hpp"

using namespace azdns;
using namespace azdns::e2e;
using namespace std::chrono_literals;

namespace {

constexpr const char* knotd = "/usr/sbin/knotd";

// A secondary of example.com (NOTIFY allowed from 127.0.0.1) and of
// example.net (no ACL: NOTIFY refused). Its primary is a port nobody
// answers on: the test is about the NOTIFY, not the transfer it starts.
std::string knot_config(const fs::path& dir, std::uint16_t port, std::uint16_t primary_port) {
    const std::string d = dir.string();
    return "# written by test/e2e/notify_knot_test.cpp\n"
           "server:\n    rundir: \"" + d + "\"\n    listen: 127.0.0.1@" + std::to_string(port) +
           "\n    udp-workers: 1\n    tcp-workers: 1\n    background-workers: 1\n"
           "database:\n    storage: \"" + d + "\"\n"
           "log:\n  - target: stderr\n    any: info\n"
           "remote:\n  - id: primary\n    address: 127.0.0.1@" + std::to_string(primary_port) + "\n"
           "acl:\n  - id: notify_from_primary\n    address: 127.0.0.1\n    action: notify\n"
           "template:\n  - id: default\n    storage: \"" + d + "\"\n"
           "zone:\n  - domain: example.com\n    master: primary\n    acl: notify_from_primary\n"
           "  - domain: example.net\n    master: primary\n";
}

}  // namespace

TEST_SUITE("e2e_notify_knot") {
    TEST_CASE("Knot acknowledges a NOTIFY its ACL allows and answers NOTAUTH to one it does not") {
        if (!fs::exists(knotd)) {
            MESSAGE("knotd not installed: not run");
            return;
        }
        TempDir dir("azdns-e2e-notify-knot");
        const std::uint16_t port = free_port();
        write_text(dir.path / "knot.conf", knot_config(dir.path, port, free_port()));
        ChildProcess knot;
        REQUIRE(knot.spawn({knotd, "-c", (dir.path / "knot.conf").string()}, dir.path / "output.log"));

        NotifySenderOptions options;
        options.first_retry = 200ms;  // five tries over about 6 s: time enough for knotd to start
        NotifySender sender(std::move(options));
        const SocketAddress secondary{*IpAddress::parse("127.0.0.1"), port};
        sender.notify(*name_from_text("example.com."), 2026120301, {secondary});
        sender.notify(*name_from_text("example.net."), 2026120301, {secondary});
        bool done = false;
        for (int i = 0; i < 1000 && !done; ++i) {
            std::this_thread::sleep_for(20ms);
            const auto all = sender.status();
            done = all.size() == 2 && all[0].outcome != NotifyOutcome::pending &&
                   all[1].outcome != NotifyOutcome::pending;
        }
        knot.stop();
        const std::string log = read_text(dir.path / "output.log");
        INFO("knotd's log:\n", log);
        REQUIRE(done);
        const auto all = sender.status();  // ordered by zone: example.com, example.net
        CHECK(all[0].zone == *name_from_text("example.com."));
        CHECK(all[0].outcome == NotifyOutcome::acked);
        CHECK(all[1].outcome == NotifyOutcome::refused);
        CHECK(all[1].last_error == "NOTAUTH");
        CHECK(log.find("[example.com.] notify, incoming, remote 127.0.0.1") != std::string::npos);
    }
}
