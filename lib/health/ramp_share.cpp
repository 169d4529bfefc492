#include "ramp_share.hpp"

#include <algorithm>

namespace azdns {

std::uint16_t ramp_permille(Duration ramp, Duration elapsed) {
    if (ramp.count() <= 0 || elapsed >= ramp) return full_answer_permille;
    if (elapsed.count() <= 0) return ramp_start_permille;
    // 64 bits: a ramp of at most an hour in ms times 900 fits with room.
    const auto grown = static_cast<std::int64_t>(full_answer_permille - ramp_start_permille) * elapsed.count() /
                       ramp.count();
    return static_cast<std::uint16_t>(ramp_start_permille + grown);
}

Duration ramp_republish_period(Duration ramp) {
    return std::clamp(ramp / 20, Duration(1), Duration(1'000));
}

}  // namespace azdns
