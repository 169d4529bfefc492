// The two messages of a NOTIFY exchange (RFC 1996) as bytes: the query the
// primary sends and the secondary's reply, read just far enough to match it
// to the query it answers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace azdns {


// A NOTIFY query: opcode NOTIFY, AA set, one question (origin SOA IN) and
// nothing else (RFC 1996 section 3.7: the SOA in the answer section is
// optional, and a secondary queries the primary for it anyway). Returns the
// length written; 0 when `buffer` is too small.
[[nodiscard]] std::size_t write_notify_query(std::span<std::uint8_t> buffer, std::uint16_t id,
                                             std::string_view origin_wire);

struct NotifyReply {
    std::uint16_t id = 0;
    std::uint8_t rcode = 0;  // the header's 4 bits: a TSIG error comes as NOTAUTH
    // The question's name in wire form, lowercased; empty when the reply
    // carries no question.
    std::string question;
};

// A datagram that is a reply to a NOTIFY (QR set, opcode NOTIFY); nullopt
// for anything else, including a question the reader cannot walk.
[[nodiscard]] std::optional<NotifyReply> read_notify_reply(std::span<const std::uint8_t> datagram);


}  // namespace azdns
