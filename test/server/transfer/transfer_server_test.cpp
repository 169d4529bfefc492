// The transfer server over real sockets (socketpairs): connections handed to
// it as a worker hands them, a published state whose rules allow the client,
// and ldns reading what comes back: a whole AXFR, the queries pipelined after
// it, a client that stops reading, more connections than slots, refused
// clients (closed at once), the time limit per connection, stop().
#include "transfer_server.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "temp_dir.hpp"
#include "transfer_service.hpp"
#include "transfer_state_test_support.hpp"
#include "transfer_test_support.hpp"

using namespace azdns;
using namespace azdns::transfer_test;

namespace {

const Client client_127{*IpAddress::parse("127.0.0.1"), 40053, Transport::tcp};
const Client client_not_allowed{*IpAddress::parse("192.0.2.99"), 40053, Transport::tcp};

// example.com. with a few of the health test records, and `extra` TXT
// records after them (a zone whose AXFR fills any socket buffer).
std::string example_zone(int extra) {
    std::string text = "@ SOA ns1 hostmaster 2024010101 7200 3600 1209600 300\n@ NS ns1\nns1 A 192.0.2.1\n"
                       "www A 10.1.0.10\nwww A 10.2.0.10\n";
    for (int i = 0; i < extra; ++i) text += "t" + std::to_string(i) + " TXT \"" + std::string(100, 'x') + "\"\n";
    return text;
}

// A published state in which 127.0.0.1 may transfer example.com. filtered,
// www's address in AZ a down.
struct Published {
    BuiltZone built;
    std::shared_ptr<const HealthView> health = www_a_down(built.set);
    TransferTracker tracker;
    std::shared_ptr<const TransferState> transfers =
        tracker.advance(transfer_config({transfer_rule("127.0.0.1/32", TransferView::filtered)}), built.set, health);
    ServingSnapshot snapshot{ServingState{std::make_shared<const ZoneSet>(built.set), health, transfers}};

