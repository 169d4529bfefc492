#include "zone_set.hpp"

#include "dns_name.hpp"

namespace azdns {

bool ZoneSet::add(std::shared_ptr<const Zone> zone) {
    return add(std::move(zone), static_cast<std::uint32_t>(zones_.size()));
}

bool ZoneSet::add(std::shared_ptr<const Zone> zone, std::uint32_t slot) {
    std::string origin = zone->origin();
    std::size_t length = origin.size();
    if (!zones_.try_emplace(std::move(origin), Entry{std::move(zone), slot}).second) return false;
    origin_lengths_.set(length);
    return true;
}

const ZoneSet::Entry* ZoneSet::find_entry(std::string_view qname) const {
    // Try the name itself, then each parent: the first hit is the longest origin.
    std::size_t pos = 0;
    while (pos < qname.size()) {
        std::string_view suffix = qname.substr(pos);
        if (suffix.size() < origin_lengths_.size() && origin_lengths_.test(suffix.size())) {
            auto found = zones_.find(suffix);
            if (found != zones_.end()) return &found->second;
        }
        if (qname[pos] == 0) break;
        pos += 1u + static_cast<unsigned char>(qname[pos]);
    }
    return nullptr;
}

const Zone* ZoneSet::find(std::string_view qname) const {
    const Entry* entry = find_entry(qname);
    return entry != nullptr ? entry->zone.get() : nullptr;
}

const Zone* ZoneSet::find(std::string_view qname, std::uint32_t& slot) const {
    const Entry* entry = find_entry(qname);
    if (entry == nullptr) return nullptr;
    slot = entry->slot;
    return entry->zone.get();
}

const Zone* ZoneSet::find_for_ds(std::string_view qname, std::uint32_t& slot) const {
    const Entry* entry = find_entry(name_parent(qname));
    if (entry == nullptr) entry = find_entry(qname);
    if (entry == nullptr) return nullptr;
    slot = entry->slot;
    return entry->zone.get();
}

std::vector<std::string> ZoneSet::origins() const {
    std::vector<std::string> out;
    for (const auto& [origin, entry] : zones_) {
        if (entry.slot >= out.size()) out.resize(entry.slot + 1);
        out[entry.slot] = origin;
    }
    return out;
}

}  // namespace azdns
