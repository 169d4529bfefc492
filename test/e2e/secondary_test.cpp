// azdns as a secondary, end to end (docs/transfers.md, "Taking a zone from a
// primary"): the real `azdns serve` taking health.test. from a real Knot
// primary over TSIG, or from another azdns's raw view, following edits by
// NOTIFY and IXFR, serving its kept copy after a restart, withdrawing the
// zone (SERVFAIL) after the SOA's expire, filtering what it took by its own
// probes and fences, and refusing NOTIFYs it must not take. Every wait is
// bounded; nothing asserts how fast.
#include <doctest/doctest.h>

#include <poll.h>

#include <algorithm>
#include <cstdlib>
#include <memory>

#include <nlohmann/json.hpp>

#include "control_client.hpp"
#include "e2e_fixture.hpp"
#include "health_world.hpp"
#include "transfer_peers.hpp"

// After the C++ headers: ldns defines `false` and `true` when stdbool.h is absent.
#include <ldns/ldns.h>

using namespace azdns::e2e;
using namespace std::chrono_literals;
using Addresses = std::set<std::string>;

namespace {

// A busy machine (or sanitizers) is slow: a transfer, or a timer's turn, is given this long.
constexpr auto transfer_wait = 30s;

const std::string origin = "health.test.";
const std::string www = "www.health.test.";
const TsigSpec key{"xfr", "hmac-sha256", "tdJOktiIvzY6+7HFbbTVprKEr7B1OTOKWFBXVFcSgZo="};

const std::vector<std::string> az_a{"127.0.0.51", "127.0.0.52"};
const std::vector<std::string> az_b{"127.0.0.53", "127.0.0.54"};
const std::vector<std::string> everywhere{az_a[0], az_a[1], az_b[0], az_b[1]};
const Addresses everything(everywhere.begin(), everywhere.end());
const Addresses only_a(az_a.begin(), az_a.end());
const Addresses only_b(az_b.begin(), az_b.end());

// The SOA's refresh, retry, expire and minimum. An hour's refresh: within a
// test, only a NOTIFY makes a secondary follow an edit.
const std::string slow_timers = "3600 600 86400 60";

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// health.test. at `serial`, www at `addresses`, `more` records appended.
std::string zone_text(std::uint32_t serial, const std::vector<std::string>& addresses,
                      const std::string& timers = slow_timers, const std::string& more = "") {
    std::string text = "$ORIGIN health.test.\n$TTL 300\n@ IN SOA ns1 hostmaster " + std::to_string(serial) + " " +
                       timers + "\n@ IN NS ns1\nns1 IN A 127.0.0.1\n";
    for (const std::string& address : addresses) text += "www IN A " + address + "\n";
    return text + more;
}

// The [[az]], [[check]] and [[service]] of www, probing `farm`'s endpoints.
std::string health_config(const EndpointFarm& farm) {
    return "[ttl]\nmax = 60\ndegraded = 20\nall_down = 10\n\n" + az("az-a", az_a) + az("az-b", az_b) +
           web_check(farm.port()) + service(www);
}

// The TSIG secret in a file, for a [[key]] table.
struct KeyFile {
    TempDir dir{"azdns-e2e-secondary-key"};
    KeyFile() { write_text(dir.path / "xfr.key", key.secret_base64 + "\n"); }
    [[nodiscard]] std::string config() const {
        return "[[key]]\nname = \"xfr\"\nalgorithm = \"hmac-sha256\"\nsecret_file = \"" +
               (dir.path / "xfr.key").string() + "\"\n\n";
    }
};

// azdns on `port` taking health.test. from `primary`, signing with `keys`
// when given, `more_config` appended.
ServerOptions secondary_options(std::uint16_t port, const Endpoint& primary, const KeyFile* keys,
                                const std::string& more_config = "") {
    ServerOptions options;
    options.port = port;
    options.zones.clear();
    options.extra_config = (keys ? keys->config() : "") + "[[zone]]\norigin = \"" + origin +
                           "\"\nprimaries = [\"" + primary.to_string() + "\"]\n" +
                           (keys ? "primary_key = \"xfr\"\n" : "") + "\n" + more_config;
    return options;
}

// azdns serving health.test. from a file, transferable in its raw view by
// 127.0.0.1 without a key; `zone_lines` continue its [[zone]] table.
ServerOptions primary_options(const std::string& zone, const std::string& zone_lines = "",
                              const std::string& more_config = "") {
    ServerOptions options;
    options.zones.clear();
    options.zone_texts = {{origin, zone}};
    options.extra_config = zone_lines + "[[zone.allow_transfer]]\nprefixes = [\"127.0.0.1/32\"]\nview = \"raw\"\n\n" +
                           more_config;
    return options;
}

std::string log_file(const AzdnsServer& server) { return read_text(server.dir() / "azdns.log"); }

// Waits until the server answers www authoritatively with exactly `want`.
bool serves(const AzdnsServer& server, const Addresses& want) {
    auto got = wait_for_answer(
        server.v4(), www, rrtype::A,
        [&](const Response& r) { return r.rcode == rcode::NOERROR && r.aa && addresses_in(r) == want; },
        transfer_wait);
    if (!got.response) MESSAGE("azdns did not answer as expected:\n" << describe(got, server));
    return got.response.has_value();
}

// Waits until the server answers www with `code`.
bool answers_rcode(const AzdnsServer& server, int code) {
    auto got = wait_for_answer(server.v4(), www, rrtype::A, [&](const Response& r) { return r.rcode == code; },
                               transfer_wait);
    if (!got.response) MESSAGE("azdns did not answer rcode " << code << ":\n" << describe(got, server));
    return got.response.has_value();
}

fs::path kept_copy(const AzdnsServer& server) { return server.dir() / "state" / "secondary-health.test.zone"; }

// "zone health.test.: serial 2 from 127.0.0.1:PORT by IXFR (": a transfer in that was served.
std::string transfer_line(std::uint32_t serial, const Endpoint& primary, const std::string& kind) {
    return "zone " + origin + ": serial " + std::to_string(serial) + " from " + primary.to_string() + " by " + kind +
           " (";
}

void require_tools() {
    REQUIRE_MESSAGE(fs::exists(peer_binary(Peer::knot)), "knot is not installed at ", peer_binary(Peer::knot));
    for (const char* tool : {"/usr/bin/named-checkzone", "/usr/bin/ldns-read-zone"})
        REQUIRE_MESSAGE(fs::exists(tool), tool, " is not installed (./dev installs bind9-utils, ldnsutils)");
}

// A NOTIFY for health.test. (opcode 4, AA, SOA question, EDNS), signed by
// ldns with `tsig`, over UDP; the response, or an empty one when none came.
Response signed_notify(const Endpoint& server, const TsigSpec& tsig) {
    ldns_pkt* notify = ldns_pkt_query_new(ldns_dname_new_frm_str(origin.c_str()), LDNS_RR_TYPE_SOA, LDNS_RR_CLASS_IN,
                                          LDNS_AA);
    REQUIRE(notify != nullptr);
    ldns_pkt_set_opcode(notify, LDNS_PACKET_NOTIFY);
    ldns_pkt_set_id(notify, 0x5151);
    ldns_pkt_set_edns_udp_size(notify, 1232);
    auto reply = udp_exchange(server, tsig_signed_wire(notify, tsig));
    return reply ? parse_response(*reply) : Response{};
}

constexpr std::uint16_t ede_prohibited = 18;

bool prohibited(const Response& response) {
    return response.opt && response.opt->extended_error && response.opt->extended_error->info_code == ede_prohibited;
}

}  // namespace

