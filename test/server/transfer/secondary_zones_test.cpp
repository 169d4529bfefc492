// SecondaryZones against bad primaries: a real secondary (its refresh
// threads, its state_dir in a temporary folder) follows a scripted primary
// on loopback that first serves a good zone, then turns bad (a transfer cut
// short or stalled, a serial gone back, a zone with errors, an IXFR that
// does not apply, silence past the SOA's expire, a stream past max_bytes).
// The secondary must keep the version it holds, say why in its status, and
// leave its kept copy as it was. Also a NOTIFY flood, which must bring at
// most one SOA query per min_notify_interval. Waits poll the status against
// a deadline; no time is asserted but that rate.
#include <doctest/doctest.h>

#include <fcntl.h>
#include <sys/stat.h>

#include <ctime>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <optional>
#include <sstream>
#include <thread>

#include "dns_name.hpp"
#include "scripted_primary.hpp"
#include "secondary_zones.hpp"
#include "temp_dir.hpp"
#include "zone_file_writer.hpp"
#include "zone_load.hpp"

// After the C++ headers: ldns defines `false` and `true` when stdbool.h is absent.
#include <ldns/ldns.h>

using namespace azdns;
using namespace azdns::testing;
using namespace std::chrono_literals;

namespace {

const std::string origin = *name_from_text("xfr.test.");

struct SoaTimers {
    std::uint32_t refresh = 3600, retry = 600, expire = 86400;  // by default only a NOTIFY refreshes
};

std::string soa(std::uint32_t serial, SoaTimers timers = {}) {
    return "xfr.test. 3600 IN SOA ns1.xfr.test. hostmaster.xfr.test. " + std::to_string(serial) + " " +
           std::to_string(timers.refresh) + " " + std::to_string(timers.retry) + " " + std::to_string(timers.expire) +
           " 300";
}

// Every record of the zone but its SOA, at any serial.
const std::vector<std::string> zone_body = {
    "xfr.test. 3600 IN NS ns1.xfr.test.",
    "ns1.xfr.test. 3600 IN A 192.0.2.1",
    "www.xfr.test. 300 IN A 192.0.2.10",
    "www.xfr.test. 300 IN A 192.0.2.11",
};

// A response to `query` (its ID and question, QR and AA) with `answers` in
// presentation form, made by ldns: an encoder independent of ours.
Bytes message_to(const Bytes& query, const std::vector<std::string>& answers) {
    ldns_pkt* asked = nullptr;
    REQUIRE(ldns_wire2pkt(&asked, query.data(), query.size()) == LDNS_STATUS_OK);
    ldns_pkt* pkt = ldns_pkt_new();
    ldns_pkt_set_id(pkt, ldns_pkt_id(asked));
    ldns_pkt_set_qr(pkt, true);
    ldns_pkt_set_aa(pkt, true);
    ldns_pkt_push_rr(pkt, LDNS_SECTION_QUESTION, ldns_rr_clone(ldns_rr_list_rr(ldns_pkt_question(asked), 0)));
    ldns_pkt_free(asked);
    for (const std::string& text : answers) {
        ldns_rr* rr = nullptr;
        REQUIRE_MESSAGE(ldns_rr_new_frm_str(&rr, text.c_str(), 3600, nullptr, nullptr) == LDNS_STATUS_OK, text);
        ldns_pkt_push_rr(pkt, LDNS_SECTION_ANSWER, rr);
    }
    std::uint8_t* wire = nullptr;
    std::size_t size = 0;
    REQUIRE(ldns_pkt2wire(&wire, pkt, &size) == LDNS_STATUS_OK);
    Bytes out(wire, wire + size);
    std::free(wire);
    ldns_pkt_free(pkt);
    return out;
}

// The zone at `serial` (with `extra` records) as an AXFR of two messages.
std::vector<Bytes> axfr(const Bytes& query, std::uint32_t serial, SoaTimers timers = {},
                        const std::vector<std::string>& extra = {}) {
    std::vector<std::string> second(zone_body.begin() + 2, zone_body.end());
    second.insert(second.end(), extra.begin(), extra.end());
    second.push_back(soa(serial, timers));
    return {message_to(query, {soa(serial, timers), zone_body[0], zone_body[1]}), message_to(query, second)};
}

// As axfr(), with `fillers` messages of 100 TXT records (about 25 KB each)
// between its two.
std::vector<Bytes> padded_axfr(const Bytes& query, std::uint32_t serial, int fillers) {
    std::vector<Bytes> messages = axfr(query, serial);
    for (int m = 0; m < fillers; ++m) {
        std::vector<std::string> records;
        for (int i = 0; i < 100; ++i)
            records.push_back("pad" + std::to_string(m) + "-" + std::to_string(i) + ".xfr.test. 300 IN TXT \"" +
                              std::string(200, 'x') + "\"");
        messages.insert(messages.end() - 1, message_to(query, records));
    }
    return messages;
}

std::uint16_t qtype_of(const Bytes& query) {
    Query read;
    REQUIRE(read_query(query, read) != ReadStatus::ignore);
    return read.question.qtype;
}

// A primary whose SOA serial and transfers the test changes while the secondary runs.
class Primary {
public:
    using Transfer = std::function<void(ScriptedConnection&)>;

