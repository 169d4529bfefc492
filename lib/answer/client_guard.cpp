#include "client_guard.hpp"

#include <random>

namespace azdns {

namespace {

RateLimitSettings rate_limit_settings(const RrlConfig& rrl) {
    RateLimitSettings settings;
    settings.responses_per_second = rrl.responses_per_second;
    settings.slip = rrl.slip;
    settings.ipv4_prefix = rrl.ipv4_prefix;
    settings.ipv6_prefix = rrl.ipv6_prefix;
    settings.exempt = rrl.exempt;
    return settings;
}

bool same_limits(const RateLimitSettings& a, const RateLimitSettings& b) {
    return a.responses_per_second == b.responses_per_second && a.slip == b.slip && a.ipv4_prefix == b.ipv4_prefix &&
           a.ipv6_prefix == b.ipv6_prefix && a.exempt == b.exempt && a.table_size == b.table_size;
}

}  // namespace

std::shared_ptr<const ClientGuard> ClientGuard::build(const Config& config, const ClientGuard* previous,
                                                      const CookieSecret& random_secret) {
    auto guard = std::make_shared<ClientGuard>();
    if (config.rrl.enabled()) {
        RateLimitSettings settings = rate_limit_settings(config.rrl);
        if (previous != nullptr && previous->limiter && same_limits(previous->limiter->settings(), settings))
            guard->limiter = previous->limiter;
        else
            guard->limiter = std::make_shared<ResponseRateLimiter>(std::move(settings), random_hash_key());
    }
    if (config.cookies.enabled)
        guard->cookies = config.cookies.secrets ? *config.cookies.secrets : CookieSecrets{random_secret, {}};
    return guard;
}

CookieSecret random_cookie_secret() {
    std::random_device device;  // the system's source (getrandom)
    CookieSecret secret;
    for (std::size_t i = 0; i < secret.size(); i += 4) {
        const std::uint32_t word = device();
        for (std::size_t b = 0; b < 4; ++b) secret[i + b] = static_cast<std::uint8_t>(word >> (8 * b));
    }
    return secret;
}

}  // namespace azdns
