// TSIG (RFC 8945) against ldns both ways: queries ldns signs, we verify;
// messages we sign, ldns verifies. Every failure verdict, every error
// response, and a reader that never reads outside a message.
#include <doctest/doctest.h>

#include <cctype>
#include <random>

#include "query_reader.hpp"
#include "tsig_test_support.hpp"
#include "wire_integers.hpp"

using namespace azdns;
using namespace azdns::tsig_test;
using namespace std::string_literals;

namespace {

std::size_t tsig_offset_of(const std::vector<std::uint8_t>& wire) {
    Query query;
    REQUIRE(read_query(wire, query) == ReadStatus::ok);
    REQUIRE(query.tsig_offset != 0);
    return query.tsig_offset;
}

// The TSIG record of a signed query; its spans point into `wire`.
TsigRecord record_of(const std::vector<std::uint8_t>& wire) {
    auto record = read_tsig(wire, tsig_offset_of(wire));
    REQUIRE(record.has_value());
    return *record;
}

// `wire` with room after it for a TSIG record; `length` says how much is message.
struct Buffer {
    std::vector<std::uint8_t> bytes;
    std::size_t length;

    explicit Buffer(const std::vector<std::uint8_t>& wire) : bytes(wire), length(wire.size()) { bytes.resize(1024); }
    [[nodiscard]] std::vector<std::uint8_t> message() const { return {bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(length)}; }
};

std::vector<std::uint8_t> answer_wire() { return wire_of(answer_packet().get()); }

bool ldns_verifies(const std::vector<std::uint8_t>& wire, const SharedKey& key, std::span<const std::uint8_t> request_mac) {
    Packet pkt = packet_of(wire);
    Rdf mac = mac_rdf(request_mac);
    return ldns_pkt_tsig_verify(pkt.get(), wire.data(), wire.size(), key.name, key.secret,
                                request_mac.empty() ? nullptr : mac.get());
}

// The same signed message with its MAC cut to `size` bytes (or grown with
// zero bytes), everything else as it was.
std::vector<std::uint8_t> with_mac_size(const std::vector<std::uint8_t>& wire, std::size_t size) {
    TsigRecord record = record_of(wire);
    std::vector<std::uint8_t> mac(record.mac.begin(), record.mac.end());
    mac.resize(size);
    auto rdata_at = static_cast<std::size_t>(record.algorithm_name.data() - wire.data());
    auto mac_at = static_cast<std::size_t>(record.mac.data() - wire.data());
    std::vector<std::uint8_t> out(wire.begin(), wire.begin() + static_cast<std::ptrdiff_t>(mac_at));
    out.insert(out.end(), mac.begin(), mac.end());
    out.insert(out.end(), wire.begin() + static_cast<std::ptrdiff_t>(mac_at + record.mac.size()), wire.end());
    write_u16(&out[mac_at - 2], static_cast<std::uint16_t>(size));
    write_u16(&out[rdata_at - 2], static_cast<std::uint16_t>(out.size() - rdata_at));
    return out;
}

// The TSIG record we appended to answer_wire().
TsigRecord record_of_response(const std::vector<std::uint8_t>& wire) {
    auto record = read_tsig(wire, answer_wire().size());
    REQUIRE(record.has_value());
    return *record;
}

struct ErrorTsig {
    ldns_pkt_rcode rcode;
    std::uint16_t error;
    std::size_t mac_size;
};

ErrorTsig error_tsig_of(const std::vector<std::uint8_t>& wire) {
    Packet pkt = packet_of(wire);
    ldns_rr* tsig = ldns_pkt_tsig(pkt.get());
    REQUIRE(tsig != nullptr);
    return {ldns_pkt_get_rcode(pkt.get()), ldns_rdf2native_int16(ldns_rr_rdf(tsig, 5)),
            ldns_rdf_size(ldns_rr_rdf(tsig, 3)) - 2};
}

}  // namespace

