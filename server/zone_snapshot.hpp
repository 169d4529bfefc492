// The published, immutable ZoneSet that answering threads read.
//
// A reload builds a whole new ZoneSet and publishes it with one atomic swap;
// nothing ever changes a published set. Readers never lock: each worker keeps
// its own reference (ZoneSnapshotReader) and, once per batch of queries, only
// compares a generation counter (one atomic load). It takes the shared_ptr
// again only when the generation moved, which happens once per reload. The
// old set is freed when the last worker has moved on.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>

#include "zone_set.hpp"

namespace azdns {

class ZoneSnapshot {
public:
    explicit ZoneSnapshot(std::shared_ptr<const ZoneSet> first) : current_(std::move(first)) {}
    ZoneSnapshot(const ZoneSnapshot&) = delete;
    ZoneSnapshot& operator=(const ZoneSnapshot&) = delete;

    void publish(std::shared_ptr<const ZoneSet> next) {
        current_.store(std::move(next), std::memory_order_release);
        generation_.fetch_add(1, std::memory_order_release);
    }

    [[nodiscard]] std::shared_ptr<const ZoneSet> load() const { return current_.load(std::memory_order_acquire); }
    [[nodiscard]] std::uint64_t generation() const { return generation_.load(std::memory_order_acquire); }

private:
    std::atomic<std::shared_ptr<const ZoneSet>> current_;
    std::atomic<std::uint64_t> generation_{0};
};

// One per answering thread; not shared between threads.
class ZoneSnapshotReader {
public:
    explicit ZoneSnapshotReader(const ZoneSnapshot& source)
        : source_(source), seen_(source.generation()), held_(source.load()) {}
    ZoneSnapshotReader(const ZoneSnapshotReader&) = delete;
    ZoneSnapshotReader& operator=(const ZoneSnapshotReader&) = delete;

    // The newest published set; the reference stays valid until the next call.
    // Call once per batch, not per query.
    [[nodiscard]] const ZoneSet& current() {
        std::uint64_t generation = source_.generation();
        if (generation != seen_) {
            // Pointer first, then generation, on both sides: the set we take is
            // at least as new as the generation we record.
            seen_ = generation;
            held_ = source_.load();
        }
        return *held_;
    }

private:
    const ZoneSnapshot& source_;
    std::uint64_t seen_;
    std::shared_ptr<const ZoneSet> held_;
};

}  // namespace azdns
