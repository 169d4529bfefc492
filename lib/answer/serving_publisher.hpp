// The one writer of what answering threads read (ServingSnapshot). It owns
// the config in force, the zones, their HealthIndex and the newest
// HealthView; the health monitor hands it the health state to publish, and
// a reload hands it new zones and config. Each publish() or replace() is one
// rebuild of the view and one atomic swap: the monitor coalesces the
// transitions of a probe-loop turn, a fence or a tick into one call, so an AZ
// losing hundreds of endpoints at once costs one rebuild. Pure: no threads,
// no clock, no I/O.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>

#include "config.hpp"
#include "health_index.hpp"
#include "health_state.hpp"
#include "health_targets.hpp"
#include "serving_snapshot.hpp"
#include "transfer_tracker.hpp"

namespace azdns {

class ServingPublisher {
public:
    // What replace() takes: zones, the config they go with and their index.
    struct Inputs {
        std::shared_ptr<const Config> config;
        std::shared_ptr<const ZoneSet> zones;
        std::shared_ptr<const HealthIndex> index;
    };

    // Builds the index for `zones`, judged by the endpoints of `targets`.
    // For large zones the costly part of a reload: call it outside any lock.
    [[nodiscard]] static Inputs prepare(std::shared_ptr<const ZoneSet> zones, std::shared_ptr<const Config> config,
                                        const HealthTargets& targets);

    // `out` must outlive the publisher. Nothing is published before the
    // first replace(); until then config() is `config`. `serials`: the
    // filtered views' serials saved in state_dir (served_serials.hpp).
    ServingPublisher(std::shared_ptr<const Config> config, ServingSnapshot& out, SerialBook::Entries serials = {});

    // Called after each publish, under the publisher's lock, with what
    // transfers offer now and the serial book: it must only queue (NOTIFY,
    // saving the serials). Set once, before the first replace().
    using TransfersObserver = std::function<void(std::shared_ptr<const TransferState>, const SerialBook&)>;
    void observe_transfers(TransfersObserver observer) { observer_ = std::move(observer); }
    ServingPublisher(const ServingPublisher&) = delete;
    ServingPublisher& operator=(const ServingPublisher&) = delete;

    // New zones and config, published with their view of `health`.
    void replace(Inputs next, const HealthSnapshot& health);
    // A new view of the current zones for `health`, published with them.
    void publish(const HealthSnapshot& health);

    // From any thread.
    [[nodiscard]] std::shared_ptr<const Config> config() const;
    [[nodiscard]] ServingState serving() const { return *out_.load(); }  // what answers use now
    [[nodiscard]] std::uint64_t rebuilds() const { return rebuilds_.load(std::memory_order_relaxed); }

private:
    void publish_locked(const HealthSnapshot& health);

    ServingSnapshot& out_;
    mutable std::mutex mutex_;  // one writer at a time; config() reads under it
    Inputs current_;
    TransferTracker transfers_;
    CookieSecret random_cookie_secret_;  // for [cookies] without a secret_file: one per process
    std::shared_ptr<const ClientGuard> guard_;  // built for current_.config
    TransfersObserver observer_;
    std::atomic<std::uint64_t> rebuilds_{0};  // views built, one per publish
};

}  // namespace azdns
