// What a client checks of a response before trusting it (the answer to an
// SOA query, each message of a zone transfer): the header, the question, the
// answer section's SOA, and where the TSIG record is. Every record is walked,
// so a response that reads here is well framed; what the records say is the
// caller's to judge (lib/transfer reads a transfer's records).
#pragma once

#include <cstdint>
#include <optional>
#include <span>

#include "query_reader.hpp"

namespace azdns {

struct ResponseOutline {
    std::uint16_t id = 0;
    std::uint8_t opcode = 0;
    bool authoritative = false;  // AA
    bool truncated = false;      // TC
    std::uint8_t rcode = 0;      // the header's 4 bits: a TSIG error comes as NOTAUTH
    bool has_question = false;   // AXFR messages after the first may have none (RFC 5936 section 2.2.1)
    Question question;
    // The SERIAL of the first answer-section SOA owned by the question's
    // name (class IN); nullopt when there is none.
    std::optional<std::uint32_t> answer_soa_serial;
    // Where the TSIG record starts (its owner), for read_tsig; 0 when unsigned.
    std::size_t tsig_offset = 0;
};

// Reads `message` into `out`. False when it is not a response (QR clear,
// shorter than a header), has more than one question, or is malformed: a
// record running past the end, bytes after the last record, a TSIG record
// that is not the last of the additional section. Never reads outside
// `message`; allocates nothing.
[[nodiscard]] bool read_response(std::span<const std::uint8_t> message, ResponseOutline& out);

}  // namespace azdns
