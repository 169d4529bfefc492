#include "health_view.hpp"

#include <algorithm>
#include <utility>

#include "config.hpp"
#include "health_state.hpp"
#include "ramp_share.hpp"

namespace azdns {

namespace {

// An endpoint's verdict in one snapshot; absent ones judge nothing.
enum class Verdict : std::uint8_t { absent, up, down };

// Narrows `keep` to one AZ: `own_az` when it has an address kept, else the
// first in `prefer` (no_az-terminated; nullptr: no choice to make) that
// has. When none has one, what health kept stands.
void choose_preferred(std::vector<std::uint8_t>& keep, const HealthIndex::Address* addresses, std::uint16_t own_az,
                      const std::uint16_t* prefer) {
    auto has_one = [&](std::uint16_t az) {
        for (std::size_t i = 0; i < keep.size(); ++i)
            if (keep[i] && addresses[i].az == az) return true;
        return false;
    };
    auto narrow_to = [&](std::uint16_t az) {
        for (std::size_t i = 0; i < keep.size(); ++i) keep[i] = keep[i] && addresses[i].az == az;
    };
    if (own_az != HealthIndex::no_az && has_one(own_az)) return narrow_to(own_az);
    if (prefer == nullptr) return;
    for (const std::uint16_t* az = prefer; *az != HealthIndex::no_az; ++az) {
        if (has_one(*az)) return narrow_to(*az);
    }
}

// `form` while an AZ in it, or left out of it, ramps back: at ttl.degraded,
// so that clients follow the share as it grows.
FilteredRRset ramping_form(FilteredRRset form, const HealthIndex& ix) {
    form.ramping = true;
    form.rrset = RRsetView(form.rrset.type(), form.rrset.size(), ix.ttl().degraded, form.rrset.wire());
    return form;
}

}  // namespace

const FilteredRRset* HealthView::drawn(std::uint32_t view) const {
    const RampChoice& choice = ramps_[view];
    if (choice.without == HealthIndex::no_slot) return &views_[view];
    // xorshift32 per thread: no lock, no allocation, even enough to split
    // answers by a share; seeded apart per thread by its own address.
    thread_local std::uint32_t state =
        (0x9E3779B9u ^ static_cast<std::uint32_t>(reinterpret_cast<std::uintptr_t>(&state) >> 4)) | 1u;  // never 0
    state ^= state << 13;
    state ^= state >> 17;
    state ^= state << 5;
    return state % full_answer_permille < choice.full_permille ? &views_[view] : &views_[choice.without];
}

std::uint16_t HealthView::share_in_full(const RRsetView& original, ClientPlace& client) const {
    if (original.empty() || ramps_.empty()) return full_answer_permille;
    const std::uint32_t view = index_->view_of(original.wire().data(), client);
    if (view == HealthIndex::no_slot || ramps_[view].without == HealthIndex::no_slot) return full_answer_permille;
    return ramps_[view].full_permille;
}

// The view of `slot` answering with the addresses in `keep`. The TTL
// follows health alone (`healthy`): a service's choice of AZ removes no
// address from service, so it keeps the healthy TTL.
FilteredRRset HealthView::filtered(const HealthIndex::Slot& slot, const std::vector<std::uint8_t>& keep,
                                   const std::vector<std::uint8_t>& healthy, const HealthIndex& ix) {
    const RRsetView& original = slot.original;
    const std::size_t count = original.size();
    const auto kept = static_cast<std::size_t>(std::count(keep.begin(), keep.end(), 1));
    FilteredRRset out;
    out.removed = std::count(healthy.begin(), healthy.end(), 1) != static_cast<std::ptrdiff_t>(count);
    std::uint32_t ttl = out.removed ? ix.ttl().degraded : slot.healthy_ttl;
    std::size_t served = kept;
    if (kept == 0) {
        out.all_down = true;
        ttl = ix.ttl().all_down;
        switch (ix.all_down()) {
            case AllDownPolicy::serve_all: served = count; break;
            case AllDownPolicy::servfail: out.outcome = HealthOutcome::servfail; break;
            case AllDownPolicy::nodata: out.outcome = HealthOutcome::nodata; break;
        }
    }
    if (served == count) {
        // Every address, in zone order: the zone's own bytes serve, no copy.
        out.rrset = RRsetView(original.type(), original.size(), ttl, original.wire());
    } else if (served == 0) {
        out.rrset = RRsetView(original.type(), 0, ttl, {});
    } else {
        const std::size_t start = arena_.size();
        std::size_t i = 0;
        for (RdataView rr : original) {
            if (keep[i++]) arena_.insert(arena_.end(), rr.wire().begin(), rr.wire().end());
        }
        std::span<const std::uint8_t> bytes(arena_.data() + start, arena_.size() - start);
        out.rrset = RRsetView(original.type(), static_cast<std::uint16_t>(served), ttl, bytes);
    }
    return out;
}

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

