// azdns as a primary, end to end (docs/transfers.md): the real `azdns serve`
// probing fake endpoints in two AZs, real NSD and Knot secondaries taking its
// filtered (or raw) view over TSIG and following each change by NOTIFY, kdig
// and the zone checkers of BIND and ldns reading what it transfers, and the
// clients a primary must survive. Each secondary transfers from its own
// loopback address, so azdns's log tells their transfers apart; NOTIFY goes
// to 127.0.0.1, where they listen. The zone's SOA refresh is an hour: within
// a test, only a NOTIFY can make a secondary follow. Every wait is bounded.
#include <doctest/doctest.h>

#include <poll.h>

#include <cstdlib>
#include <memory>
#include <sstream>

#include "e2e_fixture.hpp"
#include "health_world.hpp"
#include "transfer_peers.hpp"

// After the C++ headers: ldns defines `false` and `true` when stdbool.h is absent.
#include <ldns/ldns.h>

using namespace azdns::e2e;
using namespace std::chrono_literals;
using Addresses = std::set<std::string>;

namespace {

// A busy machine (or sanitizers) is slow: a transfer is given this long.
constexpr auto transfer_wait = 30s;
// A fence reaches a secondary in a probe's detection, a NOTIFY and an IXFR.
constexpr auto follow_wait = 15s;

const std::string origin = "health.test.";
const std::string www = "www.health.test.";
const TsigSpec key{"xfr", "hmac-sha256", "tdJOktiIvzY6+7HFbbTVprKEr7B1OTOKWFBXVFcSgZo="};
// The same name, another secret.
const TsigSpec wrong_secret{"xfr", "hmac-sha256", "D5d50ZK9tJ5xaiqspO2jLdt9HbHsyFWLwgZKGhFqnho="};

const std::vector<std::string> az_a{"127.0.0.41", "127.0.0.42"};
const std::vector<std::string> az_b{"127.0.0.43", "127.0.0.44"};
const Addresses everything{az_a[0], az_a[1], az_b[0], az_b[1]};
const Addresses only_b{az_b[0], az_b[1]};

// Transfer sources: the filtered rule holds 127.0.2.0/24, the raw rule
// 127.0.2.3 alone (listed first, so it decides for that address).
const std::string knot_source = "127.0.2.1", nsd_source = "127.0.2.2", raw_source = "127.0.2.3",
                  kdig_source = "127.0.2.9";

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

std::string kdig_key(const TsigSpec& tsig) { return tsig.algorithm + ":" + tsig.name + ":" + tsig.secret_base64; }

// A line of `azdns serve`'s config: `name = ["a", "b"]`.
std::string string_list(const std::string& name, const std::vector<std::string>& items) {
    std::string line = name + " = [";
    for (std::size_t i = 0; i < items.size(); ++i) line += (i ? ", \"" : "\"") + items[i] + "\"";
    return line + "]\n";
}

// azdns serving health.test. (www in both AZs) to the transfer rules above,
// NOTIFYing `notify_ports` on 127.0.0.1, with `more_config` appended.
struct Primary {
    TempDir keys{"azdns-e2e-xfr-key"};
    EndpointFarm farm{{az_a[0], az_a[1], az_b[0], az_b[1]}};
    std::unique_ptr<AzdnsServer> azdns;

