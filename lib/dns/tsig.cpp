#include "tsig.hpp"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>

#include "ascii.hpp"
#include "owned_by.hpp"
#include "query_reader.hpp"
#include "rr_type.hpp"
#include "wire_integers.hpp"
#include "wire_names.hpp"

namespace azdns {

namespace {

using namespace std::string_view_literals;

struct AlgorithmSpec {
    std::string_view text;  // as a config names it
    std::string_view wire;  // as TSIG names it: a domain name, lowercase (RFC 8945 section 6)
    const char* digest;     // OpenSSL's name for the hash
    std::size_t mac_size;
};

// Indexed by TsigAlgorithm.
constexpr AlgorithmSpec algorithm_specs[] = {
    {"hmac-sha256", "\013hmac-sha256\0"sv, "SHA256", 32},
    {"hmac-sha512", "\013hmac-sha512\0"sv, "SHA512", 64},
};

const AlgorithmSpec& spec_of(TsigAlgorithm algorithm) { return algorithm_specs[static_cast<std::size_t>(algorithm)]; }

std::span<const std::uint8_t> bytes_of(std::string_view text) {
    return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}

// The fixed part of a TSIG record after its owner: type, class, TTL,
// RDLENGTH; then the RDATA's fields around the algorithm name, the MAC and
// Other Data (RFC 8945 section 4.2).
constexpr std::size_t fixed_rr_fields = 10;
constexpr std::size_t fixed_rdata_fields = 6 + 2 + 2 + 2 + 2 + 2;
constexpr std::size_t badtime_other_size = 6;

// What a TSIG record says besides its owner, algorithm and MAC.
struct TsigFields {
    std::uint64_t time_signed = 0;
    std::uint16_t fudge = tsig_fudge;
    std::uint16_t error = 0;
    std::span<const std::uint8_t> other_data{};
};

// What the MAC covers after the message (RFC 8945 sections 4.3.3 and 5.3.1):
// all TSIG variables, or for the later messages of a stream only the timers.
enum class Covers : std::uint8_t { all_variables, timers_only };

using Mac = std::array<std::uint8_t, tsig_max_mac_size>;

// One HMAC computation with a key. OpenSSL fails here only without memory
// (or with an empty secret, which the config refuses); the caller then
// treats the MAC as wrong, or the message as unsigned.
class Hmac {
public:
    explicit Hmac(const TsigKey& key) {
        // Fetched once: a fetch looks the algorithm up in the provider tables.
        static EVP_MAC* const hmac = EVP_MAC_fetch(nullptr, OSSL_MAC_NAME_HMAC, nullptr);
        if (hmac != nullptr) context_.reset(EVP_MAC_CTX_new(hmac));
        OSSL_PARAM params[] = {
            OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, const_cast<char*>(spec_of(key.algorithm).digest), 0),
            OSSL_PARAM_construct_end()};
        ok_ = context_ && EVP_MAC_init(context_.get(), key.secret.data(), key.secret.size(), params) == 1;
    }

    void add(std::span<const std::uint8_t> bytes) {
        ok_ = ok_ && EVP_MAC_update(context_.get(), bytes.data(), bytes.size()) == 1;
    }

    void add_u16(std::uint16_t value) {
        std::uint8_t bytes[2];
        write_u16(bytes, value);
        add(bytes);
    }

    // A MAC before the message: the request's in a response, the prior
    // message's in a stream; nothing in a request.
    void add_prior_mac(std::span<const std::uint8_t> mac) {
        if (mac.empty()) return;
        add_u16(static_cast<std::uint16_t>(mac.size()));
        add(mac);
    }

    // The message as it was before its TSIG record was added: ID restored
    // to the Original ID, ARCOUNT without the TSIG (RFC 8945 section 4.3.2).
    void add_message(std::span<const std::uint8_t> message, std::uint16_t original_id, std::uint16_t arcount) {
        std::uint8_t header[header_size];
        std::memcpy(header, message.data(), header_size);
        write_u16(&header[0], original_id);
        write_u16(&header[10], arcount);
        add(header);
        add(message.subspan(header_size));
    }