    explicit Published(int extra = 0) : built(example_zone(extra)) {}
};

struct Server {
    AnswerEngine engine{AnswerOptions{}};
    QueryCounterRegistry counters;
    TransferServer server;
    Server(const Published& published, TransferServer::Options options)
        : server(engine, published.snapshot, counters, options) {}
};

// The test's end of a connection handed to the transfer server.
struct Connection {
    Fd ours;
    Fd theirs;
    Connection() {
        int fds[2];
        REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM, 0, fds) == 0);
        ours = Fd(fds[0]);
        theirs = Fd(fds[1]);
    }
    HandedOffConnection hand_off(const Client& client = client_127) { return {std::move(theirs), client, {}}; }

    // As send(), but the server may have closed: false then (no SIGPIPE).
    bool try_send(const std::vector<std::uint8_t>& message) {
        std::vector<std::uint8_t> framed;
        put16(framed, static_cast<std::uint16_t>(message.size()));
        framed.insert(framed.end(), message.begin(), message.end());
        return ::send(ours.get(), framed.data(), framed.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(framed.size());
    }

    void send(const std::vector<std::uint8_t>& message) { REQUIRE(try_send(message)); }

    // Exactly `size` bytes, or fewer when the server closed (or went quiet for 10 s).
    std::vector<std::uint8_t> read_bytes(std::size_t size) {
        std::vector<std::uint8_t> bytes;
        while (bytes.size() < size) {
            pollfd p{ours.get(), POLLIN, 0};
            if (::poll(&p, 1, 10'000) != 1) break;
            std::uint8_t chunk[4096];
            const ssize_t n = ::read(ours.get(), chunk, std::min(sizeof chunk, size - bytes.size()));
            if (n <= 0) break;
            bytes.insert(bytes.end(), chunk, chunk + n);
        }
        return bytes;
    }

    // The next message, parsed; an empty Reply when the server closed.
    Reply next_message() {
        Reply reply;
        const auto length = read_bytes(2);
        if (length.size() != 2) return reply;
        reply.wire = read_bytes(std::size_t{length[0]} << 8 | length[1]);
        ldns_pkt* pkt = nullptr;
        REQUIRE(ldns_wire2pkt(&pkt, reply.wire.data(), reply.wire.size()) == LDNS_STATUS_OK);
        reply.pkt.reset(pkt);
        reply.answer = section(ldns_pkt_answer(pkt));
        return reply;
    }

    // The records of a whole AXFR: messages until the second SOA.
    Lines read_axfr() {
        Lines records;
        for (int messages = 0; messages < 10'000; ++messages) {
            Reply reply = next_message();
            REQUIRE(reply.pkt);
            REQUIRE(reply.rcode() == LDNS_RCODE_NOERROR);
            records.insert(records.end(), reply.answer.begin(), reply.answer.end());
            if (records.size() > 1 && records.back().find(" IN SOA ") != std::string::npos) return records;
        }
        FAIL("no closing SOA");
        return records;
    }
};

// A slot freed by an earlier client serves the next one at once: its AXFR
// comes whole (`records`), and nobody was turned away. Stops the server.
void check_next_client_served(Server& server, std::size_t records) {
    Connection next;
    next.send(make_query("example.com.", AXFR));
    server.server.accept(next.hand_off());
    CHECK(next.read_axfr().size() == records);
    server.server.stop();
    CHECK(server.server.totals().turned_away == 0);
}

// Waits, bounded, until `done` holds.
template <typename Done>
bool eventually(Done done) {
    for (int i = 0; i < 1000; ++i) {
        if (done()) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return done();
}

// An AXFR to a client that never reads, through a small socket buffer:
// returns once the transfer has failed (at whichever limit comes first).
void fail_a_stalled_transfer(Server& server, Connection& stalled) {
    const int small = 4096;
    REQUIRE(::setsockopt(stalled.theirs.get(), SOL_SOCKET, SO_SNDBUF, &small, sizeof small) == 0);
    stalled.send(make_query("example.com.", AXFR));
    server.server.accept(stalled.hand_off());
    REQUIRE(eventually([&] { return server.server.totals().failed == 1; }));
}

}  // namespace

TEST_SUITE("transfer server") {
    TEST_CASE("an AXFR: the filtered view whole, then the queries pipelined after it") {
        Published published;
        Server server(published, {});
        Connection connection;
        connection.send(make_query("example.com.", AXFR));
        connection.send(make_query("www.example.com.", A));
        server.server.accept(connection.hand_off());

        const std::uint32_t serial = published.transfers->zones().front().filtered_serial;
        Lines expected = view_lines(*published.built.zone, published.health.get(), serial);
        expected.push_back(expected.front());
        CHECK(connection.read_axfr() == expected);
        CHECK(std::find(expected.begin(), expected.end(), "www.example.com. 20 IN A 10.2.0.10") != expected.end());

        Reply after = connection.next_message();
        REQUIRE(after.pkt);
        CHECK(after.answer == Lines{"www.example.com. 20 IN A 10.2.0.10"});
        server.server.stop();
        CHECK(server.server.totals().axfr == 1);
        CHECK(server.server.totals().failed == 0);
    }

    TEST_CASE("a client that never reads: the transfer fails at the idle timeout, and its slot serves again") {
        Published published(5000);
        Server server(published, {.max_connections = 1, .idle_timeout = std::chrono::milliseconds(200)});
        Connection stalled;
        fail_a_stalled_transfer(server, stalled);
        CHECK(server.server.totals().axfr == 0);
        CHECK_FALSE(server.server.last_by_zone().begin()->second.error.empty());

        // SOA, NS, ns1's A, www's one address up, the TXTs, SOA.
        check_next_client_served(server, 4 + 5000 + 1);
        CHECK(server.server.totals().axfr == 1);
    }

    TEST_CASE("more connections than slots: the others are closed at once and counted") {
        Published published;
        Server server(published, {.max_connections = 1, .idle_timeout = std::chrono::seconds(60)});
        Connection waiting;  // holds the one slot: it has sent nothing yet
        server.server.accept(waiting.hand_off());
        Connection extra;
        extra.send(make_query("example.com.", AXFR));
        server.server.accept(extra.hand_off());
        CHECK(server.server.totals().turned_away == 1);
        CHECK_FALSE(extra.next_message().pkt);  // closed, unanswered
        server.server.stop();
    }

    TEST_CASE("stop() ends a transfer in flight") {
        Published published(5000);
        Server server(published, {.max_connections = 2, .idle_timeout = std::chrono::seconds(600)});
        Connection stalled;
        const int small = 4096;
        REQUIRE(::setsockopt(stalled.theirs.get(), SOL_SOCKET, SO_SNDBUF, &small, sizeof small) == 0);
        stalled.send(make_query("example.com.", AXFR));
        server.server.accept(stalled.hand_off());
        // The first messages are out: the transfer is under way, blocked on the full socket.
        REQUIRE(stalled.next_message().pkt);
        server.server.stop();  // with a 600 s idle timeout, only the shutdown ends it
        CHECK(server.server.totals().failed == 1);
        Connection late;
        server.server.accept(late.hand_off());
        CHECK(server.server.totals().turned_away == 1);
    }

    TEST_CASE("a transfer the rules refuse: REFUSED, then the connection ends and its slot serves the next at once") {
        Published published;
        Server server(published, {.max_connections = 1, .idle_timeout = std::chrono::seconds(60)});
        Connection refused;
        refused.send(make_query("example.com.", AXFR));
        refused.send(make_query("example.com.", SOA));  // pipelined: never answered
        server.server.accept(refused.hand_off(client_not_allowed));
        Reply refusal = refused.next_message();
        REQUIRE(refusal.pkt);
        CHECK(refusal.rcode() == LDNS_RCODE_REFUSED);
        CHECK_FALSE(refused.next_message().pkt);  // closed

        check_next_client_served(server, 4 + 1);
    }

    TEST_CASE("every slot taken by refused clients that keep sending queries: a permitted client is still served") {
        Published published;
        Server server(published, {.max_connections = 4, .idle_timeout = std::chrono::seconds(60)});
        std::vector<Connection> refused(4);
        for (Connection& connection : refused) {
            connection.send(make_query("example.com.", AXFR));
            server.server.accept(connection.hand_off(client_not_allowed));
        }
        for (Connection& connection : refused) {
            Reply refusal = connection.next_message();
            REQUIRE(refusal.pkt);
            CHECK(refusal.rcode() == LDNS_RCODE_REFUSED);
            // Keeping the connection busy is of no use: it is closed.
            (void)connection.try_send(make_query("example.com.", SOA));
            CHECK_FALSE(connection.next_message().pkt);
        }

        Connection permitted;
        permitted.send(make_query("example.com.", AXFR));
        server.server.accept(permitted.hand_off());
        CHECK(permitted.read_axfr().size() == 4 + 1);
        server.server.stop();
        CHECK(server.server.totals().turned_away == 0);
        CHECK(server.server.totals().axfr == 1);
    }

    TEST_CASE("max_connection_time: a connection that keeps asking is closed when its time is up") {
        Published published;
        Server server(published, {.max_connections = 1,
                                  .idle_timeout = std::chrono::seconds(60),
                                  .max_connection_time = std::chrono::milliseconds(500)});
        Connection held;
        held.send(make_query("example.com.", AXFR));
        const auto began = std::chrono::steady_clock::now();
        server.server.accept(held.hand_off());
        CHECK(held.read_axfr().size() == 4 + 1);
        // Ordinary queries after a transfer are answered, within the connection's time.
        bool closed = false;
        for (int i = 0; i < 100 && !closed; ++i) {
            closed = !held.try_send(make_query("example.com.", SOA)) || !held.next_message().pkt;
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
        CHECK(closed);
        CHECK(std::chrono::steady_clock::now() - began >= std::chrono::milliseconds(500));
        CHECK(std::chrono::steady_clock::now() - began < std::chrono::seconds(5));

        check_next_client_served(server, 4 + 1);
    }

    TEST_CASE("max_connection_time: a transfer to a client that stalls ends then, before the idle timeout") {
        Published published(5000);
        Server server(published, {.max_connections = 1,
                                  .idle_timeout = std::chrono::seconds(600),
                                  .max_connection_time = std::chrono::milliseconds(300)});
        Connection stalled;
        fail_a_stalled_transfer(server, stalled);
        CHECK(server.server.last_by_zone().begin()->second.error == "past the time limit per connection");
        server.server.stop();
    }
}

TEST_CASE("transfer-serials.json: read only as a regular file of at most 16 MiB, and said why not") {
    testing::TempDir dir{"azdns-serials"};
    const std::string path = (dir.path / "transfer-serials.json").string();
    std::string problem;
    CHECK(load_transfer_serials(dir.path.string(), problem).empty());
    CHECK(problem.empty());  // none saved yet: nothing to say

    std::ofstream(path) << R"({"version": 1, "zones": [{"origin": "example.com.", "serial": 7, "digest": ")"
                        << std::string(16, '0') << "\"}]}\n";
    const auto entries = load_transfer_serials(dir.path.string(), problem);
    INFO(problem);
    CHECK(entries.size() == 1);

    std::filesystem::resize_file(path, (16u << 20) + 1);
    problem.clear();
    CHECK(load_transfer_serials(dir.path.string(), problem).empty());
    CHECK(problem == "cannot read " + path + ": larger than 16M");

    std::filesystem::remove(path);
    REQUIRE(::mkfifo(path.c_str(), 0600) == 0);
    problem.clear();
    CHECK(load_transfer_serials(dir.path.string(), problem).empty());  // at once: a FIFO is never waited on
    CHECK(problem == "cannot read " + path + ": not a regular file (a FIFO)");
}
