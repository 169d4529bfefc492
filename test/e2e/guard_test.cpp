// On the open internet (docs/security.md), end to end: DNS cookies as dig and
// kdig send them, and response rate limiting of UDP bursts from real
// sockets, with its exemptions (exempt networks, a valid server cookie,
// TCP) and its metrics.
#include <doctest/doctest.h>

#include <atomic>
#include <regex>
#include <thread>

#include "control_client.hpp"
#include "dns_cookie.hpp"
#include "e2e_fixture.hpp"
#include "process.hpp"
#include "temp_dir.hpp"
#include "unbound_resolver.hpp"

using namespace azdns::e2e;
using azdns::test::run_process;

namespace {

constexpr const char* secret_hex = "e5e973e5a6b2a43f48e7dc849e37bfcf";
constexpr const char* next_secret_hex = "0f0e0d0c0b0a09080706050403020100";

// One azdns with [rrl] at 5 responses a second (slip 2), 127.2.0.0/16 exempt,
// and [cookies] with a secret file this test wrote.
struct GuardedServer {
    azdns::testing::TempDir secrets{"azdns-guard"};
    std::string secret_path = (secrets.path / "cookie.secret").string();
    std::unique_ptr<AzdnsServer> server;

    GuardedServer() {
        write_text(secret_path, std::string("# the fleet's secret\n") + secret_hex + "\n");
        ServerOptions options;
        options.extra_config = "[rrl]\nresponses_per_second = 5\nslip = 2\nexempt = [\"127.2.0.0/16\"]\n\n"
                               "[cookies]\nsecret_file = \"" + secret_path + "\"\n";
        server = std::make_unique<AzdnsServer>(options);
    }
};

GuardedServer& guarded() {
    static GuardedServer instance;
    return instance;
}

Bytes from_hex(const std::string& hex) {
    Bytes out;
    for (std::size_t i = 0; i + 1 < hex.size(); i += 2) out.push_back(static_cast<std::uint8_t>(std::stoi(hex.substr(i, 2), nullptr, 16)));
    return out;
}

azdns::CookieSecrets secrets_of(const char* hex) {
    azdns::CookieSecrets secrets;
    const Bytes bytes = from_hex(hex);
    std::copy(bytes.begin(), bytes.end(), secrets.current.begin());
    return secrets;
}

// Whether `payload` (client cookie, then server cookie) holds a server
// cookie that RFC 9018 verifies for `client` under the secret `hex` (by
// default the fleet's).
bool verifies(const Bytes& payload, const std::string& client, const char* hex = secret_hex) {
    if (payload.size() != 24) return false;
    azdns::ClientCookie client_cookie;
    std::copy(payload.begin(), payload.begin() + 8, client_cookie.begin());
    const auto now = static_cast<std::uint32_t>(std::time(nullptr));
    return azdns::check_server_cookie(secrets_of(hex), client_cookie, std::span(payload).subspan(8),
                                      *azdns::IpAddress::parse(client), now) == azdns::CookieCheck::valid;
}

struct Burst {
    int full = 0;       // NOERROR with the answer
    int truncated = 0;  // TC=1, no records
    int badcookie = 0;  // BADCOOKIE with a fresh cookie
    int other = 0;
    std::string dump;
};

// `count` queries for www.example.com. A sent at once over UDP from
// `source`, each with `cookie` when given; what comes back within 500 ms of
// the last response.
Burst burst(const Endpoint& server, const std::string& source, int count, const Bytes& cookie = {}) {
    UdpSocket socket(server, source);
    REQUIRE(socket.ok());
    for (int i = 0; i < count; ++i) {
        Query query{.name = "www.example.com.", .type = rrtype::A, .edns = !cookie.empty(), .cookie = cookie};
        REQUIRE(socket.send(encode(query)));
    }
    Burst seen;
    for (int i = 0; i < count; ++i) {
        auto wire = socket.receive(milliseconds(500));
        if (!wire) break;
        const Response response = parse_response(*wire);
        if (response.rcode == rcode::BADCOOKIE && response.opt && response.opt->cookie) ++seen.badcookie;
        else if (response.tc && response.answer.empty()) ++seen.truncated;
        else if (response.rcode == rcode::NOERROR && response.answer.size() == 2) ++seen.full;
        else {
            ++seen.other;
            seen.dump += response.dump() + "\n";
        }
    }
    return seen;
}

// The COOKIE payload of the answer to one query from `source` with `cookie`.
Bytes cookie_reply(const Endpoint& server, const std::string& source, const Bytes& cookie) {
    Query query{.name = "www.example.com.", .edns = true, .cookie = cookie, .source = source};
    auto reply = udp_exchange(server, encode(query), default_wait, source);
    REQUIRE(reply);
    const Response response = parse_response(*reply);
    REQUIRE(response.opt);
    REQUIRE(response.opt->cookie);
    return *response.opt->cookie;
}

std::string dig_cookie(const Endpoint& server, const std::string& tool, const std::vector<std::string>& extra) {
    std::vector<std::string> argv = {tool, "@" + server.address, "-p", std::to_string(server.port)};
    argv.insert(argv.end(), extra.begin(), extra.end());
    auto result = run_process(argv, std::chrono::seconds(15));
    REQUIRE_MESSAGE(!result.timed_out, tool, " timed out");
    return result.out + result.err;
}

// The COOKIE payload (client and server cookie) that dig or kdig printed.
Bytes printed_cookie(const std::string& text) {
    std::smatch match;
    if (!std::regex_search(text, match, std::regex("COOKIE: ([0-9a-fA-F]{48})"))) return {};
    return from_hex(match[1].str());
}

std::uint64_t metric(const AzdnsServer& server, const std::string& sample) {
    const std::string text = control_request(server, "GET", "/metrics").body;
    const auto at = text.find("\n" + sample + " ");
    if (at == std::string::npos) return 0;
    return std::stoull(text.substr(at + sample.size() + 2));
}

}  // namespace

