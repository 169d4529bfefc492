// The transfer client (azdns as a secondary) against a scripted primary on
// loopback: whole transfers handed over message by message, the IXFR query's
// shape (ldns reads it), every way a primary can fail it (stalls, garbage,
// an empty frame, an early close, an endless stream, a slow one past the
// deadline, a refusal, bad or missing signatures), cancelling from another
// thread, and the SOA query over UDP with its fallback to TCP. Real Knot as
// the primary: test/e2e/transfer_client_knot_test.cpp.
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <limits>
#include <thread>

#include "base64.hpp"
#include "dns_name.hpp"
#include "scripted_primary.hpp"
#include "transfer_client.hpp"

// After the C++ headers: ldns defines `false` and `true` when stdbool.h is absent.
#include <ldns/ldns.h>

using namespace azdns;
using namespace azdns::testing;
using namespace std::chrono_literals;

namespace {

const std::string origin = *name_from_text("xfr.test.");

TsigKey key_with(const char* secret) {
    return TsigKey{*name_from_text("xfr."), TsigAlgorithm::hmac_sha256, *decode_base64(secret)};
}
const TsigKey key = key_with("tdJOktiIvzY6+7HFbbTVprKEr7B1OTOKWFBXVFcSgZo=");
const TsigKey other_key = key_with("D5d50ZK9tJ5xaiqspO2jLdt9HbHsyFWLwgZKGhFqnho=");  // same name, another secret

// Generous bounds for transfers that should finish: the machine may be busy.
TransferLimits roomy() { return {.deadline = 60s, .idle_timeout = 10s, .max_bytes = 1 << 24}; }

// A reader that takes `count` messages and then says the stream is complete.
struct Collector {
    explicit Collector(std::size_t complete_after) : count(complete_after) {}

    std::size_t count;
    std::vector<Bytes> messages;

    TransferMessageHandler handler() {
        return [this](std::span<const std::uint8_t> message) {
            messages.emplace_back(message.begin(), message.end());
            return messages.size() < count;
        };
    }
};

TransferResult fetch_axfr(const ScriptedPrimary& primary, Collector& reader, TransferLimits limits = roomy(),
                          const TsigKey* signing = nullptr) {
    TransferCancel cancel;
    return fetch_zone({primary.address(), signing}, TransferRequest::axfr(origin), limits, cancel, reader.handler());
}

using Packet = std::unique_ptr<ldns_pkt, decltype(&ldns_pkt_free)>;

Packet parsed(const Bytes& wire) {
    ldns_pkt* pkt = nullptr;
    REQUIRE(ldns_wire2pkt(&pkt, wire.data(), wire.size()) == LDNS_STATUS_OK);
    return Packet(pkt, ldns_pkt_free);
}

std::string rr_text(const ldns_rr* rr) {
    char* text = ldns_rr2str(rr);
    std::string out(text);
    std::free(text);
    return out;
}

// An SOA's RDATA in wire form, names uncompressed, as a zone holds it.
std::string soa_rdata(std::uint32_t serial) {
    std::string rdata = *name_from_text("ns1.xfr.test.") + *name_from_text("h.xfr.test.");
    for (std::uint32_t field : {serial, 3600u, 600u, 86400u, 300u})
        for (int shift : {24, 16, 8, 0}) rdata.push_back(static_cast<char>(field >> shift));
    return rdata;
}

}  // namespace

