#include "zone_diff.hpp"

#include <algorithm>
#include <array>

namespace azdns {

namespace {

// Either side may be empty: the view leaves the RRset out, or has none.
bool changed(const RRsetView& before, const RRsetView& after) {
    if (before.empty() || after.empty()) return before.empty() != after.empty();
    return before.ttl() != after.ttl() || before.size() != after.size() ||
           !std::ranges::equal(before.wire(), after.wire());
}

void compare(std::string_view owner, const RRsetView& before, const RRsetView& after, ZoneDelta& delta) {
    if (!changed(before, after)) return;
    delta.removed.add_rrset(owner, before);
    delta.added.add_rrset(owner, after);
}

bool is_apex_soa(const NodeView& node, const RRsetView& rrset) {
    return rrset.type() == rr_type::soa && node.is_apex();
}

// The RRsets that `view` filters in `zone`, compared between both views;
// `skip_if` leaves out the RRsets another pass compared already.
template <typename Skip>
void compare_filtered(const Zone& zone, const HealthView& view, const HealthView* old_view,
                      const HealthView* new_view, Skip skip_if, ZoneDelta& delta) {
    std::array<char, max_name_length> name;
    for (const HealthIndex::Slot& slot : view.index().slots()) {
        if (slot.zone != &zone || skip_if(slot.original)) continue;
        RRsetView before = transferred_rrset(old_view, slot.original);
        RRsetView after = transferred_rrset(new_view, slot.original);
        if (!changed(before, after)) continue;  // most do not: their names are not written
        std::string_view owner(name.data(), zone.node(slot.node).write_name(name));
        compare(owner, before, after, delta);
    }
}

// A health change: the zone is the same, so only filtered RRsets can differ.
void diff_health(const Zone& zone, const HealthView* old_view, const HealthView* new_view, ZoneDelta& delta) {
    auto none = [](const RRsetView&) { return false; };
    if (new_view != nullptr) compare_filtered(zone, *new_view, old_view, new_view, none, delta);
    if (old_view == nullptr || (new_view != nullptr && &old_view->index() == &new_view->index())) return;
    // Another index (or the raw view now): the RRsets only the old view filtered.
    auto compared = [&](const RRsetView& rrset) { return new_view != nullptr && new_view->find(rrset) != nullptr; };
    compare_filtered(zone, *old_view, old_view, new_view, compared, delta);
}

// A new zone: every name of each side, looked up on the other.
void diff_zones(const Zone& old_zone, const HealthView* old_view, const Zone& new_zone, const HealthView* new_view,
                ZoneDelta& delta) {
    std::array<char, max_name_length> name;
    // What the new zone has: changed or added.
    for (std::size_t n = 0; n < new_zone.node_count(); ++n) {
        NodeView node = new_zone.node(n);
        if (node.empty()) continue;
        std::string_view owner(name.data(), node.write_name(name));
        NodeView old_node = old_zone.find(owner);
        for (std::size_t i = 0; i < node.rrset_count(); ++i) {
            RRsetView after = node.rrset_at(i);
            if (is_apex_soa(node, after)) continue;
            RRsetView before = old_node ? old_node.rrset(after.type()) : RRsetView{};
            compare(owner, transferred_rrset(old_view, before), transferred_rrset(new_view, after), delta);
        }
    }
    // What only the old zone has: removed.
    for (std::size_t n = 0; n < old_zone.node_count(); ++n) {
        NodeView node = old_zone.node(n);
        if (node.empty()) continue;
        std::string_view owner(name.data(), node.write_name(name));
        NodeView new_node = new_zone.find(owner);
        for (std::size_t i = 0; i < node.rrset_count(); ++i) {
            RRsetView before = node.rrset_at(i);
            if (is_apex_soa(node, before) || (new_node && !new_node.rrset(before.type()).empty())) continue;
            compare(owner, transferred_rrset(old_view, before), {}, delta);
        }
    }
}

}  // namespace

ZoneDelta diff_views(const Zone& old_zone, const HealthView* old_view, const Zone& new_zone,
                     const HealthView* new_view) {
    ZoneDelta delta;
    if (&old_zone == &new_zone) {
        diff_health(new_zone, old_view, new_view, delta);
    } else {
        diff_zones(old_zone, old_view, new_zone, new_view, delta);
    }
    return delta;
}

}  // namespace azdns
