// What a response says besides its records: decided by the answer engine
// (answer_engine.cpp), then read by its rate limit (answer_guard.cpp).
#pragma once

#include <cstdint>
#include <string_view>

#include "answer_engine.hpp"
#include "query_reader.hpp"

namespace azdns {

struct ResponseOutcome {
    std::uint16_t rcode = rcode::noerror;  // may be extended (BADVERS)
    bool authoritative = false;
    bool truncated = false;
    bool health_filtered = false;
    bool notify_accepted = false;
    std::uint32_t zone_slot = AnswerStats::no_zone;
    std::string_view apex;  // the answering zone's origin (wire form), for rate-limit buckets
};

}  // namespace azdns