    explicit Primary(const std::vector<std::uint16_t>& notify_ports, const std::string& more_config = "",
                     std::vector<std::string> server_lines = {}) {
        REQUIRE_MESSAGE(farm.ok(), farm.error());
        write_text(keys.path / "xfr.key", key.secret_base64 + "\n");
        std::vector<std::string> targets;
        for (std::uint16_t port : notify_ports) targets.push_back("127.0.0.1:" + std::to_string(port));
        // These lines continue health.test.'s [[zone]] table.
        std::string config = string_list("notify", targets) + "\n[[zone.allow_transfer]]\n" +
                             string_list("prefixes", {raw_source + "/32"}) + "key = \"xfr\"\nview = \"raw\"\n\n" +
                             "[[zone.allow_transfer]]\n" +
                             string_list("prefixes", {"127.0.0.1/32", "127.0.2.0/24"}) + "key = \"xfr\"\n\n" +
                             more_config + "[[key]]\nname = \"xfr\"\nalgorithm = \"hmac-sha256\"\nsecret_file = \"" +
                             (keys.path / "xfr.key").string() + "\"\n\n" +
                             "[ttl]\nmax = 60\ndegraded = 20\nall_down = 10\n\n" + az("az-a", az_a) +
                             az("az-b", az_b) + web_check(farm.port()) + service(www);
        ServerOptions options;
        options.zones.clear();
        options.zone_texts = {{origin, zone_with({{"www", az_a[0]}, {"www", az_a[1]}, {"www", az_b[0]},
                                                  {"www", az_b[1]}})}};
        options.extra_config = config;
        options.server_lines = std::move(server_lines);
        azdns = std::make_unique<AzdnsServer>(options);
        REQUIRE_SERVER(*azdns);
    }

    [[nodiscard]] Endpoint v4() const { return azdns->v4(); }
    [[nodiscard]] std::string log() const { return azdns->log(); }
    [[nodiscard]] std::uint32_t serial() const { return soa_serial(v4(), origin).value_or(0); }

    // Waits until azdns answers www with exactly `want`.
    bool answers(const Addresses& want, std::chrono::milliseconds wait = follow_wait) {
        auto got = wait_for_answer(v4(), www, rrtype::A, [&](const Response& r) { return addresses_in(r) == want; },
                                   wait);
        if (!got.response) MESSAGE("azdns did not answer as expected:\n" << describe(got, *azdns));
        return got.response.has_value();
    }