TEST_SUITE("tsig") {
    TEST_CASE("base64 as tsig-keygen prints a secret, and RFC 4648's vectors") {
        auto secret = decode_base64(sha256_key.secret);
        REQUIRE(secret.has_value());
        CHECK(secret->size() == 32);
        CHECK(decode_base64(sha512_key.secret)->size() == 64);
        auto text = [](std::string_view base64) {
            auto bytes = decode_base64(base64);
            REQUIRE(bytes.has_value());
            return std::string(bytes->begin(), bytes->end());
        };
        CHECK(text("") == "");
        CHECK(text("Zg==") == "f");
        CHECK(text("Zm8=") == "fo");
        CHECK(text("Zm9v") == "foo");
        CHECK(text("Zm9vYmFy") == "foobar");
        CHECK(text(" Zm9v\n YmFy\r\n\t") == "foobar");
        CHECK(text("+/+/") == "\xfb\xff\xbf");
        for (std::string_view bad : {"Zm9", "Zm9v!mFy", "Zm9vYmF", "Z=9v", "Zg=a", "Zg===", "====", "Zm9v-_==", "Zm9v YmFy ="}) {
            CAPTURE(bad);
            CHECK_FALSE(decode_base64(bad).has_value());
        }
    }

    TEST_CASE("algorithm names as a config spells them") {
        CHECK(tsig_algorithm_from_name("hmac-sha256") == TsigAlgorithm::hmac_sha256);
        CHECK(tsig_algorithm_from_name("HMAC-SHA512") == TsigAlgorithm::hmac_sha512);
        CHECK(tsig_algorithm_name(TsigAlgorithm::hmac_sha512) == "hmac-sha512");
        for (std::string_view bad : {"hmac-sha256.", "hmac-md5", "hmac-sha1", "sha256", ""}) {
            CAPTURE(bad);
            CHECK_FALSE(tsig_algorithm_from_name(bad).has_value());
        }
    }

    TEST_CASE("a query ldns signs verifies, with either algorithm") {
        for (const SharedKey* shared : {&sha256_key, &sha512_key}) {
            CAPTURE(shared->algorithm);
            TsigKey key = shared->ours();
            auto wire = ldns_signed_query(*shared);
            TsigRecord record = record_of(wire);
            CHECK(record.key_name() == key.name);
            CHECK(record.algorithm == key.algorithm);
            CHECK(record.fudge == 300);
            CHECK(record.original_id == 0x1234);
            CHECK(record.error == 0);
            CHECK(record.other_data.empty());
            CHECK(record.mac.size() == (key.algorithm == TsigAlgorithm::hmac_sha256 ? 32u : 64u));
            TsigCheck check = verify_tsig(wire, record, &key, wall_clock());
            CHECK(check.verdict == TsigVerdict::ok);
            CHECK(check.key == &key);
            CHECK(std::ranges::equal(check.request_mac(), record.mac));
        }
    }

    TEST_CASE("any changed byte the MAC covers is BADSIG") {
        TsigKey key = sha256_key.ours();
        auto wire = ldns_signed_query(sha256_key);
        TsigRecord record = record_of(wire);
        std::size_t tsig_at = tsig_offset_of(wire);
        auto mac_at = static_cast<std::size_t>(record.mac.data() - wire.data());
        // The flags, the question, then the TSIG's time signed and fudge,
        // MAC, original ID and error (RFC 8945 section 4.3). (A changed count
        // or label length makes another message, that does not parse.)
        std::vector<std::size_t> covered{2, 3};
        for (std::size_t i = header_size; i < tsig_at - 4; ++i) {
            if (std::isalpha(wire[i])) covered.push_back(i);  // not the label lengths
        }
        for (std::size_t i = tsig_at - 4; i < tsig_at; ++i) covered.push_back(i);  // QTYPE, QCLASS
        for (std::size_t i = mac_at - 10; i < mac_at - 2; ++i) covered.push_back(i);
        for (std::size_t i = mac_at; i < mac_at + record.mac.size() + 4; ++i) covered.push_back(i);
        for (std::size_t i : covered) {
            auto changed = wire;
            changed[i] ^= 0x01;
            CAPTURE(i);
            Query query;
            REQUIRE(read_query(changed, query) == ReadStatus::ok);
            auto changed_record = read_tsig(changed, tsig_at);
            REQUIRE(changed_record.has_value());
            CHECK(verify_tsig(changed, *changed_record, &key, record.time_signed).verdict == TsigVerdict::badsig);
        }
        // The ID is not covered: the original ID stands for it, so that a
        // forwarder may change it (RFC 8945 section 4.3.2).
        auto new_id = wire;
        new_id[0] ^= 0xFF;
        CHECK(verify_tsig(new_id, record_of(new_id), &key, record.time_signed).verdict == TsigVerdict::ok);
    }

    TEST_CASE("an unknown key, or a known name with another algorithm, is BADKEY; another secret is BADSIG") {
        auto wire = ldns_signed_query(sha256_key);
        TsigRecord record = record_of(wire);
        std::uint64_t now = record.time_signed;
        CHECK(verify_tsig(wire, record, nullptr, now).verdict == TsigVerdict::badkey);
        TsigKey renamed = sha256_key.ours();
        renamed.name = "\3xfr\3net\0"s;
        CHECK(verify_tsig(wire, record, &renamed, now).verdict == TsigVerdict::badkey);
        TsigKey other_algorithm = sha256_key.ours();
        other_algorithm.algorithm = TsigAlgorithm::hmac_sha512;
        CHECK(verify_tsig(wire, record, &other_algorithm, now).verdict == TsigVerdict::badkey);
        TsigKey other_secret = sha256_key.ours();
        other_secret.secret[0] ^= 0x01;
        CHECK(verify_tsig(wire, record, &other_secret, now).verdict == TsigVerdict::badsig);
        TsigKey key = sha256_key.ours();
        CHECK(verify_tsig(wire, record, &key, now).verdict == TsigVerdict::ok);
    }

    TEST_CASE("a time signed more than the fudge away from ours is BADTIME") {
        TsigKey key = sha256_key.ours();
        auto wire = ldns_signed_query(sha256_key);
        TsigRecord record = record_of(wire);
        std::uint64_t signed_at = record.time_signed;
        CHECK(verify_tsig(wire, record, &key, signed_at + 300).verdict == TsigVerdict::ok);
        CHECK(verify_tsig(wire, record, &key, signed_at - 300).verdict == TsigVerdict::ok);
        TsigCheck late = verify_tsig(wire, record, &key, signed_at + 301);
        CHECK(late.verdict == TsigVerdict::badtime);
        CHECK(late.key == &key);  // its answer is signed
        CHECK(verify_tsig(wire, record, &key, signed_at - 301).verdict == TsigVerdict::badtime);
    }

    TEST_CASE("MAC sizes: truncated within the RFC's bounds is BADTRUNC, outside them FORMERR") {
        for (const SharedKey* shared : {&sha256_key, &sha512_key}) {
            CAPTURE(shared->algorithm);
            TsigKey key = shared->ours();
            auto wire = ldns_signed_query(*shared);
            std::uint64_t now = record_of(wire).time_signed;
            std::size_t full = key.algorithm == TsigAlgorithm::hmac_sha256 ? 32 : 64;
            auto verdict = [&](const std::vector<std::uint8_t>& changed) {
                return verify_tsig(changed, record_of(changed), &key, now).verdict;
            };
            CHECK(verdict(with_mac_size(wire, full)) == TsigVerdict::ok);
            CHECK(verdict(with_mac_size(wire, full / 2)) == TsigVerdict::badtrunc);
            CHECK(verdict(with_mac_size(wire, full - 1)) == TsigVerdict::badtrunc);
            CHECK(verdict(with_mac_size(wire, full / 2 - 1)) == TsigVerdict::formerr);
            CHECK(verdict(with_mac_size(wire, full + 1)) == TsigVerdict::formerr);
            CHECK(verdict(with_mac_size(wire, 0)) == TsigVerdict::formerr);
            auto forged = with_mac_size(wire, full / 2);
            forged[static_cast<std::size_t>(record_of(forged).mac.data() - forged.data())] ^= 0x01;
            CHECK(verdict(forged) == TsigVerdict::badsig);
        }
    }

    TEST_CASE("a request we sign (a NOTIFY) verifies in ldns and in ours") {
        for (const SharedKey* shared : {&sha256_key, &sha512_key}) {
            CAPTURE(shared->algorithm);
            TsigKey key = shared->ours();
            Buffer buffer(wire_of(unsigned_query().get()));
            std::size_t unsigned_length = buffer.length;
            buffer.length = sign_tsig(buffer.bytes, buffer.length, key, {}, 0, wall_clock());
            REQUIRE(buffer.length > unsigned_length);
            CHECK(buffer.length - unsigned_length <= tsig_record_size(key));
            auto wire = buffer.message();
            CHECK(ldns_verifies(wire, *shared, {}));
            CHECK(tsig_offset_of(wire) == unsigned_length);
            CHECK(verify_tsig(wire, record_of(wire), &key, wall_clock()).verdict == TsigVerdict::ok);
            wire[13] ^= 0x01;  // the question's first letter
            CHECK_FALSE(ldns_verifies(wire, *shared, {}));
        }
    }

    TEST_CASE("a response we sign verifies in ldns with the request's MAC") {
        TsigKey key = sha256_key.ours();
        auto query = ldns_signed_query(sha256_key);
        TsigCheck check = verify_tsig(query, record_of(query), &key, wall_clock());
        REQUIRE(check.verdict == TsigVerdict::ok);
        Buffer buffer(answer_wire());
        buffer.length = sign_tsig(buffer.bytes, buffer.length, key, check.request_mac(), 0, wall_clock());
        REQUIRE(buffer.length != 0);
        CHECK(ldns_verifies(buffer.message(), sha256_key, check.request_mac()));
        std::vector<std::uint8_t> other_mac(check.request_mac().begin(), check.request_mac().end());
        other_mac[0] ^= 0x01;
        CHECK_FALSE(ldns_verifies(buffer.message(), sha256_key, other_mac));
        CHECK_FALSE(ldns_verifies(buffer.message(), sha256_key, {}));
    }

    TEST_CASE("a TSIG that does not fit is not written, and the message is left as it was") {
        TsigKey key = sha512_key.ours();
        auto wire = wire_of(unsigned_query().get());
        std::vector<std::uint8_t> fits(wire.size() + tsig_record_size(key) - 6);  // no Other Data
        std::copy(wire.begin(), wire.end(), fits.begin());
        CHECK(sign_tsig(fits, wire.size(), key, {}, 0, wall_clock()) == fits.size());
        std::vector<std::uint8_t> short_by_one(fits.size() - 1);
        std::copy(wire.begin(), wire.end(), short_by_one.begin());
        CHECK(sign_tsig(short_by_one, wire.size(), key, {}, 0, wall_clock()) == 0);
        CHECK(std::equal(wire.begin(), wire.end(), short_by_one.begin()));
    }

    TEST_CASE("BADKEY and BADSIG answers: NOTAUTH with an unsigned TSIG naming the error") {
        auto query = ldns_signed_query(sha256_key);
        TsigRecord record = record_of(query);
        TsigKey other_secret = sha256_key.ours();
        other_secret.secret[0] ^= 0x01;
        for (const TsigKey* key : {static_cast<const TsigKey*>(nullptr), static_cast<const TsigKey*>(&other_secret)}) {
            TsigCheck check = verify_tsig(query, record, key, record.time_signed);
            Buffer buffer(answer_wire());
            buffer.length = append_tsig_error(buffer.bytes, buffer.length, record, check, wall_clock());
            REQUIRE(buffer.length != 0);
            auto wire = buffer.message();
            ErrorTsig tsig = error_tsig_of(wire);
            CHECK(tsig.rcode == LDNS_RCODE_NOTAUTH);
            CHECK(tsig.error == (key == nullptr ? tsig_error::badkey : tsig_error::badsig));
            CHECK(tsig.mac_size == 0);
            TsigRecord answered = record_of_response(wire);
            CHECK(answered.key_name() == record.key_name());
            CHECK(std::ranges::equal(answered.algorithm_name, record.algorithm_name));
        }
    }

    TEST_CASE("BADTIME answer: signed, the request's time signed, ours in Other Data") {
        TsigKey key = sha256_key.ours();
        auto query = ldns_signed_query(sha256_key);
        TsigRecord record = record_of(query);
        std::uint64_t our_time = record.time_signed + 1000;
        TsigCheck check = verify_tsig(query, record, &key, our_time);
        REQUIRE(check.verdict == TsigVerdict::badtime);
        Buffer buffer(answer_wire());
        buffer.length = append_tsig_error(buffer.bytes, buffer.length, record, check, our_time);
        REQUIRE(buffer.length != 0);
        CHECK(buffer.length - answer_wire().size() == tsig_record_size(key));
        auto wire = buffer.message();
        ErrorTsig tsig = error_tsig_of(wire);
        CHECK(tsig.rcode == LDNS_RCODE_NOTAUTH);
        CHECK(tsig.error == tsig_error::badtime);
        CHECK(ldns_verifies(wire, sha256_key, check.request_mac()));
        TsigRecord answered = record_of_response(wire);
        CHECK(answered.time_signed == record.time_signed);
        REQUIRE(answered.other_data.size() == 6);
        CHECK(read_u48(answered.other_data.data()) == our_time);
    }

    TEST_CASE("BADTRUNC answer: signed, with the truncated MAC as the request's") {
        TsigKey key = sha256_key.ours();
        auto query = with_mac_size(ldns_signed_query(sha256_key), 16);
        TsigRecord record = record_of(query);
        TsigCheck check = verify_tsig(query, record, &key, record.time_signed);
        REQUIRE(check.verdict == TsigVerdict::badtrunc);
        Buffer buffer(answer_wire());
        buffer.length = append_tsig_error(buffer.bytes, buffer.length, record, check, wall_clock());
        REQUIRE(buffer.length != 0);
        ErrorTsig tsig = error_tsig_of(buffer.message());
        CHECK(tsig.rcode == LDNS_RCODE_NOTAUTH);
        CHECK(tsig.error == tsig_error::badtrunc);
        CHECK(tsig.mac_size == 32);
        CHECK(ldns_verifies(buffer.message(), sha256_key, record.mac));
    }

    TEST_CASE("the key name may be compressed and in any case: it reads as the canonical name") {
        auto wire = wire_of(unsigned_query("XFR.Example.").get());
        TsigKey key = sha256_key.ours();  // xfr.example.
        Buffer buffer(wire);
        buffer.length = sign_tsig(buffer.bytes, buffer.length, key, {}, 0, wall_clock());
        auto signed_wire = buffer.message();
        // The owner "\3xfr\7example\0" becomes a pointer to the question's name.
        std::vector<std::uint8_t> compressed(signed_wire.begin(), signed_wire.begin() + static_cast<std::ptrdiff_t>(wire.size()));
        compressed.insert(compressed.end(), {0xC0, 0x0C});
        compressed.insert(compressed.end(), signed_wire.begin() + static_cast<std::ptrdiff_t>(wire.size() + key.name.size()),
                          signed_wire.end());
        TsigRecord record = record_of(compressed);
        CHECK(record.key_name() == key.name);
        CHECK(verify_tsig(compressed, record, &key, wall_clock()).verdict == TsigVerdict::ok);
    }

    TEST_CASE("read_tsig never reads outside the message, cut anywhere or with any byte changed") {
        auto wire = ldns_signed_query(sha512_key);
        std::size_t tsig_at = tsig_offset_of(wire);
        for (std::size_t size = 0; size < wire.size(); ++size) {
            // An exact-size copy: a read past it is a heap overflow under ASan.
            std::vector<std::uint8_t> cut(wire.begin(), wire.begin() + static_cast<std::ptrdiff_t>(size));
            CAPTURE(size);
            CHECK_FALSE(read_tsig(cut, tsig_at).has_value());
        }
        CHECK_FALSE(read_tsig(wire, wire.size()).has_value());
        CHECK_FALSE(read_tsig(wire, wire.size() + 10).has_value());
        CHECK_FALSE(read_tsig(wire, 0).has_value());
        std::mt19937 random(8945);
        for (int round = 0; round < 2000; ++round) {
            auto changed = wire;
            for (int n = 0; n < 3; ++n) {
                std::size_t at = tsig_at + random() % (wire.size() - tsig_at);
                changed[at] = static_cast<std::uint8_t>(random());
            }
            auto record = read_tsig(changed, tsig_at);
            if (!record) continue;
            // What it read lies inside the message.
            CHECK(record->mac.data() >= changed.data() + tsig_at);
            CHECK(record->other_data.data() + record->other_data.size() == changed.data() + changed.size());
        }
    }
}
