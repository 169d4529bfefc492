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
// Per-zone counts are indexed by the zone's ZoneSet slot, which means one
// zone for the life of the process (ZoneSet::add says how). Slots grow with
// the zones a reload adds: the owner thread allocates a chunk of 64 the first
// time a slot in it is counted (once per chunk, not per query).
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
    QueryCounters() = default;
    QueryCounters(const QueryCounters&) = delete;
    QueryCounters& operator=(const QueryCounters&) = delete;
    ~QueryCounters() {
        for (auto& chunk : chunks_) delete chunk.load(std::memory_order_relaxed);
    }

    // Owner thread only. `response_length` 0: the query got no response.
    void count(Transport transport, std::size_t response_length, const AnswerStats& stats) {
        auto& by_rcode = responses_[static_cast<std::size_t>(transport)];
        if (response_length == 0) {
            bump(by_rcode[rcode_none]);
            return;
        }
        bump(by_rcode[stats.rcode < rcode_other ? stats.rcode : rcode_other]);
        if (stats.truncated) bump(truncated_);
        if (stats.health_filtered && stats.zone_slot < max_zone_slots) bump(owned_filtered(stats.zone_slot));
    }
    // Owner thread only: a query dropped before the engine saw it (too large).
    void count_dropped(Transport transport) { bump(responses_[static_cast<std::size_t>(transport)][rcode_none]); }

    // The owner thread's rate-limit counters, which decide() writes; any
    // thread reads them.
    [[nodiscard]] RateLimitCounters& rate_limit() { return rate_limit_; }
    [[nodiscard]] const RateLimitCounters& rate_limit() const { return rate_limit_; }
    // Any thread.
    [[nodiscard]] std::uint64_t responses(std::size_t transport, std::size_t bucket) const {
        return responses_[transport][bucket].load(std::memory_order_relaxed);
    }
    [[nodiscard]] std::uint64_t truncated() const { return truncated_.load(std::memory_order_relaxed); }
    [[nodiscard]] std::uint64_t filtered(std::size_t slot) const {
        if (slot >= max_zone_slots) return 0;
        const Chunk* chunk = chunks_[slot / per_chunk].load(std::memory_order_acquire);
        return chunk == nullptr ? 0 : chunk->at(slot % per_chunk).load(std::memory_order_relaxed);
    }
    // Any thread: one past the highest slot this block may have counted.
    [[nodiscard]] std::size_t zone_slots() const {
        for (std::size_t c = max_chunks; c > 0; --c)
            if (chunks_[c - 1].load(std::memory_order_acquire) != nullptr) return c * per_chunk;
        return 0;
    }

    static constexpr std::size_t max_zone_slots = 65'536;  // far past any zone count a server carries

private:
    using Counter = std::atomic<std::uint64_t>;
    // One writer: a plain add, published with a relaxed store.
    static void bump(Counter& counter) {
        counter.store(counter.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    }

    // Whole cache lines of their own, so no other thread's data shares them.
    static constexpr std::size_t per_line = 8;
    static constexpr std::size_t per_chunk = 64;
    static constexpr std::size_t max_chunks = max_zone_slots / per_chunk;
    struct alignas(64) Line {
        std::array<Counter, per_line> counters{};
    };
    struct Chunk {
        std::array<Line, per_chunk / per_line> lines{};
        Counter& at(std::size_t i) { return lines[i / per_line].counters[i % per_line]; }
        const Counter& at(std::size_t i) const { return lines[i / per_line].counters[i % per_line]; }
    };
    Counter& owned_filtered(std::size_t slot) {
        auto& entry = chunks_[slot / per_chunk];
        Chunk* chunk = entry.load(std::memory_order_relaxed);  // only this thread stores it
        if (chunk == nullptr) {
            chunk = new Chunk;
            entry.store(chunk, std::memory_order_release);  // zeroed counters before the pointer
        }
        return chunk->at(slot % per_chunk);
    }

    std::array<std::array<Counter, rcode_buckets>, transports> responses_{};
    Counter truncated_{0};
    RateLimitCounters rate_limit_;
    std::array<std::atomic<Chunk*>, max_chunks> chunks_{};
};

// What a scrape sees: every block summed.
struct QueryTotals {
    std::array<std::array<std::uint64_t, rcode_buckets>, transports> responses{};
    std::uint64_t truncated = 0;
    std::vector<std::uint64_t> filtered;  // by zone slot
    std::array<std::uint64_t, response_classes> rate_limited{};  // dropped or slipped, by ResponseClass
    std::uint64_t rate_slipped = 0;
};

class QueryCounterRegistry {
public:
    QueryCounterRegistry() = default;
    QueryCounterRegistry(const QueryCounterRegistry&) = delete;
    QueryCounterRegistry& operator=(const QueryCounterRegistry&) = delete;

    // A new block for one answering thread; valid as long as the registry.
    // Thread-safe; called at set-up, never per query.
    [[nodiscard]] QueryCounters& add();

    // Thread-safe; the sum over every block ever added.
    [[nodiscard]] QueryTotals totals() const;

private:
    mutable std::mutex mutex_;
    std::vector<std::unique_ptr<QueryCounters>> blocks_;
};

}  // namespace azdns
