// The NOTIFY sender against a secondary played by a UDP responder on
// loopback: acknowledged, retried with back-off, given up on, refused,
// superseded, signed, bounded, stopped.
#include "notify_sender.hpp"

#include <doctest/doctest.h>
#include <ldns/ldns.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <future>
#include <memory>
#include <set>
#include <thread>

#include "dns_name.hpp"
#include "notify_responder.hpp"

using namespace azdns;
using namespace std::chrono_literals;
using azdns::testing::NotifyResponder;
using azdns::testing::ResponderPolicy;

namespace {

constexpr std::uint8_t rcode_refused = 5;

std::string origin(const char* text) {
    auto wire = name_from_text(text);
    REQUIRE(wire);
    return *wire;
}

// Polls `done` every 10 ms for up to `limit`: long enough on any machine,
// and the tests assert what happened, never how fast.
bool wait_for(const std::function<bool()>& done, std::chrono::milliseconds limit = 10s) {
    for (auto waited = 0ms; waited < limit; waited += 10ms) {
        if (done()) return true;
        std::this_thread::sleep_for(10ms);
    }
    return done();
}

NotifyTargetStatus only_status(const NotifySender& sender) {
    const auto all = sender.status();
    REQUIRE(all.size() == 1);
    return all.front();
}

bool finished(const NotifySender& sender) {
    const auto all = sender.status();
    return !all.empty() && all.front().outcome != NotifyOutcome::pending;
}

std::uint16_t id_of(const std::vector<std::uint8_t>& datagram) {
    return static_cast<std::uint16_t>((datagram[0] << 8) | datagram[1]);
}

// Short waits so that five tries take well under a second and a half.
NotifySenderOptions quick() {
    NotifySenderOptions options;
    options.first_retry = 20ms;
    return options;
}

}  // namespace

