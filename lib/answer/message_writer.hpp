// Encodes one response message into a caller's buffer: header, the echoed
// question, whole RRsets with name compression (owners, and the names in
// the RDATA of the RFC 1035 types), and the OPT record. The size of every
// write is known *before* anything is written, so an RRset lands whole or
// not at all and nothing is ever written past the final length. Fixed-size
// tables only: no allocation.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "extended_error.hpp"
#include "name_compression.hpp"
#include "query_reader.hpp"
#include "zone.hpp"

namespace azdns {

enum class Section : std::uint8_t { answer, authority, additional };

// An owner name: either already in the message (a compression pointer to
// `packet_offset`, e.g. the question name or one of its suffixes, so the
// query's letter case is echoed) or an uncompressed wire name held elsewhere
// (zone data), compressed against what the message already holds.
struct NameRef {
    const std::uint8_t* wire = nullptr;  // uncompressed wire name, when packet_offset < 0
    std::int32_t packet_offset = -1;

    static NameRef in_message(std::size_t offset) { return {nullptr, static_cast<std::int32_t>(offset)}; }
    static NameRef from_wire(const std::uint8_t* name) { return {name, -1}; }
};

// Our OPT record (RFC 6891): what we offer and echo, and what we add.
struct OptRecord {
    std::uint16_t udp_size = 0;
    bool dnssec_ok = false;
    std::span<const std::uint8_t> nsid;  // RFC 5001; empty = none
    const ClientSubnet* client_subnet = nullptr;  // the query's, echoed (RFC 7871); nullptr = none
    std::span<const std::uint8_t> cookie;  // client and server cookie (RFC 7873); empty = none
};

class MessageWriter {
public:
    // `buffer` receives the message; nothing at or past `limit` is written.
    MessageWriter(std::span<std::uint8_t> buffer, std::size_t limit);

    // Header with zero counts. `flags` is the 16-bit flags word.
    void write_header(std::uint16_t id, std::uint16_t flags);
    void set_flags(std::uint16_t flags);
    // The question exactly as received; its name becomes a compression target.
    [[nodiscard]] bool write_question(std::span<const std::uint8_t> question_wire);

    // THE path for every zone RRset that enters a response, as planned
    // (health filtering already applied). Writes all RRs of `rrset` with TTL
    // `ttl`, or nothing when they do not fit; an empty RRset writes nothing
    // and succeeds.
    [[nodiscard]] bool emit_rrset(Section section, NameRef owner, const RRsetView& rrset, std::uint32_t ttl);

    // One synthesised record (CH TXT): RDATA without its length, written as is.
    [[nodiscard]] bool write_record(Section section, NameRef owner, std::uint16_t type, std::uint16_t rr_class,
                                    std::uint32_t ttl, std::span<const std::uint8_t> rdata);

    // The OPT goes last, but the sections must leave room for it: plan it
    // before writing them, then write it after them.
    void plan_opt(const OptRecord& opt);
    // Adds an Extended DNS Error (its text must outlive the writer) to the
    // planned OPT, when one is planned, has none yet, and the room left takes
    // it; false when it was not added. It never displaces an RRset: call it
    // before the sections.
    bool add_extended_error(const ExtendedError& error);
    // The SCOPE PREFIX-LENGTH the planned client subnet echo carries (0 until set).
    void set_client_subnet_scope(std::uint8_t bits) { client_subnet_scope_ = bits; }
    // The planned OPT with the extended RCODE's upper 8 bits; false when
    // none is planned or (a header and question filling the limit) it does not fit.
    [[nodiscard]] bool write_opt(std::uint8_t extended_rcode);

    [[nodiscard]] std::size_t size() const { return size_; }
    [[nodiscard]] std::uint16_t count(Section section) const { return counts_[1 + static_cast<std::size_t>(section)]; }

private:
    [[nodiscard]] std::size_t available() const;
    [[nodiscard]] std::size_t opt_size() const;
    template <bool write>
    std::size_t put_rrset(NameRef owner, std::size_t owner_length, const RRsetView& rrset, std::uint32_t ttl);
    void add_to_count(Section section, std::size_t records);
    void remember_question();

    static constexpr std::size_t header_bytes = header_size;

    std::span<std::uint8_t> buffer_;
    std::size_t limit_;
    std::size_t size_ = 0;
    std::size_t reserved_ = 0;  // kept for the planned OPT
    std::array<std::uint16_t, 4> counts_{};  // qd, an, ns, ar
    CompressionTable names_;
    const std::uint8_t* question_ = nullptr;  // its name, uncompressed, at offset 12
    std::size_t question_length_ = 0;
    bool question_remembered_ = false;
    bool opt_planned_ = false;
    OptRecord opt_;
    std::uint8_t client_subnet_scope_ = 0;
    bool has_extended_error_ = false;
    ExtendedError extended_error_;
};

}  // namespace azdns
