#include "ixfr_apply.hpp"

#include <functional>
#include <unordered_map>

#include "dns_name.hpp"
#include "rr_type.hpp"

namespace azdns {

namespace {

// A record by where it is held: no copy of its bytes per record.
struct RecordRef {
    const ZoneRecords* list;
    std::size_t index;

    [[nodiscard]] ZoneRecord get() const { return (*list)[index]; }
};

struct SameRecordHash {
    std::size_t operator()(const RecordRef& ref) const {
        const ZoneRecord r = ref.get();
        const std::hash<std::string_view> hash;
        return hash(r.owner) ^ (hash(r.rdata) * 31) ^ (std::size_t{r.type} << 1);
    }
};

// Owner, type, class and RDATA: the TTL is not part of a record's identity.
struct SameRecord {
    bool operator()(const RecordRef& a, const RecordRef& b) const {
        const ZoneRecord x = a.get(), y = b.get();
        return x.owner == y.owner && x.type == y.type && x.rclass == y.rclass && x.rdata == y.rdata;
    }
};

std::string record_text(const ZoneRecord& record) {
    return name_to_text(record.owner) + " type " + std::to_string(record.type);
}

// The zone's records in order, each marked present or not, found by content.
class RecordSet {
public:
    explicit RecordSet(const ZoneRecords& current) {
        for (std::size_t i = 0; i < current.size(); ++i) add({&current, i});
    }

    void add(RecordRef ref) {
        if (!position_.emplace(ref, order_.size()).second) return;  // held already
        order_.push_back(ref);
        present_.push_back(true);
    }

    [[nodiscard]] bool remove(RecordRef ref) {
        auto found = position_.find(ref);
        if (found == position_.end()) return false;
        present_[found->second] = false;
        position_.erase(found);
        return true;
    }

    [[nodiscard]] ZoneRecords records() const {
        ZoneRecords out;
        for (std::size_t i = 0; i < order_.size(); ++i) {
            if (present_[i]) out.add(order_[i].get());
        }
        return out;
    }

private:
    std::vector<RecordRef> order_;
    std::vector<bool> present_;
    std::unordered_map<RecordRef, std::size_t, SameRecordHash, SameRecord> position_;
};

std::optional<std::uint32_t> zone_serial(const ZoneRecords& zone) {
    for (std::size_t i = 0; i < zone.size(); ++i) {
        if (zone.type(i) == rr_type::soa) return soa_rdata_serial(zone.rdata(i));
    }
    return std::nullopt;
}

IxfrApplied failure(std::string reason) {
    IxfrApplied applied;
    applied.error = std::move(reason);
    return applied;
}

}  // namespace

IxfrApplied apply_ixfr(const ZoneRecords& current, const std::vector<IxfrStep>& steps) {
    std::optional<std::uint32_t> serial = zone_serial(current);
    if (!serial) return failure("the zone held has no SOA");
    RecordSet set(current);
    for (std::size_t s = 0; s < steps.size(); ++s) {
        const IxfrStep& step = steps[s];
        const std::string where = "IXFR step " + std::to_string(s + 1) + ": ";
        if (step.removed.empty() || step.added.empty()) return failure(where + "has no SOA");
        const std::uint32_t from = *soa_rdata_serial(step.removed.rdata(0));
        if (from != *serial) {
            return failure(where + "starts at serial " + std::to_string(from) + ", the zone is at serial " +
                             std::to_string(*serial));
        }
        for (std::size_t i = 0; i < step.removed.size(); ++i) {
            if (!set.remove({&step.removed, i})) {
                return failure(where + "removes a record the zone does not hold: " + record_text(step.removed[i]));
            }
        }
        for (std::size_t i = 0; i < step.added.size(); ++i) set.add({&step.added, i});
        serial = soa_rdata_serial(step.added.rdata(0));
    }
    IxfrApplied applied;
    applied.zone = set.records();
    return applied;
}

}  // namespace azdns
