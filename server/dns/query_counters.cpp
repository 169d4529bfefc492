#include "query_counters.hpp"

namespace azdns {

namespace {

// One bucket per 4-bit RCODE, then "other" (extended) and "none" (no answer).
const std::array<std::string, rcode_buckets> rcode_labels = [] {
    std::array<std::string, rcode_buckets> labels;
    for (unsigned rcode = 0; rcode < rcode_other; ++rcode) labels[rcode] = rcode_name(rcode);
    labels[rcode_other] = "other";
    labels[rcode_buckets - 1] = "none";
    return labels;
}();

}  // namespace

const char* rcode_label(std::size_t bucket) {
    return bucket < rcode_labels.size() ? rcode_labels[bucket].c_str() : "other";
}

const char* transport_label(std::size_t transport) { return transport == 0 ? "udp" : "tcp"; }

QueryCounters& QueryCounterRegistry::add() {
    auto block = std::make_unique<QueryCounters>();
    std::lock_guard lock(mutex_);
    blocks_.push_back(std::move(block));
    return *blocks_.back();
}

QueryTotals QueryCounterRegistry::totals() const {
    QueryTotals out;
    std::lock_guard lock(mutex_);
    for (const auto& block : blocks_) {
        std::size_t zone_slots = block->zone_slots();
        if (out.filtered.size() < zone_slots) out.filtered.resize(zone_slots, 0);
        for (std::size_t t = 0; t < transports; ++t) {
            for (std::size_t b = 0; b < rcode_buckets; ++b) out.responses[t][b] += block->responses(t, b);
        }
        out.truncated += block->truncated();
        for (std::size_t c = 0; c < response_classes; ++c) {
            const auto response_class = static_cast<ResponseClass>(c);
            out.rate_limited[c] += block->rate_limit().limited(response_class);
            out.rate_slipped += block->rate_limit().slipped(response_class);
        }
        for (std::size_t slot = 0; slot < zone_slots; ++slot) out.filtered[slot] += block->filtered(slot);
    }
    return out;
}

}  // namespace azdns