    explicit Primary(std::uint32_t first_serial, SoaTimers timers = {}, std::uint16_t port = 0)
        : serial_(first_serial),
          transfer_([first_serial, timers](ScriptedConnection& connection) {
              for (const Bytes& message : axfr(connection.query(), first_serial, timers)) connection.send(message);
          }),
          server_([this](ScriptedConnection& connection) { transfer()(connection); },
                  [this](const Bytes& query) { return std::vector<Bytes>{response_to(query, serial())}; }, port) {}

    // From now on the SOA answers `serial` and transfers run `transfer`.
    void turn(std::uint32_t serial, Transfer transfer) {
        std::lock_guard lock(mutex_);
        serial_ = serial;
        transfer_ = std::move(transfer);
    }

    [[nodiscard]] SocketAddress address() const { return server_.address(); }
    [[nodiscard]] std::vector<Bytes> queries() const { return server_.queries(); }
    [[nodiscard]] std::size_t soa_queries() const {
        const auto all = queries();
        return static_cast<std::size_t>(
            std::count_if(all.begin(), all.end(), [](const Bytes& query) { return qtype_of(query) == rr_type::soa; }));
    }

private:
    std::uint32_t serial() {
        std::lock_guard lock(mutex_);
        return serial_;
    }
    Transfer transfer() {
        std::lock_guard lock(mutex_);
        return transfer_;
    }

    std::mutex mutex_;
    std::uint32_t serial_;
    Transfer transfer_;
    ScriptedPrimary server_;  // last: its thread uses the members above
};

// True once `condition` holds; false if it did not within a minute (a busy machine is slow, never that slow).
template <typename Condition>
bool eventually(Condition condition) {
    const auto deadline = std::chrono::steady_clock::now() + 60s;
    while (std::chrono::steady_clock::now() < deadline) {
        if (condition()) return true;
        std::this_thread::sleep_for(20ms);
    }
    return condition();
}

// A real SecondaryZones following one primary for xfr.test., recording
// every version it hands over to be served.
class Secondary {
public:
    explicit Secondary(TransferLimits limits = {.deadline = 60s, .idle_timeout = 10s, .max_bytes = 1 << 24},
                       std::chrono::milliseconds min_notify_interval = 2s)
        : zones_({.state_dir = state_.path.string(),
                  .limits = limits,
                  .first_retry = 200ms,
                  .min_notify_interval = min_notify_interval},
                 [this](const std::string& served_origin, std::shared_ptr<const Zone> zone) {
                     CHECK(served_origin == origin);
                     std::lock_guard lock(mutex_);
                     served_.push_back(std::move(zone));
                 }) {}

    void follow(SocketAddress primary) { follow_holding(primary, nullptr); }

