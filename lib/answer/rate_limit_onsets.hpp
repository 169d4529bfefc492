// Where rate limiting tells the log which networks it began to limit, so
// that the log summarises (one line per network and class every few
// seconds) instead of writing a line per dropped query. Answering threads
// write into a fixed ring without a lock or an allocation; one log thread
// takes what they wrote. Memory is bounded: when writers outrun the reader,
// the oldest onsets are overwritten and counted as lost, never waited for.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "ip_prefix.hpp"
#include "response_class.hpp"

namespace azdns {

// One bucket's count passed the limit in `second`: responses of
// `response_class` to `network` are being limited.
struct RateLimitOnset {
    IpPrefix network;
    ResponseClass response_class = ResponseClass::positive;
    std::uint32_t second = 0;  // the `now` the limiter was given

    bool operator==(const RateLimitOnset&) const = default;
};

class RateLimitOnsets {
public:
    // `capacity`: a power of two.
    explicit RateLimitOnsets(std::size_t capacity);
    RateLimitOnsets(const RateLimitOnsets&) = delete;
    RateLimitOnsets& operator=(const RateLimitOnsets&) = delete;

    // Any thread; wait-free: gives the onset up rather than wait for a
    // writer a whole lap ahead or behind on the same slot.
    void record(const RateLimitOnset& onset);

    // One thread at a time (the log's): up to `max` onsets recorded since
    // the last call, oldest first. One still being written is left for the
    // next call.
    [[nodiscard]] std::vector<RateLimitOnset> take(std::size_t max);

    // Any thread: onsets overwritten before they were taken, or given up.
    // Each recorded onset is, once take() has passed it, either taken or
    // counted here, exactly once.
    [[nodiscard]] std::uint64_t lost() const { return lost_.load(std::memory_order_relaxed); }

private:
    // A seqlock per slot: `sequence` is 2p+1 while the onset of position p
    // is written, 2p+2 once it is whole (0: never written). Fields are
    // relaxed atomics so that a reader racing a writer is not undefined
    // behaviour; the sequence tells it to throw the copy away.
    struct Slot {
        std::atomic<std::uint64_t> sequence{0};
        std::atomic<std::uint64_t> address_high{0};
        std::atomic<std::uint64_t> address_low{0};
        std::atomic<std::uint64_t> details{0};  // family, length, class, second
    };

    std::unique_ptr<Slot[]> slots_;
    std::size_t mask_;
    std::atomic<std::uint64_t> head_{0};  // positions handed out to writers
    std::uint64_t tail_ = 0;              // next position to take; the reader's
    std::atomic<std::uint64_t> lost_{0};  // written by the reader only

    void count_lost(std::uint64_t onsets) {
        lost_.store(lost_.load(std::memory_order_relaxed) + onsets, std::memory_order_relaxed);
    }
};

}  // namespace azdns