TEST_SUITE("transfer client") {
    TEST_CASE("an AXFR: the query, then every message handed over until the reader has the whole stream") {
        std::vector<Bytes> sent;
        ScriptedPrimary primary([&](ScriptedConnection& connection) {
            for (std::uint32_t i = 0; i < 3; ++i) sent.push_back(response_to(connection.query(), 7, 100 * i));
            for (const auto& message : sent) connection.send(message);
            connection.stall();  // the client must stop on the reader's word, not on a close
        });
        Collector reader{3};
        const auto result = fetch_axfr(primary, reader);
        INFO(result.reason);
        REQUIRE(result.ok());
        CHECK(reader.messages == sent);
        CHECK(result.messages == 3);
        std::uint64_t bytes = 0;
        for (const auto& message : sent) bytes += 2 + message.size();
        CHECK(result.bytes == bytes);

        const auto queries = primary.queries();
        REQUIRE(queries.size() == 1);
        const Packet query = parsed(queries[0]);
        CHECK_FALSE(ldns_pkt_rd(query.get()));
        REQUIRE(ldns_pkt_qdcount(query.get()) == 1);
        CHECK(rr_text(ldns_rr_list_rr(ldns_pkt_question(query.get()), 0)) == "xfr.test.\tIN\tAXFR\n");
    }

    TEST_CASE("an IXFR query carries the SOA the secondary holds in its authority section (RFC 1995 section 3)") {
        ScriptedPrimary primary([](ScriptedConnection& connection) {
            connection.send(response_to(connection.query(), 41));  // up to date: the SOA alone
        });
        Collector reader{1};
        TransferCancel cancel;
        const auto result = fetch_zone({primary.address(), nullptr}, TransferRequest::ixfr(origin, 3600, soa_rdata(41)),
                                       roomy(), cancel, reader.handler());
        INFO(result.reason);
        REQUIRE(result.ok());
        const auto queries = primary.queries();
        REQUIRE(queries.size() == 1);
        const Packet query = parsed(queries[0]);
        CHECK(rr_text(ldns_rr_list_rr(ldns_pkt_question(query.get()), 0)) == "xfr.test.\tIN\tIXFR\n");
        REQUIRE(ldns_pkt_nscount(query.get()) == 1);
        CHECK(rr_text(ldns_rr_list_rr(ldns_pkt_authority(query.get()), 0)) ==
              "xfr.test.\t3600\tIN\tSOA\tns1.xfr.test. h.xfr.test. 41 3600 600 86400 300\n");
    }

    TEST_CASE("an IXFR from an SOA that is not one is refused before anything is sent") {
        TransferCancel cancel;
        Collector reader{1};
        const auto result = fetch_zone({{*IpAddress::parse("127.0.0.1"), 9}, nullptr},
                                       TransferRequest::ixfr(origin, 3600, "\3ns1\0"), roomy(), cancel, reader.handler());
        CHECK(result.error == TransferError::malformed);
        CHECK(reader.messages.empty());
    }

    TEST_CASE("a primary that stalls after the first message hits the idle timeout") {
        ScriptedPrimary primary([](ScriptedConnection& connection) {
            connection.send(response_to(connection.query(), 7, 10));
            connection.stall();
        });
        Collector reader{3};
        auto limits = roomy();
        limits.idle_timeout = 300ms;
        const auto result = fetch_axfr(primary, reader, limits);
        CHECK(result.error == TransferError::timed_out);
        CHECK(result.reason == "nothing received for 300 ms after 1 messages");
        CHECK(result.messages == 1);
    }

    TEST_CASE("a primary that sends a length of 0, garbage, or another query's answer is malformed") {
        const Bytes zero_length{0, 0};
        const Bytes garbage{0, 20, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                            0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
        for (const auto& [what, reason] : {std::pair{"zero", "a message of length 0 after 1 messages"},
                                           std::pair{"garbage", "message 2 is not a response to our query"},
                                           std::pair{"other id", "message 2 is not a response to our query"}}) {
            CAPTURE(what);
            const std::string kind = what;
            ScriptedPrimary primary([&](ScriptedConnection& connection) {
                connection.send(response_to(connection.query(), 7));
                if (kind == "zero") connection.send_raw(zero_length);
                if (kind == "garbage") connection.send_raw(garbage);
                if (kind == "other id") {
                    Bytes other = response_to(connection.query(), 7);
                    other[1] ^= 1;
                    connection.send(other);
                }
                connection.stall();
            });
            Collector reader{3};
            const auto result = fetch_axfr(primary, reader);
            CHECK(result.error == TransferError::malformed);
            CHECK(result.reason == reason);
            CHECK(reader.messages.size() == 1);
        }
    }

    TEST_CASE("a primary that closes the connection mid-stream: closed, after what it sent") {
        ScriptedPrimary primary([](ScriptedConnection& connection) {
            connection.send(response_to(connection.query(), 7, 10));
            const Bytes half = response_to(connection.query(), 7, 10);
            const Bytes length{static_cast<std::uint8_t>(half.size() >> 8), static_cast<std::uint8_t>(half.size())};
            connection.send_raw(length);
            connection.send_raw(std::span(half).first(half.size() / 2));
        });
        Collector reader{3};
        const auto result = fetch_axfr(primary, reader);
        CHECK(result.error == TransferError::closed);
        CHECK(result.reason == "the primary closed the connection after 1 messages");
        CHECK(reader.messages.size() == 1);
    }

    TEST_CASE("a primary that answers REFUSED") {
        ScriptedPrimary primary([](ScriptedConnection& connection) {
            Bytes refused = response_to(connection.query(), 7);
            refused[3] = rcode::refused;
            connection.send(refused);
        });
        Collector reader{3};
        const auto result = fetch_axfr(primary, reader);
        CHECK(result.error == TransferError::refused);
        CHECK(result.reason == "the primary answered REFUSED");
        CHECK(reader.messages.empty());
    }

    TEST_CASE("an endless stream stops at max_bytes") {
        ScriptedPrimary primary([](ScriptedConnection& connection) {
            const Bytes message = response_to(connection.query(), 7, 1000);
            while (connection.send(message)) {
            }
        });
        Collector reader{std::numeric_limits<std::size_t>::max()};
        auto limits = roomy();
        limits.max_bytes = 200'000;
        const auto result = fetch_axfr(primary, reader, limits);
        CHECK(result.error == TransferError::too_large);
        CHECK(result.reason.starts_with("more than 200000 bytes after "));
        CHECK(result.bytes > limits.max_bytes);
        CHECK(result.bytes < limits.max_bytes + 65537);  // the message that crossed the limit, not more
    }

    TEST_CASE("a stream that floods on forever, below max_bytes, stops at the deadline") {
        ScriptedPrimary primary([](ScriptedConnection& connection) {
            const Bytes message = response_to(connection.query(), 7, 1000);
            while (connection.send(message)) {
            }
        });
        Collector reader{std::numeric_limits<std::size_t>::max()};
        auto limits = roomy();
        limits.deadline = 500ms;
        limits.max_bytes = 1ull << 40;  // data always waiting: only the deadline can end it
        const auto result = fetch_axfr(primary, reader, limits);
        CHECK(result.error == TransferError::timed_out);
        CHECK(result.reason.starts_with("past the deadline after "));
    }

    TEST_CASE("cancel from another thread ends a stalled transfer; a cancelled one does not start") {
        ScriptedPrimary primary([](ScriptedConnection& connection) {
            connection.send(response_to(connection.query(), 7));
            connection.stall();
        });
        TransferCancel cancel;
        std::atomic<bool> first_message{false};
        // Bounds far beyond the test's own timeout: only the cancel can end the call in time.
        const TransferLimits patient{.deadline = 1h, .idle_timeout = 1h, .max_bytes = 1 << 24};
        std::thread canceller([&] {
            for (int i = 0; i < 1000 && !first_message; ++i) std::this_thread::sleep_for(10ms);
            cancel.cancel();
        });
        const auto result = fetch_zone({primary.address(), nullptr}, TransferRequest::axfr(origin), patient, cancel,
                                       [&](std::span<const std::uint8_t>) {
                                           first_message = true;
                                           return true;
                                       });
        canceller.join();
        CHECK(first_message);
        CHECK(result.error == TransferError::cancelled);
        CHECK(result.messages == 1);

        Collector reader{1};
        const auto again = fetch_zone({primary.address(), nullptr}, TransferRequest::axfr(origin), patient, cancel,
                                      reader.handler());
        CHECK(again.error == TransferError::cancelled);
        CHECK(reader.messages.empty());
        CHECK(query_soa({primary.address(), nullptr}, origin, 1h, cancel).error == TransferError::cancelled);
    }

    TEST_CASE("a primary nobody listens for: a network error") {
        SocketAddress closed;
        {
            ScriptedPrimary gone({});
            closed = gone.address();
        }
        Collector reader{1};
        TransferCancel cancel;
        const auto result =
            fetch_zone({closed, nullptr}, TransferRequest::axfr(origin), roomy(), cancel, reader.handler());
        CHECK(result.error == TransferError::network);
        CHECK(result.reason == "cannot connect: Connection refused");
    }
}

TEST_SUITE("transfer client: TSIG") {
    TEST_CASE("a signed query; every message signed: ok") {
        ScriptedPrimary primary([](ScriptedConnection& connection) {
            auto signer = connection.signer(key);
            for (int i = 0; i < 3; ++i) connection.send(signed_by(signer, response_to(connection.query(), 7, 10)));
        });
        Collector reader{3};
        const auto result = fetch_axfr(primary, reader, roomy(), &key);
        INFO(result.reason);
        CHECK(result.ok());
        CHECK(reader.messages.size() == 3);
    }

    TEST_CASE("a stream that ends on an unsigned message is not whole (RFC 8945 section 5.3.1)") {
        // (Unsigned messages between signed ones: lib/dns's tsig stream tests.)
        ScriptedPrimary primary([](ScriptedConnection& connection) {
            auto signer = connection.signer(key);
            connection.send(signed_by(signer, response_to(connection.query(), 7, 10)));
            connection.send(signed_by(signer, response_to(connection.query(), 7, 20)));
            connection.send(response_to(connection.query(), 7, 30));
            connection.stall();
        });
        SUBCASE("complete after the second, signed") {
            Collector reader{2};
            const auto result = fetch_axfr(primary, reader, roomy(), &key);
            INFO(result.reason);
            CHECK(result.ok());
        }
        SUBCASE("complete after the third, unsigned") {
            Collector reader{3};
            const auto result = fetch_axfr(primary, reader, roomy(), &key);
            CHECK(result.error == TransferError::tsig);
            CHECK(result.reason == "the transfer ended on an unsigned message");
            CHECK(reader.messages.size() == 3);
        }
    }

    TEST_CASE("an answer signed with another secret, or not at all, is not handed over") {
        for (const bool sign : {true, false}) {
            CAPTURE(sign);
            ScriptedPrimary primary([&](ScriptedConnection& connection) {
                auto wrong = connection.signer(other_key);
                if (sign) connection.send(signed_by(wrong, response_to(connection.query(), 7)));
                else connection.send(response_to(connection.query(), 7));
            });
            Collector reader{1};
            const auto result = fetch_axfr(primary, reader, roomy(), &key);
            CHECK(result.error == TransferError::tsig);
            CHECK(result.reason == (sign ? "the reply's signature does not verify: a wrong MAC" : "the reply is not signed"));
            CHECK(reader.messages.empty());
        }
    }
}

TEST_SUITE("transfer client: SOA query") {
    TEST_CASE("over UDP: an answer with another ID is ignored, ours read") {
        ScriptedPrimary primary({}, [](const Bytes& query) {
            Bytes spoofed = response_to(query, 666);
            spoofed[0] ^= 0x55;
            return std::vector<Bytes>{spoofed, response_to(query, 2026120301)};
        });
        TransferCancel cancel;
        const auto answer = query_soa({primary.address(), nullptr}, origin, 10s, cancel);
        INFO(answer.reason);
        REQUIRE(answer.ok());
        CHECK(answer.serial == 2026120301u);
        CHECK_FALSE(answer.over_tcp);
        const auto queries = primary.queries();
        REQUIRE(queries.size() == 1);
        CHECK(rr_text(ldns_rr_list_rr(ldns_pkt_question(parsed(queries[0]).get()), 0)) == "xfr.test.\tIN\tSOA\n");
    }

    TEST_CASE("a truncated UDP answer: the question again over TCP, signed anew") {
        ScriptedPrimary primary(
            [](ScriptedConnection& connection) {
                auto signer = connection.signer(key);
                connection.send(signed_by(signer, response_to(connection.query(), 12)));
            },
            [](const Bytes& query) {
                Bytes truncated = response_to(query, 11);
                truncated[2] |= 0x02;
                return std::vector<Bytes>{truncated};
            });
        TransferCancel cancel;
        const auto answer = query_soa({primary.address(), &key}, origin, 10s, cancel);
        INFO(answer.reason);
        REQUIRE(answer.ok());
        CHECK(answer.serial == 12u);
        CHECK(answer.over_tcp);
        CHECK(primary.queries().size() == 2);
    }

    TEST_CASE("no answer, one without AA, one unsigned to a signed query") {
        TransferCancel cancel;
        {
            ScriptedPrimary silent({}, [](const Bytes&) { return std::vector<Bytes>{}; });
            const auto answer = query_soa({silent.address(), nullptr}, origin, 300ms, cancel);
            CHECK(answer.error == TransferError::timed_out);
        }
        {
            ScriptedPrimary not_authoritative({}, [](const Bytes& query) {
                Bytes answer = response_to(query, 3);
                answer[2] &= static_cast<std::uint8_t>(~0x04);
                return std::vector<Bytes>{answer};
            });
            const auto answer = query_soa({not_authoritative.address(), nullptr}, origin, 10s, cancel);
            CHECK(answer.error == TransferError::refused);
            CHECK(answer.reason == "the answer is not authoritative (no AA)");
        }
        {
            ScriptedPrimary unsigned_answers({}, [](const Bytes& query) { return std::vector<Bytes>{response_to(query, 3)}; });
            const auto answer = query_soa({unsigned_answers.address(), &key}, origin, 10s, cancel);
            CHECK(answer.error == TransferError::tsig);
            CHECK(answer.reason == "the reply is not signed");
        }
    }
}