    [[nodiscard]] SecondaryStatus status() const {
        const auto all = zones_.status();
        REQUIRE(all.size() == 1);
        return all[0];
    }

    // What Serve was handed, in order (nullptr: withdrawn).
    [[nodiscard]] std::vector<std::shared_ptr<const Zone>> served() const {
        std::lock_guard lock(mutex_);
        return served_;
    }

    [[nodiscard]] std::string kept_copy_path() const { return (state_.path / zone_copy_file_name(origin)).string(); }

    [[nodiscard]] std::string kept_copy() const {
        std::ifstream in(kept_copy_path(), std::ios::binary);
        std::ostringstream text;
        text << in.rdbuf();
        return text.str();
    }

    // Follows `primary` holding `held`, as a start that read a kept copy does.
    void follow_holding(SocketAddress primary, std::shared_ptr<const Zone> held) {
        Config config;
        ZoneConfig zone;
        zone.origin = origin;
        zone.primaries.push_back({primary.address, primary.port, {}});
        zone.where = {"azdns.toml", 3, 1};
        config.zones.push_back(zone);
        zones_.configure(config, {{origin, std::move(held)}});
    }

    void notify() { zones_.notified(origin); }

    // Follows `primary` until it holds serial 1 from it.
    void holds_serial_1(const Primary& primary) {
        follow(primary.address());
        // Serve is called before the status says so: wait for both.
        REQUIRE(eventually([&] { return served().size() == 1 && status().transfers_in == 1; }));
        REQUIRE(served()[0]);
        REQUIRE(served()[0]->serial() == 1);
        const SecondaryStatus now = status();
        REQUIRE(now.serial == 1);
        REQUIRE(now.last_in_kind == "AXFR");
        REQUIRE(now.last_errors.empty());
    }

    // A NOTIFY, then the refresh it brings, which must fail.
    SecondaryStatus notified_and_failed() {
        const std::uint64_t failures = status().refresh_failures;
        notify();
        REQUIRE(eventually([&] { return status().refresh_failures > failures; }));
        return status();
    }

private:
    TempDir state_{"azdns-secondary-zones-test"};
    mutable std::mutex mutex_;
    std::vector<std::shared_ptr<const Zone>> served_;
    SecondaryZones zones_;  // last: its threads call back into the members above
};

// The secondary still holds serial 1 as it did: nothing new served, the same kept copy.
void still_holds_serial_1(const Secondary& secondary, const std::string& copy_before) {
    CHECK(secondary.served().size() == 1);
    CHECK(secondary.status().serial == 1);
    CHECK(secondary.status().held);
    CHECK_FALSE(secondary.status().expired);
    CHECK(secondary.kept_copy() == copy_before);
}

}  // namespace

TEST_SUITE("secondary zones: NOTIFY") {
    TEST_CASE("50 NOTIFYs in half a second: one SOA query per min_notify_interval, and the last one's change taken") {
        Primary primary(1);
        Secondary secondary({.deadline = 60s, .idle_timeout = 10s, .max_bytes = 1 << 24}, 1s);
        secondary.holds_serial_1(primary);
        const std::size_t before = primary.soa_queries();
        const auto began = std::chrono::steady_clock::now();
        for (int i = 0; i < 49; ++i) {
            secondary.notify();
            std::this_thread::sleep_for(10ms);
        }
        primary.turn(2, [](ScriptedConnection& connection) {
            for (const Bytes& message : axfr(connection.query(), 2)) connection.send(message);
        });
        secondary.notify();
        // The first NOTIFY's check at once, then at most one a second (a slow machine's burst lasts longer).
        const auto bound = [&] {
            return 2 + static_cast<std::size_t>((std::chrono::steady_clock::now() - began) / 1s);
        };
        CHECK(primary.soa_queries() - before <= bound());
        REQUIRE(eventually([&] { return secondary.status().serial == 2; }));
        CHECK(primary.soa_queries() - before <= bound());
        CHECK(secondary.status().notifies == 50);
    }
}

