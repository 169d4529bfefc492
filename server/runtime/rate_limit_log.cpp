#include "rate_limit_log.hpp"

#include <algorithm>

#include "log.hpp"

namespace azdns {

std::string summarise_onsets(const std::vector<RateLimitOnset>& onsets, std::size_t max_listed, std::uint64_t lost) {
    // Networks in the order they began, each with its classes.
    struct Network {
        IpPrefix prefix;
        std::vector<ResponseClass> classes;
    };
    std::vector<Network> networks;
    for (const RateLimitOnset& onset : onsets) {
        auto found = std::find_if(networks.begin(), networks.end(),
                                  [&](const Network& n) { return n.prefix == onset.network; });
        if (found == networks.end()) {
            networks.push_back({onset.network, {}});
            found = networks.end() - 1;
        }
        if (std::find(found->classes.begin(), found->classes.end(), onset.response_class) == found->classes.end())
            found->classes.push_back(onset.response_class);
    }
    if (networks.empty() && lost == 0) return "";
    std::string line = "rate limiting " + std::to_string(networks.size()) +
                       (networks.size() == 1 ? " network" : " networks");
    for (std::size_t i = 0; i < networks.size() && i < max_listed; ++i) {
        line += (i == 0 ? ": " : ", ") + networks[i].prefix.to_string() + " (";
        std::sort(networks[i].classes.begin(), networks[i].classes.end());
        for (std::size_t c = 0; c < networks[i].classes.size(); ++c)
            line += (c == 0 ? "" : ", ") + std::string(response_class_name(networks[i].classes[c]));
        line += ")";
    }
    if (networks.size() > max_listed) line += " and " + std::to_string(networks.size() - max_listed) + " more";
    if (lost != 0) line += "; " + std::to_string(lost) + " more onsets not recorded (the ring was full)";
    return line;
}

RateLimitLog::RateLimitLog(std::function<std::shared_ptr<ResponseRateLimiter>()> limiter,
                           std::chrono::milliseconds interval)
    : limiter_(std::move(limiter)), interval_(interval), thread_([this] { run(); }) {}

RateLimitLog::~RateLimitLog() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    thread_.join();
}

void RateLimitLog::run() {
    constexpr std::size_t max_listed = 10;  // a line stays readable; metrics hold the totals
    std::uint64_t lost_before = 0;
    std::shared_ptr<ResponseRateLimiter> watched;
    std::unique_lock lock(mutex_);
    while (!wake_.wait_for(lock, interval_, [this] { return stopping_; })) {
        std::shared_ptr<ResponseRateLimiter> limiter = limiter_();
        if (limiter != watched) {  // a reload built a new one (or turned it off)
            watched = std::move(limiter);
            lost_before = watched ? watched->onsets_lost() : 0;
        }
        if (!watched) continue;
        const std::vector<RateLimitOnset> onsets = watched->take_onsets(ResponseRateLimiter::onset_capacity);
        const std::uint64_t lost = watched->onsets_lost();
        const std::string line = summarise_onsets(onsets, max_listed, lost - lost_before);
        lost_before = lost;
        if (!line.empty()) log_line(line);
    }
}

}  // namespace azdns
