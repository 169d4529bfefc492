// Multi-message responses (AXFR, IXFR) under TSIG (RFC 8945 section 5.3.1):
// the streams we sign verify in ldns, the streams ldns signs verify in ours.
#include <doctest/doctest.h>

#include "tsig_test_support.hpp"

using namespace azdns;
using namespace azdns::tsig_test;

namespace {

struct Message {
    std::vector<std::uint8_t> wire;
    std::size_t tsig_offset = 0;  // 0: unsigned
};

// The MAC of the TSIG record ldns put on `pkt`, as ldns passes it on.
const ldns_rdf* ldns_mac(const Packet& pkt) { return ldns_rr_rdf(ldns_pkt_tsig(pkt.get()), 3); }

// Messages 1 to `count` of a transfer, each signed by ldns as RFC 8945
// section 5.3.1 says: the first with `request_mac`, each next one with the
// MAC before it and the timers only.
std::vector<Message> ldns_signed_stream(const SharedKey& key, std::span<const std::uint8_t> request_mac, int count) {
    std::vector<Message> stream;
    Rdf prior = mac_rdf(request_mac);
    for (int i = 0; i < count; ++i) {
        Packet pkt = answer_packet(static_cast<std::uint32_t>(100 + i));
        std::size_t offset = wire_of(pkt.get()).size();
        REQUIRE(ldns_pkt_tsig_sign_next(pkt.get(), key.name, key.secret, 300, key.algorithm, prior.get(), i == 0 ? 0 : 1) ==
                LDNS_STATUS_OK);
        stream.push_back({wire_of(pkt.get()), offset});
        prior.reset(ldns_rdf_clone(ldns_mac(pkt)));
    }
    return stream;
}

// The MAC of our request, which opens a transfer we receive.
std::vector<std::uint8_t> our_request_mac(const TsigKey& key) {
    std::vector<std::uint8_t> buffer = wire_of(unsigned_query("example.com.", LDNS_RR_TYPE_AXFR).get());
    std::size_t length = buffer.size();
    buffer.resize(1024);
    length = sign_tsig(buffer, length, key, {}, 0, wall_clock());
    REQUIRE(length != 0);
    buffer.resize(length);
    Packet pkt = packet_of(buffer);
    const ldns_rdf* mac = ldns_mac(pkt);
    return {ldns_rdf_data(mac) + 2, ldns_rdf_data(mac) + ldns_rdf_size(mac)};
}

bool ldns_verifies_next(const Message& message, const SharedKey& key, const ldns_rdf* prior_mac, bool timers_only) {
    Packet pkt = packet_of(message.wire);
    return ldns_pkt_tsig_verify_next(pkt.get(), message.wire.data(), message.wire.size(), key.name, key.secret, prior_mac,
                                     timers_only ? 1 : 0);
}

}  // namespace