TEST_SUITE("notify_sender") {
    TEST_CASE("a secondary that answers at once is told with one NOTIFY") {
        NotifyResponder secondary({.rcode = 0});
        NotifySender sender(quick());
        sender.notify(origin("example.com."), 7, {secondary.address()});
        REQUIRE(wait_for([&] { return finished(sender); }));
        const auto status = only_status(sender);
        CHECK(status.outcome == NotifyOutcome::acked);
        CHECK(status.zone == origin("example.com."));
        CHECK(status.target == secondary.address());
        CHECK(status.serial == 7);
        CHECK(status.tries == 1);
        CHECK(status.sent == 1);
        CHECK(status.acked == 1);
        CHECK(status.failed == 0);
        CHECK(status.last_error.empty());
        CHECK(status.last_sent.has_value());
        CHECK(status.last_acked.has_value());
        CHECK(secondary.received().size() == 1);
    }

    TEST_CASE("a NOTIFY that goes unanswered is sent again with the same ID until answered") {
        NotifyResponder secondary({.ignore_first = 2, .rcode = 0});
        NotifySender sender(quick());
        sender.notify(origin("example.com."), 8, {secondary.address()});
        REQUIRE(wait_for([&] { return finished(sender); }));
        const auto status = only_status(sender);
        CHECK(status.outcome == NotifyOutcome::acked);
        CHECK(status.tries == 3);
        CHECK(status.sent == 3);
        CHECK(status.acked == 1);
        const auto received = secondary.received();
        REQUIRE(received.size() == 3);
        CHECK(id_of(received[1]) == id_of(received[0]));
        CHECK(id_of(received[2]) == id_of(received[0]));
    }

    TEST_CASE("a secondary that never answers gets five tries, then the NOTIFY is reported failed") {
        NotifyResponder secondary({});
        NotifySender sender(quick());
        sender.notify(origin("example.com."), 9, {secondary.address()});
        REQUIRE(wait_for([&] { return finished(sender); }));
        const auto status = only_status(sender);
        CHECK(status.outcome == NotifyOutcome::failed);
        CHECK(status.tries == 5);
        CHECK(status.sent == 5);
        CHECK(status.failed == 1);
        CHECK(status.acked == 0);
        CHECK(status.last_error == "no reply after 5 tries");
        CHECK_FALSE(status.last_acked.has_value());
        CHECK(secondary.received().size() == 5);
    }

    TEST_CASE("a reply with another ID is no answer: the sender keeps trying") {
        NotifyResponder secondary({.rcode = 0, .wrong_id = true});
        NotifySender sender(quick());
        sender.notify(origin("example.com."), 9, {secondary.address()});
        REQUIRE(wait_for([&] { return finished(sender); }));
        const auto status = only_status(sender);
        CHECK(status.outcome == NotifyOutcome::failed);
        CHECK(status.tries == 5);
        CHECK(secondary.received().size() == 5);
    }

    TEST_CASE("REFUSED is an answer: reported refused, not sent again") {
        NotifyResponder secondary({.rcode = rcode_refused});
        NotifySender sender(quick());
        sender.notify(origin("example.com."), 10, {secondary.address()});
        REQUIRE(wait_for([&] { return finished(sender); }));
        const auto status = only_status(sender);
        CHECK(status.outcome == NotifyOutcome::refused);
        CHECK(status.last_error == "REFUSED");
        CHECK(status.tries == 1);
        CHECK(status.refused == 1);
        CHECK(status.acked == 0);
        CHECK(status.failed == 0);
        // Had it been taken for silence, a resend would follow after 20 ms,
        // then 40, 80, 160: give them the time to show.
        std::this_thread::sleep_for(400ms);
        CHECK(secondary.received().size() == 1);
        CHECK(only_status(sender).sent == 1);
    }

    TEST_CASE("a newer serial supersedes the pending one: the old NOTIFY is never sent again") {
        NotifyResponder secondary({});
        NotifySender sender(quick());
        sender.notify(origin("example.com."), 11, {secondary.address()});
        REQUIRE(wait_for([&] { return secondary.received().size() >= 2; }));
        const std::uint16_t old_id = id_of(secondary.received().front());
        sender.notify(origin("example.com."), 12, {secondary.address()});
        REQUIRE(wait_for([&] { return finished(sender); }));
        const auto status = only_status(sender);
        CHECK(status.serial == 12);
        CHECK(status.outcome == NotifyOutcome::failed);
        CHECK(status.tries == 5);
        // After the first NOTIFY of serial 12, only its five tries: none of 11.
        const auto received = secondary.received();
        std::size_t first_new = 0;
        while (first_new < received.size() && id_of(received[first_new]) == old_id) ++first_new;
        REQUIRE(first_new < received.size());
        CHECK(received.size() - first_new == 5);
        for (std::size_t i = first_new; i < received.size(); ++i) CHECK(id_of(received[i]) != old_id);
        CHECK(status.sent == received.size());
    }

    TEST_CASE("the NOTIFY on the wire, read by ldns: opcode NOTIFY, AA, one question: the origin's SOA in IN") {
        NotifyResponder secondary({.rcode = 0});
        NotifySender sender(quick());
        sender.notify(origin("Example.COM."), 13, {secondary.address()});
        REQUIRE(wait_for([&] { return finished(sender); }));
        const auto received = secondary.received();
        REQUIRE(received.size() == 1);
        ldns_pkt* raw = nullptr;
        REQUIRE(ldns_wire2pkt(&raw, received[0].data(), received[0].size()) == LDNS_STATUS_OK);
        std::unique_ptr<ldns_pkt, decltype(&ldns_pkt_free)> packet(raw, &ldns_pkt_free);
        CHECK(ldns_pkt_get_opcode(packet.get()) == LDNS_PACKET_NOTIFY);
        CHECK(ldns_pkt_aa(packet.get()));
        CHECK_FALSE(ldns_pkt_qr(packet.get()));
        CHECK_FALSE(ldns_pkt_rd(packet.get()));
        CHECK(ldns_pkt_qdcount(packet.get()) == 1);
        CHECK(ldns_pkt_ancount(packet.get()) == 0);
        CHECK(ldns_pkt_nscount(packet.get()) == 0);
        CHECK(ldns_pkt_arcount(packet.get()) == 0);
        const ldns_rr* question = ldns_rr_list_rr(ldns_pkt_question(packet.get()), 0);
        REQUIRE(question != nullptr);
        CHECK(ldns_rr_get_type(question) == LDNS_RR_TYPE_SOA);
        CHECK(ldns_rr_get_class(question) == LDNS_RR_CLASS_IN);
        char* owner = ldns_rdf2str(ldns_rr_owner(question));
        CHECK(std::string(owner) == "example.com.");
        free(owner);
    }

    TEST_CASE("each serial gets a fresh random ID") {
        NotifyResponder secondary({.rcode = 0});
        NotifySender sender(quick());
        std::set<std::uint16_t> ids;
        for (std::uint32_t serial = 1; serial <= 8; ++serial) {
            sender.notify(origin("example.com."), serial, {secondary.address()});
            REQUIRE(wait_for([&] { return secondary.received().size() == serial && finished(sender); }));
            ids.insert(id_of(secondary.received().back()));
        }
        // Eight equal 16-bit draws in a row do not happen by chance; a
        // counter or a constant would show as fewer.
        CHECK(ids.size() >= 7);
    }

    TEST_CASE("the sign hook's bytes go out: the secondary sees the longer message and its ARCOUNT") {
        NotifyResponder secondary({.rcode = 0});
        NotifySenderOptions options = quick();
        std::string signed_origin;
        options.sign = [&](std::span<std::uint8_t> buffer, std::size_t length, std::string_view origin_wire,
                           const SocketAddress&) {
            signed_origin = origin_wire;  // read back after the sender is done with it
            const std::uint8_t mark[] = {0xde, 0xad, 0xbe, 0xef};
            if (buffer.size() < length + sizeof mark) return std::size_t{0};  // on the sender's thread: no REQUIRE
            std::copy(std::begin(mark), std::end(mark), buffer.begin() + static_cast<long>(length));
            buffer[11] = 1;  // ARCOUNT, as a TSIG record would make it
            return length + sizeof mark;
        };
        NotifySender sender(std::move(options));
        sender.notify(origin("example.com."), 14, {secondary.address()});
        REQUIRE(wait_for([&] { return finished(sender); }));
        CHECK(only_status(sender).outcome == NotifyOutcome::acked);
        sender.stop();
        CHECK(signed_origin == origin("example.com."));
        const auto received = secondary.received();
        REQUIRE(received.size() == 1);
        const std::size_t unsigned_length = 12 + origin("example.com.").size() + 4;
        REQUIRE(received[0].size() == unsigned_length + 4);
        CHECK(received[0][11] == 1);
        CHECK(received[0][unsigned_length] == 0xde);
        CHECK(received[0][unsigned_length + 3] == 0xef);
    }

    TEST_CASE("a sign hook that fails: nothing is sent, the NOTIFY is reported failed") {
        NotifyResponder secondary({.rcode = 0});
        NotifySenderOptions options = quick();
        options.sign = [](std::span<std::uint8_t>, std::size_t, std::string_view, const SocketAddress&) { return std::size_t{0}; };
        NotifySender sender(std::move(options));
        sender.notify(origin("example.com."), 15, {secondary.address()});
        REQUIRE(wait_for([&] { return finished(sender); }));
        const auto status = only_status(sender);
        CHECK(status.outcome == NotifyOutcome::failed);
        CHECK(status.last_error == "the NOTIFY could not be signed");
        CHECK(status.sent == 0);
        CHECK(secondary.received().empty());
    }

    TEST_CASE("each target of a zone is told on its own, IPv4 and IPv6") {
        NotifyResponder answering({.rcode = 0});
        NotifyResponder silent({});
        std::unique_ptr<NotifyResponder> over_v6;
        std::vector<SocketAddress> targets{answering.address(), silent.address()};
        const int probe = ::socket(AF_INET6, SOCK_DGRAM, 0);
        sockaddr_in6 loopback6{};
        loopback6.sin6_family = AF_INET6;
        loopback6.sin6_addr = in6addr_loopback;
        const bool has_v6 = probe >= 0 && ::bind(probe, reinterpret_cast<sockaddr*>(&loopback6), sizeof loopback6) == 0;
        if (probe >= 0) ::close(probe);
        if (has_v6) {
            over_v6 = std::make_unique<NotifyResponder>(ResponderPolicy{.rcode = 0}, "::1");
            targets.push_back(over_v6->address());
        } else {
            MESSAGE("no ::1 on this host: IPv6 target not tried");
        }
        NotifySender sender(quick());
        sender.notify(origin("example.com."), 16, targets);
        REQUIRE(wait_for([&] {
            const auto all = sender.status();
            return all.size() == targets.size() && std::ranges::none_of(all, [](const auto& s) {
                return s.outcome == NotifyOutcome::pending;
            });
        }));
        for (const auto& status : sender.status()) {
            CAPTURE(status.target.to_string());
            CHECK(status.outcome == (status.target == silent.address() ? NotifyOutcome::failed : NotifyOutcome::acked));
        }
        CHECK(answering.received().size() == 1);
        CHECK(silent.received().size() == 5);
        if (over_v6) CHECK(over_v6->received().size() == 1);
    }

    TEST_CASE("at most max_targets pairs: the oldest pending is dropped and counted") {
        NotifyResponder secondary({});
        NotifySenderOptions options;
        options.first_retry = 60s;  // all three stay pending for the whole test
        options.max_targets = 2;
        NotifySender sender(std::move(options));
        for (const char* zone : {"a.example.", "b.example.", "c.example."})
            sender.notify(origin(zone), 1, {secondary.address()});
        REQUIRE(wait_for([&] { return sender.dropped() == 1; }));
        const auto all = sender.status();
        REQUIRE(all.size() == 2);
        CHECK(all[0].zone == origin("b.example."));
        CHECK(all[1].zone == origin("c.example."));
    }

    TEST_CASE("stop() with resends pending returns at once, and nothing is sent after it") {
        NotifyResponder secondary({});
        NotifySenderOptions options;
        options.first_retry = 60s;  // the next resend is a minute away
        NotifySender sender(std::move(options));
        sender.notify(origin("example.com."), 17, {secondary.address()});
        REQUIRE(wait_for([&] { return secondary.received().size() == 1; }));
        auto stopped = std::async(std::launch::async, [&] { sender.stop(); });
        // Bounded so that a stop that waited for the resend fails here
        // instead of hanging the suite; the bound is far above what it takes.
        REQUIRE(stopped.wait_for(10s) == std::future_status::ready);
        sender.notify(origin("example.com."), 18, {secondary.address()});
        std::this_thread::sleep_for(100ms);
        CHECK(secondary.received().size() == 1);
        CHECK(only_status(sender).serial == 17);
    }
}
