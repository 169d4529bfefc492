// The log's side of response rate limiting (docs/security.md): every few
// seconds, one line naming the networks whose responses began to be
// limited since the last line, instead of a line per dropped query. A
// flood of a million queries a second therefore writes one line per
// interval, whatever its size.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "response_rate_limit.hpp"

namespace azdns {

// "rate limiting 2 networks: 198.51.100.0/24 (nxdomain, positive),
// 2001:db8::/56 (large)", the first `max_listed` networks in the order
// they began, then "and N more"; "" when there is none. `lost`: onsets the
// ring overwrote before they were read, said at the end.
[[nodiscard]] std::string summarise_onsets(const std::vector<RateLimitOnset>& onsets, std::size_t max_listed,
                                           std::uint64_t lost);

class RateLimitLog {
public:
    // `limiter` gives the limiter in force (null while [rrl] is off), asked
    // anew each interval so that a reload's new limiter is followed.
    RateLimitLog(std::function<std::shared_ptr<ResponseRateLimiter>()> limiter, std::chrono::milliseconds interval);
    ~RateLimitLog();  // stops and joins
    RateLimitLog(const RateLimitLog&) = delete;
    RateLimitLog& operator=(const RateLimitLog&) = delete;

private:
    void run();

    std::function<std::shared_ptr<ResponseRateLimiter>()> limiter_;
    std::chrono::milliseconds interval_;
    std::mutex mutex_;
    std::condition_variable wake_;
    bool stopping_ = false;
    std::thread thread_;  // last: starts once the members above exist
};

}  // namespace azdns