    void add_variables(std::string_view key_name, std::string_view algorithm_wire, const TsigFields& fields,
                       Covers covers) {
        std::uint8_t timers[8];
        write_u48(&timers[0], fields.time_signed);
        write_u16(&timers[6], fields.fudge);
        if (covers == Covers::timers_only) {
            add(timers);
            return;
        }
        add(bytes_of(key_name));
        add_u16(rr_class::any);
        const std::uint8_t zero_ttl[4] = {};
        add(zero_ttl);
        add(bytes_of(algorithm_wire));
        add(timers);
        add_u16(fields.error);
        add_u16(static_cast<std::uint16_t>(fields.other_data.size()));
        add(fields.other_data);
    }

    // The MAC's size, 0 when OpenSSL failed.
    [[nodiscard]] std::size_t finish(Mac& mac) {
        std::size_t size = 0;
        if (!ok_ || EVP_MAC_final(context_.get(), mac.data(), &size, mac.size()) != 1) return 0;
        return size;
    }

private:
    OwnedBy<EVP_MAC_CTX, EVP_MAC_CTX_free> context_;
    bool ok_ = false;
};

// Writes a TSIG record at `out`, which has room for it; returns its size.
std::size_t write_tsig_record(std::uint8_t* out, std::string_view owner, std::span<const std::uint8_t> algorithm_wire,
                              const TsigFields& fields, std::span<const std::uint8_t> mac, std::uint16_t original_id) {
    std::uint8_t* p = out;
    auto put = [&p](std::span<const std::uint8_t> bytes) {
        if (bytes.empty()) return;  // an empty span's data() may be null, which memcpy may not take
        std::memcpy(p, bytes.data(), bytes.size());
        p += bytes.size();
    };
    auto put16 = [&p](std::uint16_t value) {
        write_u16(p, value);
        p += 2;
    };
    std::size_t rdlength = algorithm_wire.size() + fixed_rdata_fields + mac.size() + fields.other_data.size();
    put(bytes_of(owner));
    put16(rr_type::tsig);
    put16(rr_class::any);
    write_u32(p, 0);
    p += 4;
    put16(static_cast<std::uint16_t>(rdlength));
    put(algorithm_wire);
    write_u48(p, fields.time_signed);
    p += 6;
    put16(fields.fudge);
    put16(static_cast<std::uint16_t>(mac.size()));
    put(mac);
    put16(original_id);
    put16(fields.error);
    put16(static_cast<std::uint16_t>(fields.other_data.size()));
    put(fields.other_data);
    return static_cast<std::size_t>(p - out);
}

std::size_t record_size(std::size_t owner, std::size_t algorithm, std::size_t mac, std::size_t other) {
    return owner + fixed_rr_fields + algorithm + fixed_rdata_fields + mac + other;
}

// Appends a TSIG record carrying `mac` to the message and counts it in
// ARCOUNT (an empty `mac`: unsigned, for BADKEY and BADSIG). Returns the new
// length, 0 when it does not fit.
std::size_t append_record(std::span<std::uint8_t> buffer, std::size_t length, std::string_view owner,
                          std::span<const std::uint8_t> algorithm_wire, const TsigFields& fields,
                          std::span<const std::uint8_t> mac) {
    if (length < header_size || length > buffer.size()) return 0;
    std::uint16_t arcount = read_u16(&buffer[10]);
    std::size_t size = record_size(owner.size(), algorithm_wire.size(), mac.size(), fields.other_data.size());
    if (arcount == 0xFFFF || size > buffer.size() - length || length + size > 65535) return 0;
    write_tsig_record(&buffer[length], owner, algorithm_wire, fields, mac, read_u16(&buffer[0]));
    write_u16(&buffer[10], static_cast<std::uint16_t>(arcount + 1));
    return length + size;
}

// Signs and appends: the MAC covers `prior_mac`, the message as it stands
// and the variables `covers` names. `mac_out` gets the new MAC.
std::size_t append_signed(std::span<std::uint8_t> buffer, std::size_t length, const TsigKey& key,
                          std::span<const std::uint8_t> prior_mac, Covers covers, const TsigFields& fields,
                          Mac& mac_out, std::size_t& mac_size_out) {
    if (length < header_size || length > buffer.size()) return 0;
    const AlgorithmSpec& spec = spec_of(key.algorithm);
    std::span<const std::uint8_t> message = buffer.first(length);
    Hmac hmac(key);
    hmac.add_prior_mac(prior_mac);
    hmac.add_message(message, read_u16(&message[0]), read_u16(&message[10]));
    hmac.add_variables(key.name, spec.wire, fields, covers);
    mac_size_out = hmac.finish(mac_out);
    if (mac_size_out == 0) return 0;
    return append_record(buffer, length, key.name, bytes_of(spec.wire), fields, {mac_out.data(), mac_size_out});
}

// RFC 8945 section 5.2.2.1: a MAC longer than the hash, or shorter than 10
// bytes or than half the hash, is malformed; any other one shorter than the
// hash is a truncation, which our policy refuses (BADTRUNC).
std::optional<TsigVerdict> judge_mac_size(std::size_t size, std::size_t full) {
    if (size > full || size < std::max<std::size_t>(10, full / 2)) return TsigVerdict::formerr;
    if (size < full) return TsigVerdict::badtrunc;
    return std::nullopt;
}

bool time_within_fudge(const TsigRecord& record, std::uint64_t now) {
    std::uint64_t skew = now > record.time_signed ? now - record.time_signed : record.time_signed - now;
    return skew <= record.fudge;
}

bool macs_equal(std::span<const std::uint8_t> received, const Mac& computed, std::size_t computed_size) {
    // Constant time: how much of a forged MAC matched must not show.
    return computed_size >= received.size() && CRYPTO_memcmp(received.data(), computed.data(), received.size()) == 0;
}

// Reads a possibly compressed name at `pos` into `out`, lowercased, and
// moves `pos` past it.
bool read_owner(std::span<const std::uint8_t> message, std::size_t& pos, TsigRecord& out) {
    std::size_t length = 0;
    if (!read_name(message, pos, out.key_name_wire, length)) return false;
    for (std::size_t i = 0; i < length; ++i) out.key_name_wire[i] = ascii_lower(out.key_name_wire[i]);
    out.key_name_length = static_cast<std::uint8_t>(length);
    return true;
}

// The algorithm name: never compressed, so it must end inside the RDATA.
std::optional<std::span<const std::uint8_t>> read_algorithm_name(std::span<const std::uint8_t> rdata) {
    std::size_t at = 0;
    while (true) {
        if (at >= rdata.size() || rdata[at] > 63) return std::nullopt;
        std::uint8_t label = rdata[at];
        at += 1u + label;
        if (at > 255) return std::nullopt;
        if (label == 0) return rdata.first(at);
    }
}

std::optional<TsigAlgorithm> algorithm_of_wire(std::span<const std::uint8_t> name) {
    std::string_view text(reinterpret_cast<const char*>(name.data()), name.size());
    for (std::size_t i = 0; i < std::size(algorithm_specs); ++i) {
        if (ascii_iequals(text, algorithm_specs[i].wire)) return static_cast<TsigAlgorithm>(i);
    }
    return std::nullopt;
}

}  // namespace

