// What answering threads read: the zones and the health view built for
// exactly those zones, published together.
//
// They go together because a HealthView is keyed by the RRsets of the zones
// it was built from: a reader that took new zones with an old view would
// serve unfiltered answers until the next view. A reload or a health verdict
// builds a new pair and publishes it with one atomic swap; nothing ever
// changes a published pair. Readers never lock: each thread keeps its own
// reference (ServingSnapshotReader) and, once per batch of queries, only
// compares a generation counter (one atomic load). It takes the shared_ptr
// again only when the generation moved. The old pair is freed when the last
// thread has moved on.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>

#include "client_guard.hpp"
#include "health_view.hpp"
#include "transfer_state.hpp"
#include "zone_set.hpp"

namespace azdns {

struct ServingState {
    std::shared_ptr<const ZoneSet> zones;
    std::shared_ptr<const HealthView> health;  // null: nothing is filtered
    // What zone transfers offer, and the SOA serials answers carry; null
    // (tests, and before the first publish): no zone is transferred.
    std::shared_ptr<const TransferState> transfers;
    // Rate limiting and cookies ([rrl], [cookies]); null: neither.
    std::shared_ptr<const ClientGuard> guard;
};

class ServingSnapshot {
public:
    explicit ServingSnapshot(ServingState first)
        : current_(std::make_shared<const ServingState>(std::move(first))) {}
    ServingSnapshot(const ServingSnapshot&) = delete;
    ServingSnapshot& operator=(const ServingSnapshot&) = delete;

    void publish(ServingState next) {
        current_.store(std::make_shared<const ServingState>(std::move(next)), std::memory_order_release);
        generation_.fetch_add(1, std::memory_order_release);
    }

    [[nodiscard]] std::shared_ptr<const ServingState> load() const { return current_.load(std::memory_order_acquire); }
    [[nodiscard]] std::uint64_t generation() const { return generation_.load(std::memory_order_acquire); }

private:
    std::atomic<std::shared_ptr<const ServingState>> current_;
    std::atomic<std::uint64_t> generation_{0};
};

// One per answering thread; not shared between threads.
class ServingSnapshotReader {
public:
    explicit ServingSnapshotReader(const ServingSnapshot& source)
        : source_(source), seen_(source.generation()), held_(source.load()) {}
    ServingSnapshotReader(const ServingSnapshotReader&) = delete;
    ServingSnapshotReader& operator=(const ServingSnapshotReader&) = delete;

    // The newest published pair; the reference stays valid until the next
    // call. Call once per batch, not per query.
    [[nodiscard]] const ServingState& current() {
        std::uint64_t generation = source_.generation();
        if (generation != seen_) {
            // Pointer first, then generation, on both sides: the pair we take
            // is at least as new as the generation we record.
            seen_ = generation;
            held_ = source_.load();
        }
        return *held_;
    }

private:
    const ServingSnapshot& source_;
    std::uint64_t seen_;
    std::shared_ptr<const ServingState> held_;
};

}  // namespace azdns
