// What the probe tests share: a sink that records results, targets, one
// probe by a fresh runner, a fake endpoint that must start, a temporary
// directory. Every wait is bounded.
#pragma once

#include <doctest/doctest.h>

#include <stdlib.h>

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "fake_endpoint.hpp"
#include "probe_runner.hpp"
#include "temp_dir.hpp"

namespace azdns::probe_test {

using namespace std::chrono_literals;

// Results as the sink delivers them, on the probe thread.
class Results {
public:
    ProbeSink sink() {
        return [this](const EndpointId& id, const ProbeResult& result) {
            std::lock_guard lock(mutex_);
            seen_.emplace_back(id, result);
            cv_.notify_all();
        };
    }

    // The `n`th result (from 1) for `id`, waiting at most `limit`.
    std::optional<ProbeResult> wait(const EndpointId& id, std::size_t n,
                                    std::chrono::milliseconds limit = 5000ms) {
        std::unique_lock lock(mutex_);
        std::optional<ProbeResult> found;
        cv_.wait_for(lock, limit, [&] {
            std::size_t count = 0;
            for (const auto& [seen_id, result] : seen_)
                if (seen_id == id && ++count == n) found = result;
            return found.has_value();
        });
        return found;
    }

    // Every result for `id` so far, in order.
    std::vector<ProbeResult> all(const EndpointId& id) {
        std::lock_guard lock(mutex_);
        std::vector<ProbeResult> found;
        for (const auto& [seen_id, result] : seen_)
            if (seen_id == id) found.push_back(result);
        return found;
    }

    std::size_t count(const EndpointId& id) {
        std::lock_guard lock(mutex_);
        std::size_t n = 0;
        for (const auto& entry : seen_) n += entry.first == id;
        return n;
    }

private:
    std::mutex mutex_;
    std::condition_variable cv_;
    std::vector<std::pair<EndpointId, ProbeResult>> seen_;
};

inline ProbeTarget target(const std::string& address, const std::string& name, CheckType type,
                          std::uint16_t port, std::chrono::milliseconds timeout = 2000ms) {
    ProbeTarget t;
    t.id = EndpointId{*IpAddress::parse(address), name};
    t.check.name = name;
    t.check.type = type;
    t.check.port = port;
    t.check.timeout = timeout;
    // One probe per test unless it says otherwise: the first periodic slot
    // falls anywhere in the first interval, so a day makes it all but never
    // land while a test runs (a minute did, once in a while, under ASan).
    t.check.interval = 24h;
    return t;
}

// One probe of `t` by a fresh runner; nullopt when no verdict came within `limit`.
inline std::optional<ProbeResult> probe_once(const ProbeTarget& t,
                                              std::chrono::milliseconds limit = 5000ms) {
    Results results;
    ProbeRunner runner(results.sink());
    std::string error;
    REQUIRE(runner.start(error));
    runner.set_targets({t});
    return results.wait(t.id, 1, limit);
}

struct Http {
    testing::FakeHttpEndpoint endpoint;
    explicit Http(testing::FakeEndpointOptions options = {}) : endpoint(std::move(options)) {
        std::string error;
        REQUIRE_MESSAGE(endpoint.start(error), error);
    }
};

using testing::TempDir;

}  // namespace azdns::probe_test
