// The DNS messages of one AXFR or IXFR response (RFC 5936, RFC 1995), made
// one at a time: the caller asks for the next message when it can send it,
// so a million-name transfer needs one message of memory, and signs each
// one (TSIG is appended after packing, in the room reserved for it).
//
// Each message: the query's ID, QR=1, AA=1, opcode QUERY, RD copied, rcode
// NOERROR; the question in the first message only (RFC 5936 section 2.2.1
// lets later ones have QDCOUNT 0); then answer RRs. Owner names end with the
// origin and are compressed against it: their own labels, then a pointer to
// the question's name (first message) or to the origin written once in full
// (later messages). RDATA goes as the zone holds it, uncompressed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "health_view.hpp"
#include "ixfr_journal.hpp"
#include "query_reader.hpp"
#include "transfer_records.hpp"
#include "zone.hpp"

namespace azdns {

struct TransferLimits {
    std::size_t max_message = 65535;  // bytes, the TCP maximum
    std::size_t tsig_reserve = 0;     // bytes left free in each message for the caller's TSIG RR
};

class TransferMessages {
public:
    // AXFR: SOA, every record of the view, SOA (`serial` in both).
    [[nodiscard]] static TransferMessages axfr(const Query& query, const Zone& zone, const HealthView* view,
                                               std::uint32_t serial, TransferLimits limits = {});

    // IXFR from the client's `client_serial` (RFC 1995 section 4):
    // - the same serial or a newer one: the single current SOA (section 2);
    // - the journal reaches back to it: the current SOA, then per step its
    //   old SOA, the records removed, its new SOA, the records added; then the
    //   current SOA again;
    // - otherwise the whole zone as AXFR sends it (section 4 lets the server
    //   answer so).
    // The journal's newest step must end at `serial`; it is read only here.
    [[nodiscard]] static TransferMessages ixfr(const Query& query, const Zone& zone, const HealthView* view,
                                               std::uint32_t serial, std::uint32_t client_serial,
                                               const IxfrJournal& journal, TransferLimits limits = {});

    // Writes the next message into `out` (`limits.max_message` bytes are
    // enough) and returns its length; 0 when the transfer is complete or
    // failed(). A record too big for a message with the TSIG reservation
    // goes alone in one of its own, up to the whole size.
    [[nodiscard]] std::size_t next_message(std::span<std::uint8_t> out);

    // A record that fits in no message at all: the transfer cannot be sent.
    [[nodiscard]] bool failed() const { return failed_; }

    enum class Kind : std::uint8_t { axfr, incremental, up_to_date };
    // What the response is (for logs and counters).
    [[nodiscard]] Kind kind() const { return kind_; }

private:
    // One part of the response: a single SOA, a list of records of a
    // journal step, or the whole view (its own SOA first).
    enum class PartKind : std::uint8_t { current_soa, step_from_soa, step_removed, step_to_soa, step_added, view };
    struct Part {
        PartKind kind;
        std::uint32_t step = 0;  // into chain_
    };

    TransferMessages(const Query& query, const Zone& zone, TransferLimits limits, std::uint32_t serial);
    void add_full_zone(const HealthView* view, std::uint32_t serial);

    // The records of a step's list part, or nullptr for other parts.
    [[nodiscard]] const TransferRecords* step_list(const Part& part) const;
    // The record to write next, or false at the end; advance() passes it.
    [[nodiscard]] bool current(TransferRecord& out) const;
    void advance();
    // Writes the owner compressed (see above); its length.
    std::size_t write_owner(std::string_view owner, std::uint8_t* at, std::size_t offset);
    [[nodiscard]] std::size_t owner_size(std::string_view owner) const;

    const Zone* zone_;
    TransferLimits limits_;
    SoaRecord current_soa_;
    std::uint16_t id_ = 0;
    bool recursion_desired_ = false;
    std::vector<std::uint8_t> question_;  // name, type and class as the client sent them
    bool question_is_origin_ = false;     // the question's name can be the origin's pointer target
    JournalChain chain_;
    std::unique_ptr<ViewRecords> view_records_;
    std::vector<Part> parts_;
    std::size_t part_ = 0;
    std::size_t record_ = 0;  // in a list part
    std::size_t origin_at_ = 0;  // in the message being written; 0 until the origin can be pointed at
    bool first_message_ = true;
    bool failed_ = false;
    Kind kind_ = Kind::axfr;
};

}  // namespace azdns