TEST_SUITE("tsig streams") {
    TEST_CASE("a transfer we sign, every message, verifies in ldns message by message") {
        for (const SharedKey* shared : {&sha256_key, &sha512_key}) {
            CAPTURE(shared->algorithm);
            TsigKey key = shared->ours();
            auto query = ldns_signed_query(*shared, "example.com.", LDNS_RR_TYPE_AXFR);
            Packet query_pkt = packet_of(query);
            Rdf request_mac(ldns_rdf_clone(ldns_mac(query_pkt)), ldns_rdf_deep_free);

            std::span<const std::uint8_t> mac_bytes(ldns_rdf_data(request_mac.get()) + 2, ldns_rdf_size(request_mac.get()) - 2);
            TsigStreamSigner signer(key, mac_bytes);
            std::vector<Message> stream;
            for (std::uint32_t serial : {1u, 2u, 3u}) {
                std::vector<std::uint8_t> buffer = wire_of(answer_packet(serial).get());
                std::size_t length = buffer.size();
                buffer.resize(length + tsig_record_size(key));
                std::size_t signed_length = signer.sign_next(buffer, length, wall_clock());
                REQUIRE(signed_length != 0);
                buffer.resize(signed_length);
                stream.push_back({buffer, length});
            }

            CHECK(ldns_verifies_next(stream[0], *shared, request_mac.get(), false));
            Packet first = packet_of(stream[0].wire);
            Packet second = packet_of(stream[1].wire);
            CHECK(ldns_verifies_next(stream[1], *shared, ldns_mac(first), true));
            CHECK(ldns_verifies_next(stream[2], *shared, ldns_mac(second), true));
            // Chained: each MAC holds only after the one before it, and the
            // later ones cover the timers only.
            CHECK_FALSE(ldns_verifies_next(stream[2], *shared, ldns_mac(first), true));
            CHECK_FALSE(ldns_verifies_next(stream[1], *shared, ldns_mac(first), false));
            CHECK_FALSE(ldns_verifies_next(stream[1], *shared, request_mac.get(), true));
        }
    }

    TEST_CASE("a transfer ldns signs verifies in ours; out of order, changed, late or under another key it does not") {
        TsigKey key = sha256_key.ours();
        auto request_mac = our_request_mac(key);
        auto stream = ldns_signed_stream(sha256_key, request_mac, 3);
        std::uint64_t now = wall_clock();
        {
            TsigStreamVerifier verifier(key, request_mac);
            for (const Message& message : stream) {
                CHECK(verifier.verify_next(message.wire, message.tsig_offset, now) == TsigVerdict::ok);
                CHECK(verifier.last_was_signed());
            }
        }
        {
            TsigStreamVerifier verifier(key, request_mac);
            CHECK(verifier.verify_next(stream[0].wire, stream[0].tsig_offset, now) == TsigVerdict::ok);
            CHECK(verifier.verify_next(stream[2].wire, stream[2].tsig_offset, now) == TsigVerdict::badsig);
        }
        {
            TsigStreamVerifier verifier(key, request_mac);
            CHECK(verifier.verify_next(stream[0].wire, stream[0].tsig_offset, now) == TsigVerdict::ok);
            auto changed = stream[1].wire;
            changed[stream[1].tsig_offset - 1] ^= 0x01;  // the SOA's minimum
            CHECK(verifier.verify_next(changed, stream[1].tsig_offset, now) == TsigVerdict::badsig);
        }
        {
            TsigStreamVerifier verifier(key, request_mac);
            CHECK(verifier.verify_next(stream[0].wire, stream[0].tsig_offset, now + 1000) == TsigVerdict::badtime);
        }
        {
            TsigKey other = sha512_key.ours();
            TsigStreamVerifier verifier(other, request_mac);
            CHECK(verifier.verify_next(stream[0].wire, stream[0].tsig_offset, now) == TsigVerdict::badkey);
        }
        {
            // Not our request's: the first message does not verify.
            auto other_request = our_request_mac(key);
            other_request[0] ^= 0x01;
            TsigStreamVerifier verifier(key, other_request);
            CHECK(verifier.verify_next(stream[0].wire, stream[0].tsig_offset, now) == TsigVerdict::badsig);
        }
    }

    TEST_CASE("unsigned messages between signed ones: the next signed MAC covers them, at most 99 in a row") {
        TsigKey key = sha256_key.ours();
        auto request_mac = our_request_mac(key);
        Message first = ldns_signed_stream(sha256_key, request_mac, 1)[0];
        Packet first_pkt = packet_of(first.wire);
        const ldns_rdf* first_mac = ldns_mac(first_pkt);
        Message middle{wire_of(answer_packet(200).get()), 0};

        // Message 3's MAC covers message 1's MAC, message 2 whole, message 3
        // and the timers. ldns writes the "prior MAC" it is given byte for
        // byte before the message it signs, so message 1's MAC (with its
        // length) followed by message 2 makes it sign exactly that.
        std::vector<std::uint8_t> prior(ldns_rdf_data(first_mac), ldns_rdf_data(first_mac) + ldns_rdf_size(first_mac));
        prior.insert(prior.end(), middle.wire.begin(), middle.wire.end());
        Rdf prior_and_middle(ldns_rdf_new_frm_data(LDNS_RDF_TYPE_INT16_DATA, prior.size(), prior.data()), ldns_rdf_deep_free);
        Packet last_pkt = answer_packet(201);
        std::size_t last_offset = wire_of(last_pkt.get()).size();
        REQUIRE(ldns_pkt_tsig_sign_next(last_pkt.get(), sha256_key.name, sha256_key.secret, 300, sha256_key.algorithm,
                                        prior_and_middle.get(), 1) == LDNS_STATUS_OK);
        Message last{wire_of(last_pkt.get()), last_offset};

        std::uint64_t now = wall_clock();
        {
            TsigStreamVerifier verifier(key, request_mac);
            CHECK(verifier.verify_next(first.wire, first.tsig_offset, now) == TsigVerdict::ok);
            CHECK(verifier.verify_next(middle.wire, 0, now) == TsigVerdict::ok);
            CHECK_FALSE(verifier.last_was_signed());
            CHECK(verifier.verify_next(last.wire, last.tsig_offset, now) == TsigVerdict::ok);
            CHECK(verifier.last_was_signed());
        }
        {
            // Without the middle message, message 3 does not verify.
            TsigStreamVerifier verifier(key, request_mac);
            CHECK(verifier.verify_next(first.wire, first.tsig_offset, now) == TsigVerdict::ok);
            CHECK(verifier.verify_next(last.wire, last.tsig_offset, now) == TsigVerdict::badsig);
        }
        {
            // The first message must be signed.
            TsigStreamVerifier verifier(key, request_mac);
            CHECK(verifier.verify_next(middle.wire, 0, now) == TsigVerdict::badsig);
            CHECK_FALSE(verifier.last_was_signed());
        }
        {
            TsigStreamVerifier verifier(key, request_mac);
            CHECK(verifier.verify_next(first.wire, first.tsig_offset, now) == TsigVerdict::ok);
            for (int i = 0; i < 99; ++i) REQUIRE(verifier.verify_next(middle.wire, 0, now) == TsigVerdict::ok);
            CHECK(verifier.verify_next(middle.wire, 0, now) == TsigVerdict::badsig);
        }
    }
}
