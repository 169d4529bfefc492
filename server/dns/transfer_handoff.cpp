#include "transfer_handoff.hpp"

#include "query_reader.hpp"
#include "rr_type.hpp"

namespace azdns {

bool is_transfer_query(std::span<const std::uint8_t> query) {
    if (query.size() < header_size || (query[2] & 0x80) != 0 || ((query[2] >> 3) & 0x0F) != 0) return false;
    Question question;
    return peek_question(query, question) &&
           (question.qtype == rr_type::axfr || question.qtype == rr_type::ixfr);
}

}  // namespace azdns
