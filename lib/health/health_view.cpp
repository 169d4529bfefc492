#include "health_view.hpp"

#include <algorithm>
#include <utility>

#include "config.hpp"
#include "health_state.hpp"

namespace azdns {

namespace {

// An endpoint's verdict in one snapshot; absent ones judge nothing.
enum class Verdict : std::uint8_t { absent, up, down };

}  // namespace

std::shared_ptr<const HealthView> HealthView::build(std::shared_ptr<const HealthIndex> index,
                                                    const HealthSnapshot& health) {
    std::shared_ptr<HealthView> view(new HealthView());
    const HealthIndex& ix = *index;
    view->index_ = std::move(index);

    // Resolved once, so the pass over the slots only indexes small arrays.
    std::vector<bool> fenced(ix.az_names().size());
    for (std::size_t i = 0; i < fenced.size(); ++i) {
        const AzView* az = health.az(ix.az_names()[i]);
        fenced[i] = az != nullptr && az->fenced != FenceReason::none;
    }
    const std::vector<EndpointId>& endpoints = ix.endpoints();
    std::vector<Verdict> verdicts(endpoints.size(), Verdict::absent);
    for (const EndpointView& e : health.endpoints) {
        auto it = std::lower_bound(endpoints.begin(), endpoints.end(), e.id, EndpointIdLess{});
        if (it == endpoints.end() || !(*it == e.id)) continue;
        Verdict& verdict = verdicts[static_cast<std::size_t>(it - endpoints.begin())];
        if (e.status != EndpointStatus::down) {
            verdict = Verdict::up;  // down only when every report of it says down
        } else if (verdict == Verdict::absent) {
            verdict = Verdict::down;
        }
    }
    auto keeps = [&](const HealthIndex::Address& a) {
        if (a.az != HealthIndex::no_az && fenced[a.az]) return false;
        bool down = false;
        for (std::uint32_t p = a.first_probe; p < a.first_probe + a.probe_count; ++p) {
            Verdict verdict = verdicts[ix.probes()[p]];
            if (verdict == Verdict::up) return true;
            down = down || verdict == Verdict::down;
        }
        return !down;
    };

    const TtlPolicy& ttl_policy = ix.ttl();
    view->arena_.reserve(ix.wire_bytes());
    view->views_.resize(ix.slots().size());
    std::vector<std::uint8_t> keep;
    for (std::size_t s = 0; s < ix.slots().size(); ++s) {
        const HealthIndex::Slot& slot = ix.slots()[s];
        const RRsetView& original = slot.original;
        const HealthIndex::Address* addresses = ix.addresses().data() + slot.first_address;
        const std::size_t count = original.size();
        keep.resize(count);
        std::size_t kept = 0;
        for (std::size_t i = 0; i < count; ++i) kept += keep[i] = keeps(addresses[i]);
        if (slot.prefer != HealthIndex::no_prefer) {
            // The first preferred AZ with an address up; when none has one,
            // what survived filtering stands.
            for (const std::uint16_t* az = &ix.prefer()[slot.prefer]; *az != HealthIndex::no_az; ++az) {
                bool up = false;
                for (std::size_t i = 0; i < count; ++i) up = up || (keep[i] && addresses[i].az == *az);
                if (!up) continue;
                kept = 0;
                for (std::size_t i = 0; i < count; ++i) kept += keep[i] = keep[i] && addresses[i].az == *az;
                break;
            }
        }

        FilteredRRset& out = view->views_[s];
        out.removed = kept != count;
        std::uint32_t ttl = out.removed ? ttl_policy.degraded : slot.healthy_ttl;
        if (kept == 0) {
            out.all_down = true;
            ttl = ttl_policy.all_down;
            switch (ix.all_down()) {
                case AllDownPolicy::serve_all: kept = count; break;
                case AllDownPolicy::servfail: out.outcome = HealthOutcome::servfail; break;
                case AllDownPolicy::nodata: out.outcome = HealthOutcome::nodata; break;
            }
        }
        if (kept == count) {
            // Every address, in zone order: the zone's own bytes serve, no copy.
            out.rrset = RRsetView(original.type(), original.size(), ttl, original.wire());
        } else if (kept == 0) {
            out.rrset = RRsetView(original.type(), 0, ttl, {});
        } else {
            std::size_t start = view->arena_.size();
            std::size_t i = 0;
            for (RdataView rr : original) {
                if (keep[i++]) view->arena_.insert(view->arena_.end(), rr.wire().begin(), rr.wire().end());
            }
            std::span<const std::uint8_t> bytes(view->arena_.data() + start, view->arena_.size() - start);
            out.rrset = RRsetView(original.type(), static_cast<std::uint16_t>(kept), ttl, bytes);
        }
    }
    return view;
}

std::shared_ptr<const HealthView> HealthView::build(const ZoneSet& zones, const Config& config,
                                                    const HealthSnapshot& health) {
    std::vector<EndpointId> probed;
    probed.reserve(health.endpoints.size());
    for (const EndpointView& e : health.endpoints) probed.push_back(e.id);
    return build(HealthIndex::build(zones, config, std::move(probed)), health);
}

}  // namespace azdns