    void stop_az_a() {
        for (const std::string& address : az_a) farm.at(address).stop();
    }
    void start_az_a() {
        for (const std::string& address : az_a) {
            std::string error;
            REQUIRE_MESSAGE(farm.at(address).start(error), error);
        }
    }
};

// Waits until `secondary` answers www with exactly `want`.
bool follows(SecondaryServer& secondary, const Addresses& want, const Primary& primary) {
    auto got = wait_for_answer(secondary.v4(), www, rrtype::A,
                               [&](const Response& r) { return r.aa && addresses_in(r) == want; }, follow_wait);
    if (!got.response)
        MESSAGE("the secondary did not answer as expected:\n"
                << (got.last ? got.last->dump() : "no answer") << secondary.log() << primary.log());
    return got.response.has_value();
}

// One authoritative answer's records, sorted (TTLs included: a secondary
// must carry the TTLs azdns answers with).
std::vector<std::string> answer_lines(const Endpoint& server, const std::string& name, std::uint16_t type) {
    auto reply = ask_udp(server, Query{.name = name, .type = type});
    if (!reply) return {"(no reply)"};
    if (!reply->aa) return {"(not authoritative) " + reply->dump()};
    return sorted(reply->answer);
}

void check_same_answers(SecondaryServer& secondary, const Primary& primary) {
    for (const auto& [name, type] : {std::pair{origin, rrtype::SOA}, std::pair{www, rrtype::A},
                                     std::pair{www, rrtype::AAAA}, std::pair{"ns1." + origin, rrtype::A}})
        CHECK_MESSAGE(answer_lines(secondary.v4(), name, type) == answer_lines(primary.v4(), name, type), name,
                      " differs:\n", secondary.log());
}

// azdns's log line for a transfer to `source` ("transfer out: ixfr of
// health.test. (filtered) serial 3 to 127.0.2.2:"), `kind` and `serial`
// given. It is written once the last message is, so a client may be done
// before it: wait up to `wait` for it.
bool logged_transfer(const Primary& primary, const std::string& kind, const std::string& view, std::uint32_t serial,
                     const std::string& source, std::chrono::milliseconds wait = 5s) {
    const std::string line = "transfer out: " + kind + " of " + origin + " (" + view + ") serial " +
                             std::to_string(serial) + " to " + source + ":";
    return primary.azdns->logs(line, wait);
}

void require_tools() {
    for (Peer peer : {Peer::nsd, Peer::knot})
        REQUIRE_MESSAGE(fs::exists(peer_binary(peer)), peer_name(peer), " is not installed at ", peer_binary(peer));
    for (const char* tool : {"/usr/bin/kdig", "/usr/bin/named-checkzone", "/usr/bin/ldns-read-zone"})
        REQUIRE_MESSAGE(fs::exists(tool), tool, " is not installed (./dev installs knot-dnsutils, bind9-utils, "
                                                "ldnsutils)");
}

// `kdig @azdns QUERY` from `source`, signed with `tsig` when given.
azdns::test::ProcessResult kdig(const Primary& primary, const std::string& source, const std::string& type,
                                const std::optional<TsigSpec>& tsig, const std::vector<std::string>& more = {}) {
    std::vector<std::string> argv{"/usr/bin/kdig", "@127.0.0.1", "-p", std::to_string(primary.v4().port), "-b",
                                  source, origin, type, "+timeout=5", "+retry=0"};
    if (tsig) argv.insert(argv.end(), {"-y", kdig_key(*tsig)});
    argv.insert(argv.end(), more.begin(), more.end());
    return azdns::test::run_process(argv, 20s);
}

constexpr int tsig_badsig = 16, tsig_badkey = 17;
constexpr std::uint16_t ede_prohibited = 18;

// An AXFR of health.test. with EDNS, signed by ldns with `tsig`, over TCP;
// the first response (an empty one when none came).
Response signed_axfr(const Endpoint& server, const TsigSpec& tsig) {
    ldns_pkt* query = ldns_pkt_query_new(ldns_dname_new_frm_str(origin.c_str()), LDNS_RR_TYPE_AXFR, LDNS_RR_CLASS_IN, 0);
    REQUIRE(query != nullptr);
    ldns_pkt_set_id(query, 0x4242);
    ldns_pkt_set_edns_udp_size(query, 1232);
    auto reply = tcp_exchange(server, tsig_signed_wire(query, tsig));
    return reply ? parse_response(*reply) : Response{};
}

// The error field of the response's TSIG record (RFC 8945 section 4.2), -1 without one.
int tsig_error(const Response& response) {
    ldns_pkt* parsed = nullptr;
    if (ldns_wire2pkt(&parsed, response.wire.data(), response.wire.size()) != LDNS_STATUS_OK) return -1;
    int error = -1;
    // ldns's TSIG fields: algorithm, time, fudge, MAC (with its size), original id, error, other data.
    if (const ldns_rr* tsig = ldns_pkt_tsig(parsed); tsig != nullptr && ldns_rr_rd_count(tsig) >= 6)
        error = ldns_rdf2native_int16(ldns_rr_rdf(tsig, 5));
    ldns_pkt_free(parsed);
    return error;
}

}  // namespace

