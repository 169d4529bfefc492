// Encodes one response message into a caller's buffer: header, the echoed
// question, whole RRsets with owner-name compression, and the OPT record.
// Every write is checked against a byte limit *before* anything is written,
// so an RRset lands whole or not at all and nothing is ever written past the
// final length. Fixed-size tables only: no allocation.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

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

class MessageWriter {
public:
    // `buffer` receives the message; nothing at or past `limit` is written.
    MessageWriter(std::span<std::uint8_t> buffer, std::size_t limit);

    // Lowers the limit for the sections, keeping `bytes` for what must still
    // follow them (the OPT record).
    void reserve(std::size_t bytes) { reserved_ = bytes; }
    void release() { reserved_ = 0; }

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

    // One synthesised record (CH TXT): RDATA without its length.
    [[nodiscard]] bool write_record(Section section, NameRef owner, std::uint16_t type, std::uint16_t rr_class,
                                    std::uint32_t ttl, std::span<const std::uint8_t> rdata);

    // OPT: our payload size, extended RCODE high bits, DO, optional NSID.
    [[nodiscard]] bool write_opt(std::uint16_t udp_size, std::uint8_t extended_rcode, bool dnssec_ok,
                                 std::span<const std::uint8_t> nsid);
    [[nodiscard]] static std::size_t opt_size(std::size_t nsid_length) { return 11 + (nsid_length ? 4 + nsid_length : 0); }

    [[nodiscard]] std::size_t size() const { return size_; }

private:
    struct OwnerPlan {
        std::size_t prefix = 0;          // bytes of labels written as they are
        std::int32_t pointer = -1;       // then a pointer to here, or the root byte
        [[nodiscard]] std::size_t bytes() const { return prefix + (pointer >= 0 ? 2 : 0); }
    };

    [[nodiscard]] std::size_t available() const;
    [[nodiscard]] OwnerPlan plan_owner(NameRef owner) const;
    // Writes the owner; returns where it starts (for the RRset's later RRs).
    std::size_t write_owner(NameRef owner, const OwnerPlan& plan);
    void remember_labels(std::size_t offset);
    void remember_rdata_name(std::uint16_t type, std::size_t rdata_offset, std::size_t rdata_length);
    [[nodiscard]] bool message_name_equals(std::size_t offset, const std::uint8_t* name) const;
    void put16(std::uint16_t value);
    void put32(std::uint32_t value);
    void count(Section section);

    static constexpr std::size_t max_targets = 96;
    static constexpr std::size_t header_bytes = header_size;

    std::span<std::uint8_t> buffer_;
    std::size_t limit_;
    std::size_t reserved_ = 0;
    std::size_t size_ = 0;
    std::array<std::uint16_t, 4> counts_{};  // qd, an, ns, ar
    // Offsets of uncompressed label starts; only the first target_count_ are
    // set (not zeroed per message: the writer lives on every query's stack).
    std::array<std::uint16_t, max_targets> targets_;
    std::size_t target_count_ = 0;
};

}  // namespace azdns
