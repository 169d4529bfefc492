#include "rate_limit_onsets.hpp"

#include <cstring>

namespace azdns {

namespace {

std::uint64_t pack_details(const RateLimitOnset& onset) {
    const std::uint64_t v6 = onset.network.address.family == IpFamily::v6 ? 1 : 0;
    const std::uint64_t response_class = static_cast<std::uint8_t>(onset.response_class);
    return v6 << 48 | std::uint64_t{onset.network.length} << 40 | response_class << 32 | onset.second;
}

RateLimitOnset unpack(std::uint64_t high, std::uint64_t low, std::uint64_t details) {
    RateLimitOnset onset;
    onset.network.address.family = (details >> 48 & 1) != 0 ? IpFamily::v6 : IpFamily::v4;
    std::memcpy(onset.network.address.bytes.data(), &high, 8);
    std::memcpy(onset.network.address.bytes.data() + 8, &low, 8);
    onset.network.length = static_cast<std::uint8_t>(details >> 40);
    onset.response_class = static_cast<ResponseClass>(details >> 32 & 0xff);
    onset.second = static_cast<std::uint32_t>(details);
    return onset;
}

}  // namespace

RateLimitOnsets::RateLimitOnsets(std::size_t capacity) : slots_(new Slot[capacity]), mask_(capacity - 1) {}

void RateLimitOnsets::record(const RateLimitOnset& onset) {
    const std::uint64_t position = head_.fetch_add(1, std::memory_order_relaxed);
    Slot& slot = slots_[position & mask_];
    std::uint64_t seen = slot.sequence.load(std::memory_order_relaxed);
    // Odd: another writer is on this slot; 2p+2 or more: a later lap already
    // wrote it. Either way this onset is given up rather than waited for;
    // the reader, finding the slot without it, counts it lost.
    if ((seen & 1) != 0 || seen >= 2 * position + 2 ||
        !slot.sequence.compare_exchange_strong(seen, 2 * position + 1, std::memory_order_relaxed))
        return;
    std::atomic_thread_fence(std::memory_order_release);  // the odd sequence before the fields
    std::uint64_t high, low;
    std::memcpy(&high, onset.network.address.bytes.data(), 8);
    std::memcpy(&low, onset.network.address.bytes.data() + 8, 8);
    slot.address_high.store(high, std::memory_order_relaxed);
    slot.address_low.store(low, std::memory_order_relaxed);
    slot.details.store(pack_details(onset), std::memory_order_relaxed);
    slot.sequence.store(2 * position + 2, std::memory_order_release);
}

std::vector<RateLimitOnset> RateLimitOnsets::take(std::size_t max) {
    std::vector<RateLimitOnset> taken;
    const std::uint64_t head = head_.load(std::memory_order_relaxed);
    const std::uint64_t capacity = mask_ + 1;
    if (head - tail_ > capacity) {  // lapped: the oldest were overwritten
        count_lost(head - tail_ - capacity);
        tail_ = head - capacity;
    }
    while (tail_ != head && taken.size() < max) {
        const Slot& slot = slots_[tail_ & mask_];
        const std::uint64_t before = slot.sequence.load(std::memory_order_acquire);
        if (before == 2 * tail_ + 1) break;  // being written: next time
        const std::uint64_t high = slot.address_high.load(std::memory_order_relaxed);
        const std::uint64_t low = slot.address_low.load(std::memory_order_relaxed);
        const std::uint64_t details = slot.details.load(std::memory_order_relaxed);
        std::atomic_thread_fence(std::memory_order_acquire);  // the fields before the second look
        const std::uint64_t after = slot.sequence.load(std::memory_order_relaxed);
        if (before == 2 * tail_ + 2 && after == before) taken.push_back(unpack(high, low, details));
        else count_lost(1);  // overwritten, or its writer gave up
        ++tail_;
    }
    return taken;
}

}  // namespace azdns
