// Secrets drawn at start (the rate limiter's hash key, a cookie secret when
// none is configured) come from the kernel's random source, never a seeded
// generator: a key an attacker can guess lets it aim its flood at one bucket
// or forge server cookies.
#pragma once

#include <cstdint>
#include <span>

namespace azdns {

// Fills `out` from getrandom(2); blocks only until the kernel's pool is
// first seeded, early in boot.
void random_bytes(std::span<std::uint8_t> out);

}  // namespace azdns