TEST_SUITE("e2e_transfers") {

TEST_CASE("NSD and Knot take the filtered view over TSIG and follow a fence and its end by NOTIFY and IXFR") {
    require_tools();
    const std::uint16_t knot_port = free_port(), nsd_port = free_port();
    Primary primary({knot_port, nsd_port});
    REQUIRE(primary.answers(everything));
    SecondaryServer knot(Peer::knot, origin, primary.v4(), key, {.port = knot_port, .source_address = knot_source});
    SecondaryServer nsd(Peer::nsd, origin, primary.v4(), key, {.port = nsd_port, .source_address = nsd_source});

    const std::uint32_t first = primary.serial();
    for (auto* secondary : {&knot, &nsd}) {
        REQUIRE_MESSAGE(secondary->wait_for_serial(first, transfer_wait), secondary->log(), primary.log());
        check_same_answers(*secondary, primary);
    }
    CHECK(answered(knot.v4(), www) == everything);

    // AZ a goes down: azdns fences it, a new filtered serial, NOTIFY, IXFR.
    primary.stop_az_a();
    REQUIRE(primary.answers(only_b));
    CHECK(contains(primary.log(), "AZ az-a fenced"));
    for (auto* secondary : {&knot, &nsd}) CHECK(follows(*secondary, only_b, primary));
    const std::uint32_t fenced = primary.serial();
    CHECK(fenced != first);
    for (auto* secondary : {&knot, &nsd}) {
        CHECK_MESSAGE(secondary->wait_for_serial(fenced, transfer_wait), secondary->log(), primary.log());
        check_same_answers(*secondary, primary);
    }
    // Incremental, as Knot and azdns tell. NSD's log does not say; azdns's
    // does, for NSD's first transfer after the fence, to whichever serial it
    // reached first (a fence may take two serials, one per endpoint down, and
    // NSD may skip the first; NSD 4.6 can also load two at once, log "soa
    // serial N update failed, restarting transfer" and ask the next with
    // AXFR, its own doing).
    CHECK_MESSAGE(knot.last_transfer_kind() == "ixfr", knot.log());
    CHECK_MESSAGE(logged_transfer(primary, "ixfr", "filtered", fenced, knot_source), primary.log());
    bool nsd_incremental = false;
    for (std::uint32_t serial = first + 1; serial != fenced + 1 && !nsd_incremental; ++serial)
        nsd_incremental = logged_transfer(primary, "ixfr", "filtered", serial, nsd_source, 0ms);
    CHECK_MESSAGE(nsd_incremental, primary.log(), nsd.log());

    // AZ a back: both answer with it again.
    primary.start_az_a();
    REQUIRE(primary.answers(everything));
    for (auto* secondary : {&knot, &nsd}) CHECK(follows(*secondary, everything, primary));
    const std::uint32_t restored = primary.serial();
    for (auto* secondary : {&knot, &nsd}) {
        CHECK_MESSAGE(secondary->wait_for_serial(restored, transfer_wait), secondary->log(), primary.log());
        check_same_answers(*secondary, primary);
    }
    CHECK_MESSAGE(knot.last_transfer_kind() == "ixfr", knot.log());
    CHECK_MESSAGE(logged_transfer(primary, "ixfr", "filtered", restored, knot_source), primary.log());
}

TEST_CASE("a secondary of the raw view keeps the file's serial and every address while an AZ is fenced") {
    require_tools();
    const std::uint16_t filtered_port = free_port(), raw_port = free_port();
    Primary primary({filtered_port, raw_port});
    REQUIRE(primary.answers(everything));
    SecondaryServer raw(Peer::knot, origin, primary.v4(), key, {.port = raw_port, .source_address = raw_source});
    SecondaryServer filtered(Peer::knot, origin, primary.v4(), key,
                             {.port = filtered_port, .source_address = knot_source});
    REQUIRE_MESSAGE(raw.wait_for_serial(1, transfer_wait), raw.log(), primary.log());
    CHECK(logged_transfer(primary, "axfr", "raw", 1, raw_source));

    primary.stop_az_a();
    REQUIRE(primary.answers(only_b));
    // The filtered secondary following proves the NOTIFYs went out meanwhile.
    REQUIRE(follows(filtered, only_b, primary));
    CHECK(primary.serial() != 1);
    CHECK_MESSAGE(soa_serial(raw.v4(), origin) == 1u, raw.log());
    CHECK_MESSAGE(answered(raw.v4(), www) == everything, raw.log());
    CHECK_MESSAGE(answer_lines(raw.v4(), www, rrtype::A).front() == www + " 300 IN A " + az_a[0], raw.log());
    // Its SOA queries see the serial its transfers carry, not the filtered
    // one: Knot, notified, finds its zone current instead of asking in vain.
    auto polled = kdig(primary, raw_source, "SOA", key, {"+short"});
    CHECK_MESSAGE(contains(polled.out, "hostmaster.health.test. 1 3600 "), polled.out, polled.err);
    CHECK_MESSAGE(!contains(raw.log(), "zone is outdated"), raw.log(), primary.log());
    // A secondary of the filtered view sees the filtered serial.
    auto filtered_poll = kdig(primary, knot_source, "SOA", key, {"+short"});
    CHECK_MESSAGE(contains(filtered_poll.out, "hostmaster.health.test. " + std::to_string(primary.serial()) + " 3600 "),
                  filtered_poll.out, filtered_poll.err);
    auto filtered_tcp = kdig(primary, knot_source, "SOA", key, {"+short", "+tcp"});
    CHECK_MESSAGE(contains(filtered_tcp.out, "hostmaster.health.test. " + std::to_string(primary.serial()) + " 3600 "),
                  filtered_tcp.out, filtered_tcp.err);
}

TEST_CASE("an AXFR of the filtered view is a zone file that named-checkzone and ldns-read-zone accept") {
    require_tools();
    Primary primary({});
    REQUIRE(primary.answers(everything));
    primary.stop_az_a();
    REQUIRE(primary.answers(only_b));

    auto axfr = kdig(primary, kdig_source, "AXFR", key, {"+nocomments", "+nostats"});
    REQUIRE_MESSAGE(axfr.exit_code == 0, axfr.out, axfr.err);
    // The records alone: kdig's ';' lines and the TSIG records dropped; the
    // closing SOA is the opening one again.
    std::string zone_file;
    std::size_t soas = 0;
    std::istringstream lines(axfr.out);
    for (std::string line; std::getline(lines, line);) {
        if (line.empty() || line[0] == ';' || contains(line, "\tTSIG\t") || contains(line, " TSIG ")) continue;
        if (contains(line, "\tSOA\t") && ++soas > 1) continue;
        zone_file += line + "\n";
    }
    INFO("the AXFR:\n", axfr.out);
    CHECK(soas == 2);
    CHECK(contains(zone_file, az_b[0]));
    CHECK_FALSE(contains(zone_file, az_a[0]));
    TempDir dir("azdns-e2e-axfr");
    write_text(dir.path / "axfr.zone", zone_file);
    auto named = azdns::test::run_process(
        {"/usr/bin/named-checkzone", "-i", "full", origin, (dir.path / "axfr.zone").string()}, 20s);
    CHECK_MESSAGE(named.exit_code == 0, named.out, named.err, zone_file);
    auto ldns = azdns::test::run_process(
        {"/usr/bin/ldns-read-zone", (dir.path / "axfr.zone").string()}, 20s);
    CHECK_MESSAGE(ldns.exit_code == 0, ldns.out, ldns.err, zone_file);
    CHECK(contains(ldns.out, az_b[1]));
}

TEST_CASE("transfers without the key, with a wrong one, from outside the rules or over UDP are refused") {
    require_tools();
    Primary primary({});
    REQUIRE(primary.answers(everything));
    const auto answers_undisturbed = [&] { CHECK(answered(primary.v4(), www) == everything); };

    // 127.0.0.1 is allowed with the key only.
    auto unsigned_axfr = ask_tcp(primary.v4(), Query{.name = origin, .type = rrtype::AXFR});
    REQUIRE(unsigned_axfr);
    CHECK_MESSAGE(unsigned_axfr->rcode == rcode::REFUSED, unsigned_axfr->dump());
    CHECK(unsigned_axfr->answer.empty());
    answers_undisturbed();

    auto bad_secret = signed_axfr(primary.v4(), wrong_secret);
    CHECK_MESSAGE(bad_secret.rcode == rcode::NOTAUTH, bad_secret.dump());
    CHECK_MESSAGE(tsig_error(bad_secret) == tsig_badsig, bad_secret.dump());
    CHECK(bad_secret.answer.empty());
    answers_undisturbed();

    auto bad_key = signed_axfr(primary.v4(), TsigSpec{"stranger", "hmac-sha256", key.secret_base64});
    CHECK_MESSAGE(bad_key.rcode == rcode::NOTAUTH, bad_key.dump());
    CHECK_MESSAGE(tsig_error(bad_key) == tsig_badkey, bad_key.dump());
    CHECK(bad_key.answer.empty());
    answers_undisturbed();

    // The right key from ::1, which no rule holds.
    auto outsider = signed_axfr(primary.azdns->v6(), key);
    CHECK_MESSAGE(outsider.rcode == rcode::REFUSED, outsider.dump());
    CHECK_MESSAGE((outsider.opt && outsider.opt->extended_error &&
                   outsider.opt->extended_error->info_code == ede_prohibited),
                  outsider.dump());
    CHECK(outsider.answer.empty());
    answers_undisturbed();

    auto over_udp = ask_udp(primary.v4(), Query{.name = origin, .type = rrtype::AXFR});
    REQUIRE(over_udp);
    CHECK_MESSAGE(over_udp->rcode == rcode::NOTIMP, over_udp->dump());
    answers_undisturbed();

    // None of them was served a record of the zone; the right key is.
    CHECK_FALSE(contains(primary.log(), "transfer out: axfr"));
    auto allowed = signed_axfr(primary.v4(), key);
    CHECK_MESSAGE(allowed.rcode == rcode::NOERROR, allowed.dump());
    CHECK_MESSAGE(allowed.answer.size() > 2, allowed.dump());

    // A Knot secondary with the right key name and a wrong secret never gets the zone.
    SecondaryServer wrong(Peer::knot, origin, primary.v4(), wrong_secret, {.source_address = knot_source});
    REQUIRE_MESSAGE(wrong.wait_for_refused_transfer(transfer_wait), wrong.log(), primary.log());
    auto soa = ask_udp(wrong.v4(), Query{.name = origin, .type = rrtype::SOA});
    REQUIRE_MESSAGE(soa, wrong.log());
    CHECK_MESSAGE(!soa->aa, soa->dump(), wrong.log());
    CHECK_MESSAGE(soa->answer.empty(), soa->dump(), wrong.log());
    answers_undisturbed();
}

TEST_CASE("20 clients refused an AXFR that go on asking over the same connection hold no transfer slot") {
    require_tools();
    Primary primary({});
    REQUIRE(primary.answers(everything));
    // More than the 16 slots, one after another: while a refused connection
    // stayed open, the 17th was turned away unanswered.
    Query axfr{.name = origin, .type = rrtype::AXFR};  // without the key: REFUSED
    Query soa{.name = origin, .type = rrtype::SOA};
    std::vector<TcpConnection> refused(20);
    for (TcpConnection& connection : refused) {
        REQUIRE(connection.connect(primary.v4()));
        REQUIRE(connection.send_message(encode(axfr)));
        auto refusal = connection.receive_message(5s);
        REQUIRE_MESSAGE(refusal, primary.log());
        CHECK(parse_response(*refusal).rcode == rcode::REFUSED);
        (void)connection.send_message(encode(soa));  // what would keep the slot
    }
    for (TcpConnection& connection : refused) CHECK(connection.wait_closed(5s));
    auto allowed = signed_axfr(primary.v4(), key);
    CHECK_MESSAGE(allowed.rcode == rcode::NOERROR, allowed.dump(), primary.log());
    CHECK_MESSAGE(allowed.answer.size() > 2, allowed.dump());
}

TEST_CASE("a client that asks for a large zone and never reads is dropped after the idle timeout; answers go on") {
    require_tools();
    // 50,000 names with 200-byte TXT records: about 12 MB, more than the
    // socket buffers hold, so the transfer must wait on the client.
    std::string big = "$ORIGIN big.test.\n$TTL 300\n@ IN SOA ns1 hostmaster 1 3600 600 86400 60\n@ IN NS ns1\n"
                      "ns1 IN A 127.0.0.1\n";
    const std::string text(200, 'x');
    for (int i = 0; i < 50'000; ++i) big += "h" + std::to_string(i) + " IN TXT \"" + text + "\"\n";
    TempDir dir("azdns-e2e-big");
    write_text(dir.path / "big.test.zone", big);
    // A second zone, open to 127.0.0.1 without a key.
    const std::string big_zone = "[[zone]]\norigin = \"big.test.\"\nfile = \"" +
                                 (dir.path / "big.test.zone").string() + "\"\n[[zone.allow_transfer]]\n" +
                                 "prefixes = [\"127.0.0.1/32\"]\n\n";
    Primary primary({}, big_zone, {"tcp_idle_timeout = \"1s\""});
    REQUIRE(primary.answers(everything));
    REQUIRE(soa_serial(primary.v4(), "big.test.") == 1u);

    TcpConnection stalled;
    REQUIRE(stalled.connect(primary.v4()));
    Query axfr{.name = "big.test.", .type = rrtype::AXFR};
    REQUIRE(stalled.send_message(encode(axfr)));
    // While it hangs, UDP and TCP queries are answered.
    for (int i = 0; i < 5; ++i) {
        CHECK(answered(primary.v4(), www) == everything);
        auto over_tcp = ask_tcp(primary.v4(), Query{.name = "h42.big.test.", .type = rrtype::TXT});
        REQUIRE(over_tcp);
        CHECK(over_tcp->answer.size() == 1);
    }
    CHECK_MESSAGE(
        primary.azdns->logs("transfer out failed: axfr of big.test. (filtered) serial 1 to 127.0.0.1:", 15s),
        primary.log());
    CHECK(stalled.wait_closed(5s));
    CHECK(answered(primary.v4(), www) == everything);
}

TEST_CASE("a restart keeps the filtered serial; a secondary holding it is up to date and never goes back") {
    require_tools();
    const std::uint16_t knot_port = free_port();
    Primary primary({knot_port});
    REQUIRE(primary.answers(everything));
    SecondaryServer knot(Peer::knot, origin, primary.v4(), key, {.port = knot_port, .source_address = knot_source});
    REQUIRE_MESSAGE(knot.wait_for_serial(primary.serial(), transfer_wait), knot.log(), primary.log());

    // A manual fence outlives the restart (state_dir), so the content does too.
    auto fenced = ctl(*primary.azdns, {"fence", "az-a"});
    REQUIRE_MESSAGE(fenced.exit_code == 0, fenced.err);
    REQUIRE(primary.answers(only_b));
    REQUIRE(follows(knot, only_b, primary));
    const std::uint32_t held = primary.serial();
    REQUIRE_MESSAGE(knot.wait_for_serial(held, transfer_wait), knot.log(), primary.log());

    REQUIRE_MESSAGE(primary.azdns->restart(), primary.log());
    REQUIRE(primary.answers(only_b));
    CHECK_MESSAGE(primary.serial() == held, primary.log());
    // An IXFR from the serial held gets that SOA alone.
    auto ixfr = kdig(primary, kdig_source, "IXFR=" + std::to_string(held), key, {"+tcp"});
    CHECK_MESSAGE(ixfr.exit_code == 0, ixfr.out, ixfr.err);
    CHECK_MESSAGE(contains(ixfr.out, "\tSOA\tns1.health.test. hostmaster.health.test. " + std::to_string(held) + " "),
                  ixfr.out);
    CHECK_MESSAGE(!contains(ixfr.out, "\tA\t"), ixfr.out);
    CHECK_MESSAGE(logged_transfer(primary, "ixfr-up-to-date", "filtered", held, kdig_source), primary.log());
    CHECK_MESSAGE(soa_serial(knot.v4(), origin) == held, knot.log());

    // The next change after the restart: the secondary moves forward.
    auto lifted = ctl(*primary.azdns, {"unfence", "az-a"});
    REQUIRE_MESSAGE(lifted.exit_code == 0, lifted.err);
    REQUIRE(primary.answers(everything));
    CHECK(follows(knot, everything, primary));
    const std::uint32_t next = primary.serial();
    CHECK(next == held + 1);
    CHECK_MESSAGE(knot.wait_for_serial(next, transfer_wait), knot.log(), primary.log());
}

}  // TEST_SUITE