std::optional<TsigAlgorithm> tsig_algorithm_from_name(std::string_view text) {
    for (std::size_t i = 0; i < std::size(algorithm_specs); ++i) {
        if (ascii_iequals(text, algorithm_specs[i].text)) return static_cast<TsigAlgorithm>(i);
    }
    return std::nullopt;
}

std::string_view tsig_algorithm_name(TsigAlgorithm algorithm) { return spec_of(algorithm).text; }

std::optional<TsigRecord> read_tsig(std::span<const std::uint8_t> message, std::size_t offset) {
    TsigRecord record;
    record.offset = offset;
    std::size_t pos = offset;
    if (offset < header_size || !read_owner(message, pos, record)) return std::nullopt;
    if (message.size() - pos < fixed_rr_fields) return std::nullopt;
    const std::uint8_t* fixed = &message[pos];
    if (read_u16(fixed) != rr_type::tsig || read_u16(fixed + 2) != rr_class::any || read_u32(fixed + 4) != 0) {
        return std::nullopt;
    }
    std::size_t rdlength = read_u16(fixed + 8);
    pos += fixed_rr_fields;
    if (message.size() - pos != rdlength) return std::nullopt;  // the last record, ending the message
    std::span<const std::uint8_t> rdata = message.subspan(pos, rdlength);

    auto algorithm_name = read_algorithm_name(rdata);
    if (!algorithm_name) return std::nullopt;
    record.algorithm_name = *algorithm_name;
    record.algorithm = algorithm_of_wire(*algorithm_name);
    std::size_t at = algorithm_name->size();
    auto has = [&](std::size_t bytes) { return rdata.size() - at >= bytes; };
    if (!has(10)) return std::nullopt;
    record.time_signed = read_u48(&rdata[at]);
    record.fudge = read_u16(&rdata[at + 6]);
    std::size_t mac_size = read_u16(&rdata[at + 8]);
    at += 10;
    if (!has(mac_size + 6)) return std::nullopt;
    record.mac = rdata.subspan(at, mac_size);
    at += mac_size;
    record.original_id = read_u16(&rdata[at]);
    record.error = read_u16(&rdata[at + 2]);
    std::size_t other_size = read_u16(&rdata[at + 4]);
    at += 6;
    if (rdata.size() - at != other_size) return std::nullopt;
    record.other_data = rdata.subspan(at, other_size);
    return record;
}

