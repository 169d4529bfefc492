// On the open internet (docs/security.md), end to end: DNS cookies as dig and
// kdig send them, and response rate limiting of UDP bursts from real
// sockets, with its exemptions (exempt networks, a valid server cookie,
// TCP) and its metrics.
#include <doctest/doctest.h>

#include <regex>

#include "control_client.hpp"
#include "dns_cookie.hpp"
#include "e2e_fixture.hpp"
#include "process.hpp"
#include "temp_dir.hpp"

using namespace azdns::e2e;
using azdns::test::run_process;

namespace {

constexpr const char* secret_hex = "e5e973e5a6b2a43f48e7dc849e37bfcf";

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

azdns::CookieSecrets fleet_secrets() {
    azdns::CookieSecrets secrets;
    const Bytes bytes = from_hex(secret_hex);
    std::copy(bytes.begin(), bytes.end(), secrets.current.begin());
    return secrets;
}

// Whether `payload` (client cookie, then server cookie) holds a server
// cookie that RFC 9018 verifies for the fleet's secret and `client`.
bool verifies(const Bytes& payload, const std::string& client) {
    if (payload.size() != 24) return false;
    azdns::ClientCookie client_cookie;
    std::copy(payload.begin(), payload.begin() + 8, client_cookie.begin());
    const auto now = static_cast<std::uint32_t>(std::time(nullptr));
    return azdns::check_server_cookie(fleet_secrets(), client_cookie, std::span(payload).subspan(8),
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
        Bytes cookie = {1, 2, 3, 4, 5, 6, 7, 8};
        Query first{.name = "www.example.com.", .edns = true, .cookie = cookie, .source = "127.7.0.1"};
        auto reply = udp_exchange(server.v4(), encode(first), default_wait, "127.7.0.1");
        REQUIRE(reply);
        const Response response = parse_response(*reply);
        REQUIRE(response.opt);
        REQUIRE(response.opt->cookie);
        const Burst proven = burst(server.v4(), "127.7.0.1", 40, *response.opt->cookie);
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
}
