#include "client_guard.hpp"

#include "random_bytes.hpp"

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

}  // namespace

std::shared_ptr<const ClientGuard> ClientGuard::build(const Config& config, const ClientGuard* previous,
                                                      const CookieSecret& random_secret) {
    auto guard = std::make_shared<ClientGuard>();
    if (config.rrl.enabled()) {
        RateLimitSettings settings = rate_limit_settings(config.rrl);
        if (previous != nullptr && previous->limiter && previous->limiter->settings() == settings)
            guard->limiter = previous->limiter;
        else
            guard->limiter = std::make_shared<ResponseRateLimiter>(std::move(settings), random_hash_key());
    }
    if (config.cookies.enabled)
        guard->cookies = config.cookies.secrets ? *config.cookies.secrets : CookieSecrets{random_secret, {}};
    return guard;
}

CookieSecret random_cookie_secret() {
    CookieSecret secret;
    random_bytes(secret);
    return secret;
}

}  // namespace azdns
