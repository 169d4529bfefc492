// The body of POST /v1/azs/NAME/fence (spec: "Control API"), read strictly:
// a fence changes what every client is answered, so a body that could mean
// two things (a key given twice, text after the object, a byte-order mark
// some tools would not see) is refused rather than guessed at.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "config.hpp"
#include "health_state.hpp"

namespace azdns {

struct FenceRequest {
    std::string reason;                    // "" when absent
    std::optional<Duration> for_duration;  // absent: until unfenced
    bool force = false;
};

// `body` empty or only whitespace: every field absent. Otherwise a JSON
// object with at most "reason" (a string of at most max_fence_reason_bytes
// bytes of UTF-8, no control characters), "for" (a positive duration string)
// and "force" (a boolean), each at most once; null counts as absent. On
// anything else returns nullopt with `error` saying what is wrong.
[[nodiscard]] std::optional<FenceRequest> parse_fence_request(std::string_view body, std::string& error);

}  // namespace azdns
