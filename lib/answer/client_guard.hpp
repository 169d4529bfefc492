// The answer's defences on the open internet (docs/security.md): response
// rate limiting and DNS cookies, as configured ([rrl], [cookies]).
// Published with the zones (ServingState), so a reload brings new cookie
// secrets in one swap; the rate limiter's table is carried over while its
// settings stay the same, so a reload does not forgive a flood.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>

#include "config.hpp"
#include "dns_cookie.hpp"
#include "response_rate_limit.hpp"

namespace azdns {

struct ClientGuard {
    // Shared by every answering thread (decide() is thread-safe); null: off.
    std::shared_ptr<ResponseRateLimiter> limiter;
    // nullopt: cookies off (a COOKIE option is read and ignored).
    std::optional<CookieSecrets> cookies;

    // The guard `config` asks for. `previous` (may be null) lends its
    // limiter when the [rrl] settings are unchanged; `random_secret` serves
    // a [cookies] table without a secret_file.
    [[nodiscard]] static std::shared_ptr<const ClientGuard> build(const Config& config, const ClientGuard* previous,
                                                                  const CookieSecret& random_secret);
};

// What one answering thread passes with each query: the guard in force,
// its own counters, and the second (steady clock) its batch is answered
// in. UDP listeners pass all three; TCP has no rate limit (counters null).
struct GuardContext {
    const ClientGuard* guard = nullptr;
    RateLimitCounters* counters = nullptr;
    std::uint32_t now = 0;
};

// 16 random bytes from the system (getrandom).
[[nodiscard]] CookieSecret random_cookie_secret();

}  // namespace azdns