TEST_SUITE("secondary zones: bad primaries") {
    TEST_CASE("a truncated transfer (closed before the closing SOA): the version held stays") {
        Primary primary(1);
        Secondary secondary;
        secondary.holds_serial_1(primary);
        const std::string copy = secondary.kept_copy();
        primary.turn(2, [](ScriptedConnection& connection) {
            connection.send(axfr(connection.query(), 2)[0]);  // then the connection closes
        });
        const SecondaryStatus status = secondary.notified_and_failed();
        const std::string from = primary.address().to_string();
        CHECK(status.last_errors ==
              std::vector<std::string>{from + ": IXFR: the primary closed the connection after 1 messages",
                                       from + ": AXFR: the primary closed the connection after 1 messages"});
        still_holds_serial_1(secondary, copy);
    }

    TEST_CASE("a transfer past max_bytes (server.max_zone_size): stopped by the client, the version held stays") {
        Primary primary(1);
        Secondary secondary({.deadline = 60s, .idle_timeout = 10s, .max_bytes = 64 * 1024});
        secondary.holds_serial_1(primary);
        const std::string copy = secondary.kept_copy();
        primary.turn(2, [](ScriptedConnection& connection) {
            for (const Bytes& message : padded_axfr(connection.query(), 2, 4)) connection.send(message);
        });
        const SecondaryStatus status = secondary.notified_and_failed();
        REQUIRE(status.last_errors.size() == 2);  // IXFR, then AXFR
        for (const std::string& error : status.last_errors)
            CHECK_MESSAGE(error.find(": more than 65536 bytes after ") != std::string::npos, error);
        still_holds_serial_1(secondary, copy);
    }

    TEST_CASE("a zone of about 100 KB within max_bytes (256 KiB): taken") {
        Primary primary(1);
        Secondary secondary({.deadline = 60s, .idle_timeout = 10s, .max_bytes = 256 * 1024});
        secondary.holds_serial_1(primary);
        primary.turn(2, [](ScriptedConnection& connection) {
            for (const Bytes& message : padded_axfr(connection.query(), 2, 4)) connection.send(message);
        });
        secondary.notify();
        REQUIRE(eventually([&] { return secondary.status().serial == 2; }));
        CHECK(secondary.status().last_in_bytes > 64 * 1024);
    }

    TEST_CASE("a serial gone backwards: not taken, nothing transferred") {
        Primary primary(1);
        Secondary secondary;
        secondary.holds_serial_1(primary);
        const std::string copy = secondary.kept_copy();
        const std::size_t queries = primary.queries().size();
        primary.turn(0, [](ScriptedConnection& connection) {
            for (const Bytes& message : axfr(connection.query(), 0)) connection.send(message);
        });
        const SecondaryStatus status = secondary.notified_and_failed();
        CHECK(status.last_errors ==
              std::vector<std::string>{primary.address().to_string() + ": serial 0 is older than the 1 held: not taken"});
        CHECK(primary.queries().size() == queries + 1);  // the SOA query only
        still_holds_serial_1(secondary, copy);
    }

    TEST_CASE("a zone with errors: refused by the zone checks, each error at its place in the transfer") {
        Primary primary(1);
        Secondary secondary;
        secondary.holds_serial_1(primary);
        const std::string copy = secondary.kept_copy();
        primary.turn(2, [](ScriptedConnection& connection) {
            const std::vector<std::string> bad = {"www.xfr.test. 300 IN CNAME elsewhere.example."};
            for (const Bytes& message : axfr(connection.query(), 2, {}, bad)) connection.send(message);
        });
        const SecondaryStatus status = secondary.notified_and_failed();
        const std::string from = primary.address().to_string();
        // The whole zone came in answer to the IXFR: taking it by AXFR would fail the same checks.
        CHECK(status.last_errors ==
              std::vector<std::string>{from + ": IXFR of serial 2 refused: 1 errors in the zone",
                                       "IXFR from " + from + ":2:3: CNAME at \"www.xfr.test.\" beside other data (A)"});
        still_holds_serial_1(secondary, copy);
    }

    TEST_CASE("a record outside the zone: the transfer refused where the record is") {
        Primary primary(1);
        Secondary secondary;
        secondary.holds_serial_1(primary);
        const std::string copy = secondary.kept_copy();
        primary.turn(2, [](ScriptedConnection& connection) {
            const std::vector<std::string> stray = {"stray.example. 300 IN A 192.0.2.50"};
            for (const Bytes& message : axfr(connection.query(), 2, {}, stray)) connection.send(message);
        });
        const SecondaryStatus status = secondary.notified_and_failed();
        const std::string from = primary.address().to_string();
        CHECK(status.last_errors ==
              std::vector<std::string>{
                  "IXFR from " + from + ": message 2: record 3: stray.example. is outside the zone xfr.test.",
                  "AXFR from " + from + ": message 2: record 3: stray.example. is outside the zone xfr.test."});
        still_holds_serial_1(secondary, copy);
    }

    TEST_CASE("a transfer that stalls mid-stream: ended by the idle timeout, refused") {
        Primary primary(1);
        Secondary secondary({.deadline = 60s, .idle_timeout = 500ms, .max_bytes = 1 << 24});
        secondary.holds_serial_1(primary);
        const std::string copy = secondary.kept_copy();
        primary.turn(2, [](ScriptedConnection& connection) {
            connection.send(axfr(connection.query(), 2)[0]);
            connection.stall();
        });
        const SecondaryStatus status = secondary.notified_and_failed();
        const std::string from = primary.address().to_string();
        CHECK(status.last_errors ==
              std::vector<std::string>{from + ": IXFR: nothing received for 500 ms after 1 messages",
                                       from + ": AXFR: nothing received for 500 ms after 1 messages"});
        still_holds_serial_1(secondary, copy);
    }

    TEST_CASE("an IXFR answered with a lone SOA newer than the one held: the zone by AXFR, not \"up to date\"") {
        Primary primary(1);
        Secondary secondary;
        secondary.holds_serial_1(primary);
        primary.turn(2, [](ScriptedConnection& connection) {
            const Bytes& query = connection.query();
            if (qtype_of(query) == rr_type::ixfr) {
                connection.send(message_to(query, {soa(2)}));  // a primary with no history of serial 1
            } else {
                for (const Bytes& message : axfr(query, 2)) connection.send(message);
            }
        });
        secondary.notify();
        REQUIRE(eventually([&] { return secondary.served().size() == 2 && secondary.status().transfers_in == 2; }));
        REQUIRE(secondary.served()[1]);
        CHECK(secondary.served()[1]->serial() == 2);
        CHECK(secondary.status().last_in_kind == "AXFR");
        CHECK(qtype_of(primary.queries().back()) == rr_type::axfr);
    }

    TEST_CASE("an IXFR that does not apply (removes a record not held): the zone by AXFR instead") {
        Primary primary(1);
        Secondary secondary;
        secondary.holds_serial_1(primary);
        primary.turn(2, [](ScriptedConnection& connection) {
            const Bytes& query = connection.query();
            if (qtype_of(query) == rr_type::ixfr) {
                connection.send(message_to(query, {soa(2), soa(1), "gone.xfr.test. 300 IN A 192.0.2.99", soa(2),
                                                   "new.xfr.test. 300 IN A 192.0.2.20", soa(2)}));
            } else {
                for (const Bytes& message : axfr(query, 2, {}, {"new.xfr.test. 300 IN A 192.0.2.20"}))
                    connection.send(message);
            }
        });
        secondary.notify();
        REQUIRE(eventually([&] { return secondary.served().size() == 2 && secondary.status().transfers_in == 2; }));
        const auto zone = secondary.served()[1];
        REQUIRE(zone);
        CHECK(zone->serial() == 2);
        CHECK(zone->record_count() == 6);  // the SOA, the four of serial 1, new.xfr.test.
        const SecondaryStatus status = secondary.status();
        CHECK(status.serial == 2);
        CHECK(status.last_in_kind == "AXFR");
        CHECK(status.last_errors.empty());
        CHECK(status.refresh_failures == 0);
        const auto queries = primary.queries();
        REQUIRE(queries.size() >= 3);
        CHECK(qtype_of(queries[queries.size() - 2]) == rr_type::ixfr);
        CHECK(qtype_of(queries.back()) == rr_type::axfr);
        Diagnostics diags;
        const auto kept = load_zone(origin, secondary.kept_copy_path(), {}, diags);
        REQUIRE(kept);
        CHECK(kept->serial() == 2);
    }

    TEST_CASE("expire: no primary for the SOA's expire withdraws the zone; the primary back serves it again") {
        const SoaTimers quick{.refresh = 2, .retry = 2, .expire = 3};
        std::optional<Primary> primary(std::in_place, 1, quick);
        const SocketAddress where = primary->address();
        Secondary secondary;
        secondary.holds_serial_1(*primary);
        primary.reset();  // gone: its port closed
        // The status says so before Serve is called: wait for both.
        REQUIRE(eventually([&] { return secondary.status().expired && secondary.served().size() == 2; }));
        const auto withdrawn = secondary.served();
        REQUIRE(withdrawn.size() == 2);
        CHECK(withdrawn[1] == nullptr);
        const SecondaryStatus expired = secondary.status();
        CHECK(expired.serial == 1);
        REQUIRE_FALSE(expired.last_errors.empty());
        CHECK(expired.last_errors[0].starts_with(where.to_string() + ": SOA query: "));

        primary.emplace(1, quick, where.port);  // back, still at serial 1
        REQUIRE(eventually([&] { return !secondary.status().expired && secondary.served().size() == 3; }));
        const auto again = secondary.served();
        REQUIRE(again.size() == 3);
        REQUIRE(again[2]);
        CHECK(again[2]->serial() == 1);
        CHECK(secondary.status().last_errors.empty());
    }

    TEST_CASE("a kept copy older than the SOA's expire is withdrawn before the primaries are asked") {
        const SoaTimers quick{.refresh = 2, .retry = 2, .expire = 3};
        Primary primary(1, quick);
        Secondary first;
        first.holds_serial_1(primary);
        // A primary that never answers: the SOA query waits its 5 s out.
        ScriptedPrimary silent([](ScriptedConnection&) {}, [](const Bytes&) { return std::vector<Bytes>{}; });

        // A restart after 10 s down: the copy's mtime is 10 s old.
        Secondary restarted;
        std::filesystem::copy_file(first.kept_copy_path(), restarted.kept_copy_path());
        const timespec times[2] = {{::time(nullptr) - 10, 0}, {::time(nullptr) - 10, 0}};
        REQUIRE(::utimensat(AT_FDCWD, restarted.kept_copy_path().c_str(), times, 0) == 0);
        restarted.follow_holding(silent.address(), first.served()[0]);
        REQUIRE(eventually([&] { return !restarted.served().empty(); }));
        // Withdrawn first, while the refresh still waits on the silent primary.
        CHECK(restarted.served()[0] == nullptr);
        CHECK(restarted.status().refresh_failures == 0);
        CHECK(restarted.status().expired);
    }

    TEST_CASE("the kept copy: after a good transfer it is in state_dir and loads into the same serial") {
        Primary primary(1);
        Secondary secondary;
        secondary.holds_serial_1(primary);
        Diagnostics diags;
        const auto kept = load_zone(origin, secondary.kept_copy_path(), {"azdns.toml", 3, 1}, diags);
        for (const auto& problem : diags.all()) MESSAGE(problem.to_string());
        REQUIRE(kept);
        CHECK(kept->serial() == 1);
        CHECK(zone_records_text(origin, zone_records_of(*kept), "") ==
              zone_records_text(origin, zone_records_of(*secondary.served()[0]), ""));
    }
}