TsigCheck verify_tsig(std::span<const std::uint8_t> message, const TsigRecord& record, const TsigKey* key,
                      std::uint64_t now_seconds) {
    TsigCheck check;
    if (key == nullptr || record.algorithm != key->algorithm || record.key_name() != key->name) {
        check.verdict = TsigVerdict::badkey;
        return check;
    }
    const AlgorithmSpec& spec = spec_of(key->algorithm);
    auto size_verdict = judge_mac_size(record.mac.size(), spec.mac_size);
    if (size_verdict == TsigVerdict::formerr) {
        check.verdict = TsigVerdict::formerr;
        return check;
    }
    Hmac hmac(*key);
    hmac.add_message(message.first(record.offset), record.original_id,
                     static_cast<std::uint16_t>(read_u16(&message[10]) - 1));
    hmac.add_variables(key->name, spec.wire,
                       {.time_signed = record.time_signed, .fudge = record.fudge, .error = record.error,
                        .other_data = record.other_data},
                       Covers::all_variables);
    Mac computed;
    std::size_t computed_size = hmac.finish(computed);
    if (!macs_equal(record.mac, computed, computed_size)) {
        check.verdict = TsigVerdict::badsig;
        return check;
    }
    check.key = key;
    std::copy(record.mac.begin(), record.mac.end(), check.request_mac_bytes.begin());
    check.request_mac_size = static_cast<std::uint8_t>(record.mac.size());
    if (!time_within_fudge(record, now_seconds)) {
        check.verdict = TsigVerdict::badtime;
    } else {
        check.verdict = size_verdict.value_or(TsigVerdict::ok);
    }
    return check;
}

std::size_t sign_tsig(std::span<std::uint8_t> buffer, std::size_t length, const TsigKey& key,
                      std::span<const std::uint8_t> request_mac, std::uint16_t error, std::uint64_t now_seconds) {
    Mac mac;
    std::size_t mac_size = 0;
    return append_signed(buffer, length, key, request_mac, Covers::all_variables,
                         {.time_signed = now_seconds, .error = error}, mac, mac_size);
}

std::size_t append_tsig_error(std::span<std::uint8_t> buffer, std::size_t length, const TsigRecord& request,
                              const TsigCheck& check, std::uint64_t now_seconds) {
    if (length < header_size || length > buffer.size()) return 0;
    buffer[3] = static_cast<std::uint8_t>((buffer[3] & 0xF0) | rcode::notauth);
    switch (check.verdict) {
        case TsigVerdict::badkey:
        case TsigVerdict::badsig:
            // Unsigned: we cannot, or must not, sign with what the client
            // claims (RFC 8945 section 5.3.2).
            return append_record(buffer, length, request.key_name(), request.algorithm_name,
                                 {.time_signed = now_seconds,
                                  .error = check.verdict == TsigVerdict::badkey ? tsig_error::badkey : tsig_error::badsig},
                                 {});
        case TsigVerdict::badtime: {
            // The request's time, and ours in Other Data, so the client
            // can see the skew (RFC 8945 section 5.2.3; as BIND and Knot).
            std::uint8_t our_time[badtime_other_size];
            write_u48(our_time, now_seconds);
            Mac mac;
            std::size_t mac_size = 0;
            return append_signed(buffer, length, *check.key, check.request_mac(), Covers::all_variables,
                                 {.time_signed = request.time_signed, .error = tsig_error::badtime, .other_data = our_time},
                                 mac, mac_size);
        }
        case TsigVerdict::badtrunc:
            return sign_tsig(buffer, length, *check.key, check.request_mac(), tsig_error::badtrunc, now_seconds);
        case TsigVerdict::ok:
        case TsigVerdict::formerr:
            break;
    }
    std::abort();  // a caller's mistake: ok needs sign_tsig, formerr no TSIG at all
}

