// Reading a zone transfer IN, as a secondary: the response messages of an
// AXFR (RFC 5936) or IXFR (RFC 1995) query, one at a time, strictly checked,
// into the whole zone as ZoneRecords (what the zone-file reader makes, so
// build_zone's checks apply unchanged) or an IXFR's steps (ixfr_apply.hpp).
// Pure: the caller does the socket, the TSIG (last_tsig_offset) and the clock.
//
// Every message: the query's ID, QR=1, opcode QUERY, TC=0, RCODE NOERROR
// (else that rcode is the error); a question, when present (the first
// message must have one), equal to the one asked; at least one answer
// record. Every answer record: class IN, an owner at or below the origin,
// not a meta type; names in RDATA decompressed for the types rdata_names.hpp
// knows (only RFC 1035 types may be compressed, RFC 3597 section 4), A of 4
// bytes and AAAA of 16, other RDATA kept as bytes, so a record reads as the
// zone file's reader stores it (owner lowercased, RDATA names uncompressed
// in the case sent). Authority and additional records are walked, not read;
// a TSIG must be the last.
//
// The answer records' shape:
// - AXFR: the zone's SOA, every other record, the same SOA again (the end);
// - IXFR: the SOA alone (up to date); the SOA, then per step the old SOA,
//   the records removed, the new SOA, the records added, then the first SOA
//   again (incremental); or the SOA and a non-SOA record: AXFR's shape.
// Each record's SourceLocation: file "AXFR from PRIMARY" (or IXFR), line
// the message's number, column the record's number in it (both from 1).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "diagnostics.hpp"
#include "load_limits.hpp"
#include "rr_type.hpp"
#include "zone_record.hpp"

namespace azdns {

// What was asked, so that the response can be held to it.
struct TransferQuestion {
    std::string origin;                    // the zone, canonical wire form
    std::uint16_t id = 0;                  // the query's ID
    std::uint16_t qtype = rr_type::axfr;   // or rr_type::ixfr
    std::string primary;                   // "198.51.100.1:53": where the records came from
};

// No primary makes a transfer grow without bound: records read, and bytes
// (the messages received, and the records as held uncompressed, each).
struct TransferReadLimits {
    std::uint64_t max_records = default_max_zone_records;  // server.max_zone_records
    std::uint64_t max_bytes = default_max_zone_size;  // server.max_zone_size
};

// One IXFR step (RFC 1995 section 4): `removed` starts with the old SOA,
// `added` with the new one.
struct IxfrStep {
    ZoneRecords removed;
    ZoneRecords added;
};

// What a complete transfer holds.
struct TransferContent {
    enum class Kind : std::uint8_t { axfr, incremental, up_to_date };
    Kind kind = Kind::axfr;
    std::uint32_t serial = 0;     // of the primary's SOA (its first record)
    ZoneRecords zone;             // axfr: every record, the SOA once, first
    std::vector<IxfrStep> steps;  // incremental: oldest first
    std::string error;            // set when the transfer is unusable; the rest is then empty
};

// SERIAL of a SOA's uncompressed RDATA: the five numbers are its last 20
// bytes. nullopt when it is shorter.
[[nodiscard]] std::optional<std::uint32_t> soa_rdata_serial(std::string_view rdata);

class TransferReader {
public:
    explicit TransferReader(TransferQuestion question, TransferReadLimits limits = {});

    // Reads the next message. False when it breaks a rule above, or comes
    // after the end, or the reader failed before: error() says why, and the
    // transfer is to be abandoned (a secondary keeps the version it serves).
    [[nodiscard]] bool add_message(std::span<const std::uint8_t> message);

    // The closing SOA was read (or the single SOA of an up-to-date IXFR).
    [[nodiscard]] bool complete() const { return state_ == State::done; }
    [[nodiscard]] bool failed() const { return !error_.empty(); }
    [[nodiscard]] const std::string& error() const { return error_; }

    // Where the last message's TSIG record starts, 0 when it has none (for
    // TsigStreamVerifier::verify_next).
    [[nodiscard]] std::size_t last_tsig_offset() const { return tsig_offset_; }

    // The transfer's content; an error when it failed or is not complete
    // (the stream ended before its closing SOA). Leaves the reader empty.
    [[nodiscard]] TransferContent finish();

private:
    enum class State : std::uint8_t { first_soa, ixfr_shape, axfr_records, ixfr_removed, ixfr_added, done };

    // One answer record, its names decompressed into the reader's buffers.
    struct Record {
        std::string_view owner;  // canonical
        std::uint16_t type = 0;
        std::uint16_t rclass = 0;
        std::uint32_t ttl = 0;
        std::string_view rdata;
    };

    bool read_header(std::span<const std::uint8_t> message, std::size_t& pos);
    bool read_question(std::span<const std::uint8_t> message, std::size_t& pos);
    bool read_answer(std::span<const std::uint8_t> message, std::size_t& pos, std::size_t number);
    bool read_rdata(std::span<const std::uint8_t> message, std::size_t at, std::size_t length, std::uint16_t type);
    bool walk_other_sections(std::span<const std::uint8_t> message, std::size_t& pos, std::size_t authority,
                             std::size_t additional);
    bool take(const Record& record, const SourceLocation& where);
    bool fail(std::string reason);
    bool fail_record(std::size_t number, std::string reason);

    TransferQuestion question_;
    TransferReadLimits limits_;
    FileName source_;  // "AXFR from PRIMARY"
    State state_ = State::first_soa;
    std::string error_;
    std::size_t messages_ = 0;
    std::size_t records_ = 0;
    std::uint64_t bytes_received_ = 0;
    std::uint64_t bytes_held_ = 0;
    std::size_t tsig_offset_ = 0;
    std::string first_soa_;  // its RDATA: the closing SOA must equal it
    TransferContent content_;
    // Reused per record: the owner as sent, then lowercased; the RDATA decompressed.
    std::array<char, 255> name_{};
    std::string owner_;
    std::string rdata_;
};

}  // namespace azdns