TEST_SUITE("e2e_secondary") {

TEST_CASE("from a Knot primary over TSIG: AXFR first, an edit by NOTIFY and IXFR, a kept copy the zone checkers read") {
    require_tools();
    KeyFile keys;
    const std::uint16_t port = free_port();
    KnotPrimary knot(origin, zone_text(1, az_a), {{"127.0.0.1", port}}, key);
    REQUIRE_MESSAGE(knot.ready(), knot.log());
    AzdnsServer azdns(secondary_options(port, knot.v4(), &keys));
    REQUIRE_SERVER(azdns);

    // Not held at start: SERVFAIL until the first transfer, then the zone.
    REQUIRE(serves(azdns, only_a));
    CHECK_MESSAGE(contains(log_file(azdns), "zone " + origin + ": not held yet"), azdns.log());
    CHECK_MESSAGE(contains(log_file(azdns), transfer_line(1, knot.v4(), "AXFR")), azdns.log());
    CHECK(soa_serial(azdns.v4(), origin) == 1u);
    auto ns = ask_udp(azdns.v4(), Query{.name = origin, .type = rrtype::NS});
    REQUIRE(ns);
    CHECK_MESSAGE((ns->aa && ns->answer == std::vector<std::string>{origin + " 300 IN NS ns1." + origin}), ns->dump());
    auto missing = ask_udp(azdns.v4(), Query{.name = "nowhere." + origin, .type = rrtype::A});
    REQUIRE(missing);
    CHECK_MESSAGE((missing->aa && missing->rcode == rcode::NXDOMAIN), missing->dump());

    // The SOA's refresh is an hour: only Knot's NOTIFY brings the edit this soon.
    REQUIRE_MESSAGE(knot.edit(zone_text(2, az_b)), knot.log());
    REQUIRE(serves(azdns, only_b));
    CHECK(soa_serial(azdns.v4(), origin) == 2u);
    CHECK_MESSAGE(azdns.logs(transfer_line(2, knot.v4(), "IXFR"), transfer_wait), azdns.log());
    CHECK_MESSAGE(knot.last_transfer_kind_served_to("127.0.0.1") == "ixfr", knot.log());

    // Status and metrics say where the zone comes from and how the last transfer in went.
    const auto status = nlohmann::json::parse(control_request(azdns, "GET", "/v1/status").body);
    const auto zone = std::find_if(status["zones"].begin(), status["zones"].end(),
                                   [](const auto& z) { return z["origin"] == origin; });
    REQUIRE(zone != status["zones"].end());
    const auto& transfers = (*zone)["transfers"];
    INFO(transfers.dump(2));
    CHECK(transfers["source"] == "primaries");
    CHECK(transfers["in"]["held"].get<bool>());
    CHECK(transfers["in"]["serial"] == 2);
    CHECK(transfers["in"]["last_in"]["kind"] == "IXFR");
    CHECK(transfers["in"]["last_in"]["primary"] == knot.v4().to_string());
    CHECK(transfers["in"]["transfers_in"] == 2);
    CHECK(transfers["in"]["notifies"].get<int>() >= 1);
    CHECK(transfers["in"]["errors"].empty());
    const std::string metrics = control_request(azdns, "GET", "/metrics").body;
    CHECK_MESSAGE(contains(metrics, "azdns_transfers_in_total{zone=\"" + origin + "\"} 2\n"), metrics);
    CHECK_MESSAGE(contains(metrics, "azdns_zone_served{zone=\"" + origin + "\"} 1\n"), metrics);

    // The kept copy holds serial 2, and BIND's and ldns's readers take it.
    const fs::path copy = kept_copy(azdns);
    REQUIRE_MESSAGE(fs::exists(copy), azdns.log());
    const std::string kept = read_text(copy);
    CHECK_MESSAGE(contains(kept, az_b[0]), kept);
    CHECK_MESSAGE(!contains(kept, az_a[0]), kept);
    auto named = azdns::test::run_process({"/usr/bin/named-checkzone", origin, copy.string()}, 20s);
    CHECK_MESSAGE(named.exit_code == 0, named.out, named.err, kept);
    CHECK_MESSAGE(contains(named.out, "loaded serial 2"), named.out);
    auto ldns_read = azdns::test::run_process({"/usr/bin/ldns-read-zone", copy.string()}, 20s);
    CHECK_MESSAGE(ldns_read.exit_code == 0, ldns_read.out, ldns_read.err, kept);
    CHECK_MESSAGE(contains(ldns_read.out, az_b[1]), ldns_read.out);
}

TEST_CASE("a restart without its primary serves the kept copy at once, and keeps serving while refreshes fail") {
    require_tools();
    KeyFile keys;
    const std::uint16_t port = free_port();
    auto knot = std::make_unique<KnotPrimary>(origin, zone_text(7, az_a), std::vector<Endpoint>{}, key);
    REQUIRE_MESSAGE(knot->ready(), knot->log());
    const Endpoint primary = knot->v4();
    AzdnsServer azdns(secondary_options(port, primary, &keys));
    REQUIRE_SERVER(azdns);
    REQUIRE(serves(azdns, only_a));

    azdns.stop();
    knot.reset();  // stopped by PID: nothing answers on its port now
    REQUIRE_MESSAGE(azdns.restart(), azdns.log());
    // The first query after it answers at all gets the zone.
    auto first = ask_udp(azdns.v4(), Query{.name = www, .type = rrtype::A});
    REQUIRE_MESSAGE(first, azdns.log());
    CHECK_MESSAGE((first->rcode == rcode::NOERROR && first->aa && addresses_in(*first) == only_a), first->dump(),
                  azdns.log());
    CHECK_MESSAGE(contains(log_file(azdns), "(the kept copy)"), azdns.log());

    CHECK_MESSAGE(
        azdns.logs("zone " + origin + ": refresh failed: " + primary.to_string() + ": SOA query", transfer_wait),
        azdns.log());
    CHECK_MESSAGE(azdns.logs("keeps serving serial 7", transfer_wait), azdns.log());
    CHECK(serves(azdns, only_a));
    CHECK(soa_serial(azdns.v4(), origin) == 7u);
}

TEST_CASE("a zone no primary confirms within the SOA's expire is answered SERVFAIL, and served again when one does") {
    // Refresh 2 s, retry 2 s, expire 6 s.
    AzdnsServer primary(primary_options(zone_text(3, az_a, "2 2 6 60")));
    REQUIRE_SERVER(primary);
    AzdnsServer azdns(secondary_options(0, primary.v4(), nullptr));
    REQUIRE_SERVER(azdns);
    REQUIRE(serves(azdns, only_a));

    primary.stop();
    REQUIRE(answers_rcode(azdns, rcode::SERVFAIL));
    CHECK_MESSAGE(contains(log_file(azdns), "expired: no primary confirmed serial 3 within 6 s"), azdns.log());
    auto soa = ask_udp(azdns.v4(), Query{.name = origin, .type = rrtype::SOA});
    REQUIRE(soa);
    CHECK_MESSAGE(soa->rcode == rcode::SERVFAIL, soa->dump());

    // A reload is no failure for an expired zone, and does not serve its kept copy again.
    const auto reload = control_request(azdns, "POST", "/v1/reload");
    CHECK_MESSAGE(reload.status == 200, reload.body);
    const auto status = nlohmann::json::parse(control_request(azdns, "GET", "/v1/status").body);
    CHECK_MESSAGE(status["zones"][0]["transfers"]["in"]["expired"].get<bool>(), status.dump(2));
    auto after_reload = ask_udp(azdns.v4(), Query{.name = origin, .type = rrtype::SOA});
    REQUIRE(after_reload);
    CHECK_MESSAGE(after_reload->rcode == rcode::SERVFAIL, after_reload->dump());

    // The primary back on its port with the same serial: the copy held is current again.
    REQUIRE_MESSAGE(primary.restart(), primary.log());
    REQUIRE(serves(azdns, only_a));
    CHECK_MESSAGE(azdns.logs(primary.v4().to_string() + " confirms serial 3: served again", transfer_wait), azdns.log());
}

TEST_CASE("a secondary of another azdns's raw view filters by its own probes, and follows an edit by NOTIFY and IXFR") {
    require_tools();
    // Each instance sees one AZ down: the primary az-b, the secondary az-a.
    EndpointFarm primary_farm(everywhere), secondary_farm(everywhere);
    REQUIRE_MESSAGE(primary_farm.ok(), primary_farm.error());
    REQUIRE_MESSAGE(secondary_farm.ok(), secondary_farm.error());
    for (const std::string& address : az_b) primary_farm.at(address).stop();
    for (const std::string& address : az_a) secondary_farm.at(address).stop();

    const std::uint16_t secondary_port = free_port();
    AzdnsServer primary(primary_options(zone_text(1, everywhere),
                                        "notify = [\"127.0.0.1:" + std::to_string(secondary_port) + "\"]\n",
                                        health_config(primary_farm)));
    REQUIRE_SERVER(primary);
    AzdnsServer secondary(secondary_options(secondary_port, primary.v4(), nullptr, health_config(secondary_farm)));
    REQUIRE_SERVER(secondary);

    REQUIRE(serves(primary, only_a));
    // The secondary holds every address (the raw view) and answers with the AZ its own probes find up.
    REQUIRE(serves(secondary, only_b));
    CHECK_MESSAGE(primary.logs("transfer out: axfr of " + origin + " (raw) serial 1 to 127.0.0.1:", transfer_wait), primary.log());
    const std::string kept = read_text(kept_copy(secondary));
    for (const std::string& address : everywhere) CHECK_MESSAGE(contains(kept, address), kept);

    // An edit of the primary's file and a reload: NOTIFY, then IXFR.
    write_text(primary.dir() / "health.test.zone",
               zone_text(2, everywhere, slow_timers, "note IN TXT \"second version\"\n"));
    auto reloaded = ctl(primary, {"reload"});
    REQUIRE_MESSAGE(reloaded.exit_code == 0, reloaded.out, reloaded.err, primary.log());
    auto note = wait_for_answer(
        secondary.v4(), "note." + origin, rrtype::TXT,
        [](const Response& r) { return r.aa && r.answer.size() == 1 && contains(r.answer[0], "second version"); },
        transfer_wait);
    REQUIRE_MESSAGE(note.response, describe(note, secondary));
    CHECK_MESSAGE(secondary.logs(transfer_line(2, primary.v4(), "IXFR"), transfer_wait), secondary.log());
    CHECK_MESSAGE(primary.logs("transfer out: ixfr of " + origin + " (raw) serial 2 to 127.0.0.1:", transfer_wait), primary.log());
    CHECK(serves(secondary, only_b));
    CHECK(serves(primary, only_a));
}

TEST_CASE("a fence on the secondary takes the AZ's addresses out of a transferred zone's answers, as from a file zone") {
    require_tools();
    EndpointFarm farm(everywhere);
    REQUIRE_MESSAGE(farm.ok(), farm.error());
    KnotPrimary knot(origin, zone_text(1, everywhere), {}, std::nullopt);
    REQUIRE_MESSAGE(knot.ready(), knot.log());
    AzdnsServer azdns(secondary_options(0, knot.v4(), nullptr, health_config(farm)));
    REQUIRE_SERVER(azdns);
    REQUIRE(serves(azdns, everything));

    auto fenced = ctl(azdns, {"fence", "az-a"});
    REQUIRE_MESSAGE(fenced.exit_code == 0, fenced.out, fenced.err);
    CHECK(serves(azdns, only_b));
    auto lifted = ctl(azdns, {"unfence", "az-a"});
    REQUIRE_MESSAGE(lifted.exit_code == 0, lifted.out, lifted.err);
    CHECK(serves(azdns, everything));
}

TEST_CASE("NOTIFY is taken only signed with primary_key and from allow_notify") {
    require_tools();
    KeyFile keys;
    KnotPrimary knot(origin, zone_text(1, az_a), {}, key);
    REQUIRE_MESSAGE(knot.ready(), knot.log());
    AzdnsServer azdns(secondary_options(0, knot.v4(), &keys));
    REQUIRE_SERVER(azdns);
    REQUIRE(serves(azdns, only_a));

    // Unsigned, from the primary's address.
    auto unsigned_notify =
        ask_udp(azdns.v4(), Query{.name = origin, .type = rrtype::SOA, .opcode = 4, .edns = true});
    REQUIRE(unsigned_notify);
    CHECK_MESSAGE(unsigned_notify->rcode == rcode::REFUSED, unsigned_notify->dump());
    CHECK_MESSAGE(prohibited(*unsigned_notify), unsigned_notify->dump());

    // Signed with the key, from ::1: allow_notify defaults to the primary's 127.0.0.1/32.
    auto outsider = signed_notify(azdns.v6(), key);
    CHECK_MESSAGE(outsider.rcode == rcode::REFUSED, outsider.dump());
    CHECK_MESSAGE(prohibited(outsider), outsider.dump());

    // Signed, from 127.0.0.1: taken.
    auto allowed = signed_notify(azdns.v4(), key);
    CHECK_MESSAGE((allowed.rcode == rcode::NOERROR && allowed.aa && allowed.opcode == 4), allowed.dump());
    CHECK(serves(azdns, only_a));
}

}  // TEST_SUITE
