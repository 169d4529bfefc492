// Query counters (spec: "Metrics") that cost the hot path nothing shared.
//
// Each answering thread (every UDP listener thread, every worker's TCP loop)
// owns one QueryCounters block: cache-line aligned, written only by that
// thread with relaxed load + store (no locked instruction, no cache line
// written by two threads, no allocation per query). Blocks are handed out by
// the server-wide QueryCounterRegistry when the threads are set up and live
// as long as the registry; a scrape sums them (relaxed loads, so a sum may
// miss the last few increments of a running thread, never more).
//
// Per-zone counts are arrays indexed by the zone's ZoneSet slot, which
// means one zone for the life of the process (ZoneSet::add says how).
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "answer_engine.hpp"

namespace azdns {

// RCODE buckets: the 16 base codes, then every extended one (BADVERS) as
// "other", then queries that got no response at all ("none").
inline constexpr std::size_t rcode_other = 16;
inline constexpr std::size_t rcode_none = 17;
inline constexpr std::size_t rcode_buckets = 18;
inline constexpr std::size_t transports = 2;  // Transport::udp, Transport::tcp

// The label value of an RCODE bucket: "NOERROR", ..., "other", "none".
[[nodiscard]] const char* rcode_label(std::size_t bucket);
[[nodiscard]] const char* transport_label(std::size_t transport);

class alignas(64) QueryCounters {
public:
    explicit QueryCounters(std::size_t zone_slots)
        : zone_slots_(zone_slots), filtered_(new FilteredLine[(zone_slots + per_line - 1) / per_line]) {}
    QueryCounters(const QueryCounters&) = delete;
    QueryCounters& operator=(const QueryCounters&) = delete;

    // Owner thread only. `response_length` 0: the query got no response.
    void count(Transport transport, std::size_t response_length, const AnswerStats& stats) {
        auto& by_rcode = responses_[static_cast<std::size_t>(transport)];
        if (response_length == 0) {
            bump(by_rcode[rcode_none]);
            return;
        }
        bump(by_rcode[stats.rcode < rcode_other ? stats.rcode : rcode_other]);
        if (stats.truncated) bump(truncated_);
        if (stats.health_filtered && stats.zone_slot < zone_slots_) bump(filtered_at(stats.zone_slot));
    }
    // Owner thread only: a query dropped before the engine saw it (too large).
    void count_dropped(Transport transport) { bump(responses_[static_cast<std::size_t>(transport)][rcode_none]); }

    // Any thread.
    [[nodiscard]] std::uint64_t responses(std::size_t transport, std::size_t bucket) const {
        return responses_[transport][bucket].load(std::memory_order_relaxed);
    }
    [[nodiscard]] std::uint64_t truncated() const { return truncated_.load(std::memory_order_relaxed); }
    [[nodiscard]] std::uint64_t filtered(std::size_t slot) const {
        return slot < zone_slots_ ? filtered_at(slot).load(std::memory_order_relaxed) : 0;
    }
    [[nodiscard]] std::size_t zone_slots() const { return zone_slots_; }

private:
    using Counter = std::atomic<std::uint64_t>;
    // One writer: a plain add, published with a relaxed store.
    static void bump(Counter& counter) {
        counter.store(counter.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    }

    // Whole cache lines of their own, so no other thread's data shares them.
    static constexpr std::size_t per_line = 8;
    struct alignas(64) FilteredLine {
        std::array<Counter, per_line> counters{};
    };
    Counter& filtered_at(std::size_t slot) const { return filtered_[slot / per_line].counters[slot % per_line]; }

    std::array<std::array<Counter, rcode_buckets>, transports> responses_{};
    Counter truncated_{0};
    std::size_t zone_slots_;
    std::unique_ptr<FilteredLine[]> filtered_;
};

// What a scrape sees: every block summed.
struct QueryTotals {
    std::array<std::array<std::uint64_t, rcode_buckets>, transports> responses{};
    std::uint64_t truncated = 0;
    std::vector<std::uint64_t> filtered;  // by zone slot
};

class QueryCounterRegistry {
public:
    // `zone_slots`: how many zone slots to count (zones a reload adds get
    // slots past the configured ones; those beyond this are not counted).
    explicit QueryCounterRegistry(std::size_t zone_slots) : zone_slots_(zone_slots) {}
    QueryCounterRegistry(const QueryCounterRegistry&) = delete;
    QueryCounterRegistry& operator=(const QueryCounterRegistry&) = delete;

    // A new block for one answering thread; valid as long as the registry.
    // Thread-safe; called at set-up, never per query.
    [[nodiscard]] QueryCounters& add();

    // Thread-safe; the sum over every block ever added.
    [[nodiscard]] QueryTotals totals() const;

    [[nodiscard]] std::size_t zone_slots() const { return zone_slots_; }

private:
    const std::size_t zone_slots_;
    mutable std::mutex mutex_;
    std::vector<std::unique_ptr<QueryCounters>> blocks_;
};

}  // namespace azdns
