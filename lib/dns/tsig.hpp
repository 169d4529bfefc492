// TSIG (RFC 8945): shared-secret signatures of DNS messages, for signed
// queries, zone transfers (one signature per message of the stream) and
// NOTIFY. HMAC-SHA256 and HMAC-SHA512 only: what tsig-keygen makes by
// default and what Knot, NSD and BIND all accept.
//
// Reading and judging a request allocates nothing but OpenSSL's HMAC
// context, one per MAC computed. Choices where RFC 8945 leaves room:
// - Fudge 300 s in what we sign (the RFC's recommendation); a request is
//   judged by the fudge it carries (section 5.2.3).
// - Truncated MACs (section 5.2.2.1): a MAC longer than the hash, or shorter
//   than 10 bytes or than half the hash, is FORMERR; any other truncation is
//   refused by our policy (full MACs only) with BADTRUNC, after the MAC and
//   time checks, in the order of section 5.2.
// - An unknown key name, an unknown algorithm, or a key whose algorithm is
//   not the one the request names: BADKEY (section 5.2.1).
// - The MAC covers the Original ID in place of the message's ID (section
//   4.3.2), so a forwarder may change the ID.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace azdns {

enum class TsigAlgorithm : std::uint8_t { hmac_sha256, hmac_sha512 };

struct TsigKey {
    std::string name;  // wire form, canonical (lowercase)
    TsigAlgorithm algorithm = TsigAlgorithm::hmac_sha256;
    std::vector<std::uint8_t> secret;  // raw bytes (decode_base64 of the key file); not empty
};

// "hmac-sha256" or "hmac-sha512" as a config spells it, any letter case.
[[nodiscard]] std::optional<TsigAlgorithm> tsig_algorithm_from_name(std::string_view text);
[[nodiscard]] std::string_view tsig_algorithm_name(TsigAlgorithm algorithm);

namespace tsig_error {
inline constexpr std::uint16_t badsig = 16;
inline constexpr std::uint16_t badkey = 17;
inline constexpr std::uint16_t badtime = 18;
inline constexpr std::uint16_t badtrunc = 22;
}  // namespace tsig_error

inline constexpr std::uint16_t tsig_fudge = 300;
inline constexpr std::size_t tsig_max_mac_size = 64;  // HMAC-SHA512

// A TSIG record as received; its spans point into the message.
struct TsigRecord {
    TsigRecord() {}  // leaves key_name_wire unwritten, as Question does

    std::size_t offset = 0;  // the record's first byte (its owner name)
    std::array<char, 255> key_name_wire;  // owner, decompressed and lowercased
    std::uint8_t key_name_length = 0;
    std::span<const std::uint8_t> algorithm_name;  // as sent (never compressed, RFC 8945 section 4.2)
    std::optional<TsigAlgorithm> algorithm;        // nullopt: a name we do not know
    std::uint64_t time_signed = 0;                 // seconds since 1970, 48 bits
    std::uint16_t fudge = 0;
    std::span<const std::uint8_t> mac;
    std::uint16_t original_id = 0;
    std::uint16_t error = 0;
    std::span<const std::uint8_t> other_data;

    [[nodiscard]] std::string_view key_name() const { return {key_name_wire.data(), key_name_length}; }
};

// Parses the TSIG record at `offset` of `message` (Query::tsig_offset).
// nullopt when it is malformed or does not end exactly at the message's end.
// Never reads outside `message`.
[[nodiscard]] std::optional<TsigRecord> read_tsig(std::span<const std::uint8_t> message, std::size_t offset);

enum class TsigVerdict : std::uint8_t {
    ok,
    formerr,   // a MAC size no signer may send (section 5.2.2.1): FORMERR, no TSIG
    badkey,    // NOTAUTH with an unsigned TSIG (section 5.2.1)
    badsig,    // NOTAUTH with an unsigned TSIG (section 5.2.2)
    badtime,   // NOTAUTH, signed, our time in Other Data (section 5.2.3)
    badtrunc,  // NOTAUTH, signed (section 5.2.4)
};

// What verifying a request found, and what signing its response needs.
struct TsigCheck {
    TsigVerdict verdict = TsigVerdict::badkey;
    const TsigKey* key = nullptr;  // the key whose MAC matched (ok, badtime, badtrunc), else nullptr
    std::array<std::uint8_t, tsig_max_mac_size> request_mac_bytes{};
    std::uint8_t request_mac_size = 0;

