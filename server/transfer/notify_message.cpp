#include "notify_message.hpp"

#include <array>

#include "ascii.hpp"
#include "query_reader.hpp"
#include "rr_type.hpp"

namespace azdns {

namespace {

constexpr std::uint8_t flag_qr = 0x80;   // first flags byte
constexpr std::uint8_t flag_aa = 0x04;   // first flags byte
constexpr std::size_t question_tail = 4;  // type and class

void put16(std::span<std::uint8_t> buffer, std::size_t at, std::uint16_t value) {
    buffer[at] = static_cast<std::uint8_t>(value >> 8);
    buffer[at + 1] = static_cast<std::uint8_t>(value & 0xff);
}

std::uint16_t get16(std::span<const std::uint8_t> data, std::size_t at) {
    return static_cast<std::uint16_t>((data[at] << 8) | data[at + 1]);
}

}  // namespace

std::size_t write_notify_query(std::span<std::uint8_t> buffer, std::uint16_t id, std::string_view origin_wire) {
    const std::size_t length = header_size + origin_wire.size() + question_tail;
    if (buffer.size() < length) return 0;
    put16(buffer, 0, id);
    buffer[2] = static_cast<std::uint8_t>(opcode::notify << 3) | flag_aa;
    buffer[3] = 0;
    put16(buffer, 4, 1);  // QDCOUNT
    put16(buffer, 6, 0);
    put16(buffer, 8, 0);
    put16(buffer, 10, 0);
    std::size_t at = header_size;
    for (char c : origin_wire) buffer[at++] = static_cast<std::uint8_t>(c);
    put16(buffer, at, rr_type::soa);
    put16(buffer, at + 2, rr_class::in);
    return length;
}

std::optional<NotifyReply> read_notify_reply(std::span<const std::uint8_t> datagram) {
    if (datagram.size() < header_size) return std::nullopt;
    const std::uint8_t flags = datagram[2];
    if (!(flags & flag_qr) || ((flags >> 3) & 0x0f) != opcode::notify) return std::nullopt;
    NotifyReply reply;
    reply.id = get16(datagram, 0);
    reply.rcode = datagram[3] & 0x0f;
    if (get16(datagram, 4) == 0) return reply;
    // The first name of a message has nothing before it to point at: plain labels only.
    std::size_t at = header_size;
    while (true) {
        if (at >= datagram.size()) return std::nullopt;
        const std::uint8_t label = datagram[at];
        if (label > 63 || at + 1 + label > datagram.size()) return std::nullopt;
        reply.question.push_back(static_cast<char>(label));
        for (std::size_t i = 1; i <= label; ++i) reply.question.push_back(ascii_lower(static_cast<char>(datagram[at + i])));
        if (reply.question.size() > 255) return std::nullopt;
        at += 1 + label;
        if (label == 0) break;
    }
    return reply;
}


}  // namespace azdns
