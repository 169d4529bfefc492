// A gentle return after restore (docs/health.md): for `ramp` after an AZ's
// fence ends, its addresses appear in a share of answers that grows
// linearly from 10 % to all of them, so that a restored AZ is not knocked
// over again by all of its traffic at once. Pure: the caller passes times.
#pragma once

#include <cstdint>

#include "config.hpp"

namespace azdns {

// Per mille, so that the answer side compares integers.
inline constexpr std::uint16_t full_answer_permille = 1000;
inline constexpr std::uint16_t ramp_start_permille = 100;

// The share of answers, in per mille, that carry a ramping AZ's addresses
// `elapsed` into a ramp of `ramp`: 100 at the start, growing linearly to
// 1000 at its end; 1000 past the end and with no ramp.
[[nodiscard]] std::uint16_t ramp_permille(Duration ramp, Duration elapsed);

// How often the answers are rebuilt while a ramp of `ramp` runs, so that
// the share grows in steps of at most 1/20 of it: ramp/20, at most 1 s.
[[nodiscard]] Duration ramp_republish_period(Duration ramp);

}  // namespace azdns
