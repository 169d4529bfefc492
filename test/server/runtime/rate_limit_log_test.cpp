// The rate-limit log line (docs/security.md): networks in the order they
// began, each with its classes once, a bound on how many are listed, and
// the onsets the ring lost.
#include <doctest/doctest.h>

#include "rate_limit_log.hpp"

using namespace azdns;

namespace {

RateLimitOnset onset(const char* network, ResponseClass response_class, std::uint32_t second = 1) {
    return {*IpPrefix::parse(network), response_class, second};
}

}  // namespace

TEST_CASE("nothing limited, nothing said") { CHECK(summarise_onsets({}, 10, 0).empty()); }

TEST_CASE("one line: networks in order, each class once, repeats of later seconds folded in") {
    const std::vector<RateLimitOnset> onsets = {
        onset("198.51.100.0/24", ResponseClass::nxdomain, 1), onset("2001:db8::/56", ResponseClass::large, 1),
        onset("198.51.100.0/24", ResponseClass::positive, 1), onset("198.51.100.0/24", ResponseClass::nxdomain, 2),
        onset("2001:db8::/56", ResponseClass::large, 2)};
    CHECK(summarise_onsets(onsets, 10, 0) ==
          "rate limiting 2 networks: 198.51.100.0/24 (positive, nxdomain), 2001:db8::/56 (large)");
}

TEST_CASE("past max_listed the rest are counted; lost onsets are said") {
    std::vector<RateLimitOnset> onsets;
    for (int i = 0; i < 5; ++i)
        onsets.push_back(onset(("203.0." + std::to_string(i) + ".0/24").c_str(), ResponseClass::positive));
    CHECK(summarise_onsets(onsets, 2, 7) ==
          "rate limiting 5 networks: 203.0.0.0/24 (positive), 203.0.1.0/24 (positive) and 3 more; "
          "7 more onsets not recorded (the ring was full)");
    CHECK(summarise_onsets({}, 2, 3) == "rate limiting 0 networks; 3 more onsets not recorded (the ring was full)");
}