    [[nodiscard]] std::span<const std::uint8_t> request_mac() const { return {request_mac_bytes.data(), request_mac_size}; }
};

// Verifies a request: key, then MAC, then time, then truncation (RFC 8945
// section 5.2). `record` is read_tsig's of this `message`; `key` the
// configured key named record.key_name(), or nullptr when there is none.
// `now_seconds`: the clock, seconds since 1970.
[[nodiscard]] TsigCheck verify_tsig(std::span<const std::uint8_t> message, const TsigRecord& record,
                                    const TsigKey* key, std::uint64_t now_seconds);

// Signs the message of `length` bytes at the start of `buffer` in place:
// appends a TSIG record, adds it to ARCOUNT, returns the new length, or 0
// when it does not fit (the message is then left as it was). `request_mac`:
// empty to sign a request (a NOTIFY we send), the request's MAC to sign a
// response (for a stream of messages, TsigStreamSigner). `error`: the TSIG
// error of a signed error response, else 0.
[[nodiscard]] std::size_t sign_tsig(std::span<std::uint8_t> buffer, std::size_t length, const TsigKey& key,
                                    std::span<const std::uint8_t> request_mac, std::uint16_t error,
                                    std::uint64_t now_seconds);

// Finishes the error response to a request whose check failed with BADKEY,
// BADSIG, BADTIME or BADTRUNC (RFC 8945 section 5.3.2): sets RCODE NOTAUTH
// and appends the TSIG record, unsigned (empty MAC) for BADKEY and BADSIG,
// signed for BADTIME (the request's time signed, ours in Other Data) and
// BADTRUNC. Returns the new length, or 0 when it does not fit. Any other
// verdict aborts: ok wants sign_tsig, formerr no TSIG at all. `request`
// points into the query, which must not share `buffer`.
[[nodiscard]] std::size_t append_tsig_error(std::span<std::uint8_t> buffer, std::size_t length, const TsigRecord& request,
                                            const TsigCheck& check, std::uint64_t now_seconds);

// The most bytes a TSIG record signed with `key` adds to a message, so a
// writer can keep room for it. (An unsigned BADKEY or BADSIG record repeats
// the request's names instead, up to 2 x 255 bytes with no MAC.)
[[nodiscard]] std::size_t tsig_record_size(const TsigKey& key);

// Signs each message of a multi-message response (AXFR, IXFR; RFC 8945
// section 5.3.1): the first with the request's MAC, each next one with the
// MAC of the one before and only the timers. We sign every message, the
// simplest form the RFC allows.
class TsigStreamSigner {
public:
    TsigStreamSigner(const TsigKey& key, std::span<const std::uint8_t> request_mac);

    // As sign_tsig, for the next message of the stream.
    [[nodiscard]] std::size_t sign_next(std::span<std::uint8_t> buffer, std::size_t length, std::uint64_t now_seconds);

private:
    const TsigKey& key_;
    std::array<std::uint8_t, tsig_max_mac_size> prior_mac_{};
    std::uint8_t prior_mac_size_ = 0;
    bool first_ = true;
};

// Verifies a multi-message response we receive (a transfer as secondary):
// the first message must be signed and is checked against our request's
// MAC; each later one may be unsigned, up to 99 in a row, and the next
// signed one covers them all (RFC 8945 section 5.3.1). The stream is
// complete only when its last message was signed (last_was_signed()).
class TsigStreamVerifier {
public:
    TsigStreamVerifier(const TsigKey& key, std::span<const std::uint8_t> request_mac);
    ~TsigStreamVerifier();

    // `tsig_offset`: where the message's TSIG record starts, 0 when it has
    // none. After anything but ok the stream is to be abandoned.
    [[nodiscard]] TsigVerdict verify_next(std::span<const std::uint8_t> message, std::size_t tsig_offset,
                                          std::uint64_t now_seconds);
    [[nodiscard]] bool last_was_signed() const { return unsigned_in_a_row_ == 0 && !first_; }

private:
    struct Pending;  // the HMAC running over unsigned messages
    const TsigKey& key_;
    std::array<std::uint8_t, tsig_max_mac_size> prior_mac_{};
    std::uint8_t prior_mac_size_ = 0;
    bool first_ = true;
    unsigned unsigned_in_a_row_ = 0;
    std::unique_ptr<Pending> pending_;
};

}  // namespace azdns