std::size_t tsig_record_size(const TsigKey& key) {
    const AlgorithmSpec& spec = spec_of(key.algorithm);
    return record_size(key.name.size(), spec.wire.size(), spec.mac_size, badtime_other_size);
}

TsigStreamSigner::TsigStreamSigner(const TsigKey& key, std::span<const std::uint8_t> request_mac) : key_(key) {
    if (request_mac.size() > tsig_max_mac_size) std::abort();  // not a MAC we verified
    std::copy(request_mac.begin(), request_mac.end(), prior_mac_.begin());
    prior_mac_size_ = static_cast<std::uint8_t>(request_mac.size());
}

std::size_t TsigStreamSigner::sign_next(std::span<std::uint8_t> buffer, std::size_t length, std::uint64_t now_seconds) {
    Mac mac;
    std::size_t mac_size = 0;
    std::size_t signed_length =
        append_signed(buffer, length, key_, {prior_mac_.data(), prior_mac_size_},
                      first_ ? Covers::all_variables : Covers::timers_only, {.time_signed = now_seconds}, mac, mac_size);
    if (signed_length == 0) return 0;
    first_ = false;
    prior_mac_ = mac;
    prior_mac_size_ = static_cast<std::uint8_t>(mac_size);
    return signed_length;
}

struct TsigStreamVerifier::Pending {
    explicit Pending(const TsigKey& key) : hmac(key) {}
    Hmac hmac;
};

TsigStreamVerifier::TsigStreamVerifier(const TsigKey& key, std::span<const std::uint8_t> request_mac) : key_(key) {
    if (request_mac.size() > tsig_max_mac_size) std::abort();  // not a MAC we made
    std::copy(request_mac.begin(), request_mac.end(), prior_mac_.begin());
    prior_mac_size_ = static_cast<std::uint8_t>(request_mac.size());
}

TsigStreamVerifier::~TsigStreamVerifier() = default;

TsigVerdict TsigStreamVerifier::verify_next(std::span<const std::uint8_t> message, std::size_t tsig_offset,
                                            std::uint64_t now_seconds) {
    // RFC 8945 section 5.3.1: at most 99 unsigned messages in a row, and
    // never the first.
    constexpr unsigned most_unsigned_in_a_row = 99;
    if (!pending_) {
        pending_ = std::make_unique<Pending>(key_);
        pending_->hmac.add_prior_mac({prior_mac_.data(), prior_mac_size_});
    }
    if (tsig_offset == 0) {
        if (first_ || unsigned_in_a_row_ == most_unsigned_in_a_row || message.size() < header_size) {
            return TsigVerdict::badsig;
        }
        pending_->hmac.add(message);
        ++unsigned_in_a_row_;
        return TsigVerdict::ok;
    }
    auto record = read_tsig(message, tsig_offset);
    if (!record) return TsigVerdict::formerr;
    if (record->algorithm != key_.algorithm || record->key_name() != key_.name) return TsigVerdict::badkey;
    const AlgorithmSpec& spec = spec_of(key_.algorithm);
    auto size_verdict = judge_mac_size(record->mac.size(), spec.mac_size);
    if (size_verdict) return *size_verdict;
    Hmac& hmac = pending_->hmac;
    hmac.add_message(message.first(tsig_offset), record->original_id,
                     static_cast<std::uint16_t>(read_u16(&message[10]) - 1));
    hmac.add_variables(key_.name, spec.wire,
                       {.time_signed = record->time_signed, .fudge = record->fudge, .error = record->error,
                        .other_data = record->other_data},
                       first_ ? Covers::all_variables : Covers::timers_only);
    Mac computed;
    std::size_t computed_size = hmac.finish(computed);
    pending_.reset();
    if (!macs_equal(record->mac, computed, computed_size)) return TsigVerdict::badsig;
    if (!time_within_fudge(*record, now_seconds)) return TsigVerdict::badtime;
    std::copy(record->mac.begin(), record->mac.end(), prior_mac_.begin());
    prior_mac_size_ = static_cast<std::uint8_t>(record->mac.size());
    first_ = false;
    unsigned_in_a_row_ = 0;
    return TsigVerdict::ok;
}

}  // namespace azdns