TEST_SUITE("e2e_guard") {
    TEST_CASE("dig +cookie and kdig +cookie get a server cookie that RFC 9018 verifies; it is accepted back") {
        auto& server = *guarded().server;
        REQUIRE_SERVER(server);
        const std::string dig = dig_cookie(server.v4(), "/usr/bin/dig", {"+norec", "+cookie", "www.example.com.", "A"});
        INFO(dig);
        CHECK(dig.find("status: NOERROR") != std::string::npos);
        const Bytes first = printed_cookie(dig);
        CHECK(verifies(first, "127.0.0.1"));
        CHECK(dig.find("(good)") != std::string::npos);  // dig's word for its own client cookie echoed

        const std::string kdig = dig_cookie(server.v4(), "/usr/bin/kdig", {"+norec", "+cookie", "www.example.com.", "A"});
        INFO(kdig);
        CHECK(verifies(printed_cookie(kdig), "127.0.0.1"));

        // The cookie sent back, as a resolver does: answered, with a new one.
        std::string hex;
        for (std::uint8_t byte : first) hex += "0123456789abcdef"[byte >> 4], hex += "0123456789abcdef"[byte & 15];
        const std::string again = dig_cookie(server.v4(), "/usr/bin/dig", {"+norec", "+cookie=" + hex, "www.example.com.", "A"});
        INFO(again);
        CHECK(again.find("status: NOERROR") != std::string::npos);
        CHECK(verifies(printed_cookie(again), "127.0.0.1"));
    }

    TEST_CASE("cookies: none sent, none answered; a malformed COOKIE option is FORMERR") {
        auto& server = *guarded().server;
        REQUIRE_SERVER(server);
        Query plain{.name = "www.example.com.", .edns = true, .source = "127.5.0.1"};
        auto reply = udp_exchange(server.v4(), encode(plain), default_wait, "127.5.0.1");
        REQUIRE(reply);
        const Response response = parse_response(*reply);
        REQUIRE(response.opt);
        CHECK_FALSE(response.opt->cookie.has_value());

        Query bad{.name = "www.example.com.", .edns = true, .cookie = {1, 2, 3, 4, 5}, .source = "127.5.0.1"};
        reply = udp_exchange(server.v4(), encode(bad), default_wait, "127.5.0.1");
        REQUIRE(reply);
        CHECK(parse_response(*reply).rcode == rcode::FORMERR);
    }

    TEST_CASE("rrl: a UDP burst past 5 a second gets 5 to 10 answers, every 2nd limited one truncated, the rest dropped") {
        auto& server = *guarded().server;
        REQUIRE_SERVER(server);
        const std::uint64_t slipped_before = metric(server, "azdns_rrl_slipped_total");
        const Burst seen = burst(server.v4(), "127.6.0.1", 40);
        INFO(seen.full, " full, ", seen.truncated, " truncated, ", seen.other, " other:\n", seen.dump);
        // The burst takes milliseconds: one second's 5, or two seconds' 10 if it straddles a boundary.
        CHECK(seen.full >= 5);
        CHECK(seen.full <= 10);
        CHECK(seen.truncated >= 14);  // half of the 30 to 35 limited, give or take one
        CHECK(seen.truncated <= 18);
        CHECK(seen.other == 0);
        CHECK(metric(server, "azdns_rrl_limited_total{class=\"positive\"}") >= 30);
        CHECK(metric(server, "azdns_rrl_slipped_total") >= slipped_before + 14);
        // Summarised in the log within its 10 s interval, not a line per query.
        CHECK(server.logs("rate limiting", std::chrono::seconds(15)));
        CHECK(server.logs("127.6.0.0/24 (positive)", std::chrono::seconds(1)));
    }

    TEST_CASE("rrl: an exempt network, a client with a valid cookie, and TCP are not limited") {
        auto& server = *guarded().server;
        REQUIRE_SERVER(server);
        const Burst exempt = burst(server.v4(), "127.2.0.1", 40);
        CHECK(exempt.full == 40);

        // A first query brings a server cookie; with it, nothing is limited.
        const Bytes cookie = cookie_reply(server.v4(), "127.7.0.1", {1, 2, 3, 4, 5, 6, 7, 8});
        const Burst proven = burst(server.v4(), "127.7.0.1", 40, cookie);
        INFO(proven.dump);
        CHECK(proven.full == 40);

        TcpConnection tcp;
        REQUIRE(tcp.connect(server.v4()));
        for (int i = 0; i < 40; ++i) {
            Query query{.name = "www.example.com."};
            REQUIRE(tcp.send_message(encode(query)));
        }
        int answered = 0;
        for (int i = 0; i < 40; ++i) {
            auto wire = tcp.receive_message();
            if (!wire) break;
            answered += parse_response(*wire).answer.size() == 2 ? 1 : 0;
        }
        CHECK(answered == 40);
    }

    TEST_CASE("rrl: a client that sent only a client cookie gets BADCOOKIE with a fresh cookie instead of TC") {
        auto& server = *guarded().server;
        REQUIRE_SERVER(server);
        const Burst seen = burst(server.v4(), "127.8.0.1", 40, {9, 9, 9, 9, 9, 9, 9, 9});
        INFO(seen.dump);
        CHECK(seen.full >= 5);
        CHECK(seen.full <= 10);
        CHECK(seen.badcookie >= 14);
        CHECK(seen.truncated == 0);
        CHECK(seen.other == 0);
    }

    TEST_CASE("cookies: rolling the secret by reload (RFC 9018 section 5) keeps an old cookie valid until its line goes") {
        GuardedServer own;
        auto& server = *own.server;
        REQUIRE_SERVER(server);
        const Bytes old_cookie = cookie_reply(server.v4(), "127.9.0.1", {7, 7, 7, 7, 7, 7, 7, 7});
        CHECK(burst(server.v4(), "127.9.0.1", 40, old_cookie).full == 40);

        // Stage 2: the new secret makes cookies, the old one is still accepted.
        write_text(own.secret_path, std::string(next_secret_hex) + "\n" + secret_hex + "\n");
        REQUIRE(control_request(server, "POST", "/v1/reload").status == 200);
        CHECK(verifies(cookie_reply(server.v4(), "127.9.0.1", {7, 7, 7, 7, 7, 7, 7, 7}), "127.9.0.1", next_secret_hex));
        CHECK(burst(server.v4(), "127.9.0.1", 40, old_cookie).full == 40);

        // Stage 3: the old line removed, the old cookie proves nothing: limited.
        write_text(own.secret_path, std::string(next_secret_hex) + "\n");
        REQUIRE(control_request(server, "POST", "/v1/reload").status == 200);
        const Burst after = burst(server.v4(), "127.9.0.1", 40, old_cookie);
        CHECK(after.full <= 10);
        CHECK(after.badcookie >= 14);
    }

    TEST_CASE("rrl: unbound behind a flooded network is answered over TCP after TC=1") {
        ServerOptions options;
        options.zones = {};
        options.zone_texts = {{"health.test.", "$ORIGIN health.test.\n$TTL 300\n"
                                               "@ IN SOA ns1 hostmaster 1 3600 600 86400 60\n@ IN NS ns1\n"
                                               "ns1 IN A 127.0.0.1\nwww IN A 192.0.2.80\n"}};
        // slip 1: every limited response is truncated, so that unbound's
        // query is never one of those dropped (with slip 2, it may be).
        options.extra_config = "[rrl]\nresponses_per_second = 5\nslip = 1\n";
        AzdnsServer server(options);
        REQUIRE_SERVER(server);
        Unbound unbound(server.port());
        REQUIRE_MESSAGE(unbound.ready(), unbound.log());

        // A spoofed flood from unbound's own network (127.0.0.0/24) for the
        // name unbound is about to ask, 1,000 a second for 3 s, never read.
        std::atomic<bool> flooding{true};
        std::thread flood([&] {
            UdpSocket socket(server.v4(), "127.0.0.50");
            for (int i = 0; i < 3000 && flooding.load(); ++i) {
                Query query{.name = "www.health.test.", .type = rrtype::A};
                (void)socket.send(encode(query));
                std::this_thread::sleep_for(std::chrono::milliseconds(1));
            }
        });
        std::this_thread::sleep_for(std::chrono::milliseconds(300));
        const std::uint64_t tcp_before = metric(server, "azdns_queries_total{transport=\"tcp\",rcode=\"NOERROR\"}");
        Query ask{.name = "www.health.test.", .type = rrtype::A, .rd = true};
        auto reply = udp_exchange(unbound.endpoint(), encode(ask), std::chrono::milliseconds(5000));
        flooding = false;
        flood.join();
        REQUIRE_MESSAGE(reply, unbound.log());
        const Response response = parse_response(*reply);
        INFO(response.dump());
        CHECK(response.rcode == rcode::NOERROR);
        CHECK(response.answer == std::vector<std::string>{"www.health.test. 300 IN A 192.0.2.80"});
        CHECK(metric(server, "azdns_rrl_limited_total{class=\"positive\"}") > 100);
        CHECK(metric(server, "azdns_queries_total{transport=\"tcp\",rcode=\"NOERROR\"}") > tcp_before);
    }
}
