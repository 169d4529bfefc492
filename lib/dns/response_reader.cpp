#include "response_reader.hpp"

#include <array>
#include <string_view>

#include "ascii.hpp"
#include "rr_type.hpp"
#include "wire_integers.hpp"
#include "wire_names.hpp"

namespace azdns {

namespace {

// The SERIAL of an SOA's RDATA (MNAME, RNAME, then five 32-bit fields), which
// ends at `end`; nullopt when it is not shaped so.
std::optional<std::uint32_t> soa_serial(std::span<const std::uint8_t> message, std::size_t rdata, std::size_t end) {
    const auto record = message.first(end);
    bool root = false;
    if (!skip_name(record, rdata, root) || !skip_name(record, rdata, root) || rdata + 20 != end) return std::nullopt;
    return read_u32(&message[rdata]);
}

}  // namespace

bool read_response(std::span<const std::uint8_t> message, ResponseOutline& out) {
    out = ResponseOutline{};
    if (message.size() < header_size || (message[2] & 0x80) == 0) return false;
    out.id = read_u16(&message[0]);
    out.opcode = static_cast<std::uint8_t>((message[2] >> 3) & 0x0F);
    out.authoritative = (message[2] & 0x04) != 0;
    out.truncated = (message[2] & 0x02) != 0;
    out.rcode = message[3] & 0x0F;
    const std::size_t questions = read_u16(&message[4]);
    const std::size_t answers = read_u16(&message[6]);
    const std::size_t authority = read_u16(&message[8]);
    const std::size_t additional = read_u16(&message[10]);
    if (questions > 1) return false;
    std::size_t pos = header_size;
    if (questions == 1) {
        if (!peek_question(message, out.question)) return false;
        out.has_question = true;
        pos += out.question.wire.size();
    }
    const std::size_t records = answers + authority + additional;
    for (std::size_t i = 0; i < records; ++i) {
        const std::size_t start = pos;
        std::array<char, 255> owner;
        std::size_t owner_length = 0;
        if (!read_name(message, pos, owner, owner_length) || message.size() - pos < 10) return false;
        const std::uint16_t type = read_u16(&message[pos]);
        const std::uint16_t rclass = read_u16(&message[pos + 2]);
        const std::size_t rdata = pos + 10;
        pos = rdata + read_u16(&message[pos + 8]);
        if (pos > message.size()) return false;
        if (type == rr_type::tsig) {
            if (i + 1 != records || additional == 0) return false;  // RFC 8945 section 5.1: the last record
            out.tsig_offset = start;
        }
        const bool owned_by_question =
            out.has_question && ascii_iequals(std::string_view(owner.data(), owner_length), out.question.name());
        if (i < answers && type == rr_type::soa && rclass == rr_class::in && owned_by_question && !out.answer_soa_serial) {
            out.answer_soa_serial = soa_serial(message, rdata, pos);
            if (!out.answer_soa_serial) return false;
        }
    }
    return pos == message.size();
}

}  // namespace azdns
