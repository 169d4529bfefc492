#include "zone_set.hpp"

#include "dns_name.hpp"
#include "short_hash.hpp"

namespace azdns {

namespace {

const std::uint8_t* bytes(std::string_view text) { return reinterpret_cast<const std::uint8_t*>(text.data()); }

}  // namespace

std::uint64_t ZoneSet::origin_hash(std::string_view origin) { return short_hash(origin.size(), bytes(origin), origin.size()); }

bool ZoneSet::add(std::shared_ptr<const Zone> zone) {
    return add(std::move(zone), static_cast<std::uint32_t>(entries_.size()));
}

bool ZoneSet::add(std::shared_ptr<const Zone> zone, std::uint32_t slot) {
    std::string origin = zone->origin();
    return add_entry(std::move(origin), std::move(zone), slot);
}

bool ZoneSet::add_unavailable(std::string origin, std::uint32_t slot) { return add_entry(std::move(origin), nullptr, slot); }

bool ZoneSet::add_entry(std::string origin, std::shared_ptr<const Zone> zone, std::uint32_t slot) {
    std::uint64_t hash = origin_hash(origin);
    if (find_origin(origin, hash) != nullptr) return false;
    origin_lengths_.set(origin.size());
    entries_.push_back(Entry{std::move(origin), std::move(zone), slot, hash});
    if (entries_.size() * 2 > table_.size()) {
        table_.assign(table_.empty() ? 8 : table_.size() * 2, no_entry);
        for (std::uint32_t i = 0; i < entries_.size(); ++i) index(i);
    } else {
        index(static_cast<std::uint32_t>(entries_.size() - 1));
    }
    return true;
}

void ZoneSet::index(std::uint32_t entry) {
    std::size_t mask = table_.size() - 1;
    std::size_t i = entries_[entry].hash & mask;
    while (table_[i] != no_entry) i = (i + 1) & mask;
    table_[i] = entry;
}

const ZoneSet::Entry* ZoneSet::find_origin(std::string_view origin, std::uint64_t hash) const {
    if (table_.empty()) return nullptr;
    std::size_t mask = table_.size() - 1;
    for (std::size_t i = hash & mask; table_[i] != no_entry; i = (i + 1) & mask) {
        const Entry& entry = entries_[table_[i]];
        if (entry.hash == hash && entry.origin.size() == origin.size() &&
            short_equal(bytes(entry.origin), bytes(origin), origin.size())) {
            return &entry;
        }
    }
    return nullptr;
}

const ZoneSet::Entry* ZoneSet::find_entry(std::string_view qname) const {
    // Try the name itself, then each parent: the first hit is the longest origin.
    std::size_t pos = 0;
    while (pos < qname.size()) {
        std::string_view suffix = qname.substr(pos);
        if (suffix.size() < origin_lengths_.size() && origin_lengths_.test(suffix.size())) {
            const Entry* found = find_origin(suffix, origin_hash(suffix));
            if (found != nullptr) return found;
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
    for (const Entry& entry : entries_) {
        if (entry.slot >= out.size()) out.resize(entry.slot + 1);
        out[entry.slot] = entry.origin;
    }
    return out;
}

std::shared_ptr<const Zone> ZoneSet::shared(std::string_view origin, std::uint32_t& slot) const {
    const Entry* entry = find_origin(origin, origin_hash(origin));
    if (entry == nullptr) return nullptr;
    slot = entry->slot;
    return entry->zone;
}

}  // namespace azdns