    // AZs ramping back after a restore: the share of answers that carry them.
    std::vector<std::uint16_t> share(ix.az_names().size(), full_answer_permille);
    for (std::size_t i = 0; i < share.size(); ++i) {
        const AzView* az = health.az(ix.az_names()[i]);
        if (az != nullptr && az->fenced == FenceReason::none) share[i] = az->answer_permille;
    }
    const bool ramping = std::any_of(share.begin(), share.end(), [](auto s) { return s < full_answer_permille; });
    auto share_of = [&](const HealthIndex::Address& a) {
        return a.az == HealthIndex::no_az ? full_answer_permille : share[a.az];
    };

    // The arena holds at most two forms (in full, and without ramping AZs) per view.
    view->arena_.reserve(ix.wire_bytes() * (ramping ? 2 : 1));
    view->views_.resize(ix.view_count());
    if (ramping) view->ramps_.resize(ix.view_count());
    std::vector<std::uint8_t> healthy;  // per address of the slot: kept by health
    std::vector<std::uint8_t> keep;     // per address: in this view
    for (std::size_t s = 0; s < ix.slots().size(); ++s) {
        const HealthIndex::Slot& slot = ix.slots()[s];
        const HealthIndex::Address* addresses = ix.addresses().data() + slot.first_address;
        const std::size_t count = slot.original.size();
        healthy.resize(count);
        for (std::size_t i = 0; i < count; ++i) healthy[i] = keeps(addresses[i]);
        const std::uint16_t* prefer = slot.prefer != HealthIndex::no_prefer ? &ix.prefer()[slot.prefer] : nullptr;
        // View `at` of the slot for a client in `own_az` (no_az: anywhere).
        auto make = [&](std::uint32_t at, std::uint16_t own_az) {
            keep = healthy;
            choose_preferred(keep, addresses, own_az, prefer);
            std::uint16_t full_share = full_answer_permille;
            for (std::size_t i = 0; i < count; ++i)
                if (keep[i]) full_share = std::min(full_share, share_of(addresses[i]));
            view->views_[at] = view->filtered(slot, keep, healthy, ix);
            if (full_share == full_answer_permille) return;
            // A ramping AZ is in it: the form without the ramping AZs serves
            // the rest of the answers, and both go out at ttl.degraded.
            view->views_[at] = ramping_form(view->views_[at], ix);
            keep = healthy;
            for (std::size_t i = 0; i < count; ++i) keep[i] = keep[i] && share_of(addresses[i]) == full_answer_permille;
            choose_preferred(keep, addresses, own_az, prefer);
            if (std::count(keep.begin(), keep.end(), 1) == 0) return;  // nothing else to answer with
            view->ramps_[at] = {static_cast<std::uint32_t>(view->views_.size()), full_share};
            view->views_.push_back(ramping_form(view->filtered(slot, keep, healthy, ix), ix));
        };
        make(static_cast<std::uint32_t>(s), HealthIndex::no_az);
        if (slot.first_place_view == HealthIndex::no_slot) continue;
        const std::vector<std::uint16_t>& place_azs = ix.clients().azs();
        for (std::size_t p = 0; p < place_azs.size(); ++p)
            make(slot.first_place_view + static_cast<std::uint32_t>(p), place_azs[p]);
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
