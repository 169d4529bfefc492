#include "query_counters.hpp"

namespace azdns {

namespace {

// RFC 1035, 2136, 8490; 12 to 15 are unassigned.
constexpr std::array<const char*, rcode_buckets> rcode_labels{
    "NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP",  "REFUSED", "YXDOMAIN", "YXRRSET", "NXRRSET",
    "NOTAUTH", "NOTZONE", "DSOTYPENI", "RCODE12", "RCODE13", "RCODE14", "RCODE15",  "other",   "none"};

}  // namespace

const char* rcode_label(std::size_t bucket) { return bucket < rcode_labels.size() ? rcode_labels[bucket] : "other"; }

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
        for (std::size_t slot = 0; slot < zone_slots; ++slot) out.filtered[slot] += block->filtered(slot);
    }
    return out;
}

}  // namespace azdns
