#include "transfer_tracker.hpp"

#include <algorithm>

#include "short_hash.hpp"
#include "transfer_records.hpp"
#include "zone_diff.hpp"

namespace azdns {

namespace {

constexpr std::uint32_t no_slot = UINT32_MAX;

std::uint64_t record_hash(const TransferRecord& record) {
    const auto* owner = reinterpret_cast<const std::uint8_t*>(record.owner.data());
    std::uint64_t h = short_hash(record.owner.size(), owner, record.owner.size());
    h = short_hash(h ^ (std::uint64_t{record.type} << 32 | record.ttl), record.rdata.data(), record.rdata.size());
    return h;
}

std::uint64_t soa_hash(const Zone& zone) {
    const SoaRecord soa(zone, zone.serial());
    return record_hash(soa.record());
}

void flip(std::uint64_t& digest, const TransferRecords& records) {
    for (std::size_t i = 0; i < records.size(); ++i) digest ^= record_hash(records[i]);
}

bool grants(const std::vector<TransferRule>& rules, TransferView view) {
    return std::any_of(rules.begin(), rules.end(), [&](const TransferRule& rule) { return rule.view == view; });
}

std::vector<std::uint8_t> soa_wire(const Zone& zone, std::uint32_t serial) {
    const SoaRecord record(zone, serial);  // holds the bytes the record points into
    const TransferRecord soa = record.record();
    std::vector<std::uint8_t> wire{static_cast<std::uint8_t>(soa.rdata.size() >> 8),
                                   static_cast<std::uint8_t>(soa.rdata.size() & 0xff)};
    wire.insert(wire.end(), soa.rdata.begin(), soa.rdata.end());
    return wire;
}

}  // namespace

std::vector<TsigKey> keys_of(const Config& config) {
    std::vector<TsigKey> keys;
    for (const KeyConfig& key : config.keys) {
        if (const auto algorithm = tsig_algorithm_from_name(key.algorithm))
            keys.push_back({key.name, *algorithm, key.secret});
    }
    return keys;
}

std::uint64_t view_digest(const Zone& zone, const HealthView* view) {
    std::uint64_t digest = 0;
    bool soa = true;  // the first record: counted with the file's serial below
    for_each_record(zone, view, zone.serial(), [&](const TransferRecord& record) {
        if (!soa) digest ^= record_hash(record);
        soa = false;
    });
    return digest ^ soa_hash(zone);
}

void apply_to_digest(std::uint64_t& digest, const ZoneDelta& delta) {
    flip(digest, delta.removed);
    flip(digest, delta.added);
}

TransferState::TransferState(std::vector<ZoneTransfers> zones, std::vector<TsigKey> keys,
                             std::vector<SecondaryNotify> secondaries)
    : zones_(std::move(zones)), keys_(std::move(keys)), secondaries_(std::move(secondaries)) {
    for (std::size_t i = 0; i < zones_.size(); ++i) {
        const std::uint32_t slot = zones_[i].slot;
        if (slot >= by_slot_.size()) by_slot_.resize(slot + 1, no_zone);
        by_slot_[slot] = static_cast<std::uint32_t>(i);
    }
}

const SecondaryNotify* TransferState::secondary(std::uint32_t slot) const {
    for (const SecondaryNotify& secondary : secondaries_)
        if (secondary.slot == slot) return &secondary;
    return nullptr;
}

const TsigKey* TransferState::key(std::string_view name) const {
    for (const TsigKey& key : keys_)
        if (key.name == name) return &key;
    return nullptr;
}

TransferTracker::TransferTracker(SerialBook::Entries saved, JournalLimits limits)
    : serials_(std::move(saved)), limits_(limits) {}

void TransferTracker::follow(Tracked& tracked, const std::string& origin, const std::shared_ptr<const Zone>& zone,
                             const std::shared_ptr<const HealthView>& view, bool filtered, bool raw) {
    if (!tracked.zone) {
        tracked.filtered = std::make_shared<IxfrJournal>(limits_);
        tracked.raw = std::make_shared<IxfrJournal>(limits_);
    }
    if (filtered && !tracked.follows_filtered) {
        // First seen, or a filtered rule just added: nothing to diff against.
        tracked.digest = view_digest(*zone, view.get());
        tracked.filtered_serial = serials_.serial_for(origin, zone->serial(), tracked.digest);
        tracked.filtered = std::make_shared<IxfrJournal>(limits_);
        tracked.filtered_published.reset();
    } else if (filtered && (tracked.zone != zone || tracked.view != view)) {
        const Zone& before = *tracked.zone;
        ZoneDelta delta = diff_views(before, tracked.view.get(), *zone, view.get());
        std::uint64_t digest = tracked.digest ^ soa_hash(before) ^ soa_hash(*zone);
        apply_to_digest(digest, delta);
        const std::uint32_t serial = serials_.serial_for(origin, zone->serial(), digest);
        if (serial != tracked.filtered_serial) {
            tracked.filtered->add(SoaRecord(before, tracked.filtered_serial), SoaRecord(*zone, serial), std::move(delta));
            tracked.filtered_published.reset();
        }
        tracked.digest = digest;
        tracked.filtered_serial = serial;
    }
    // The raw view moves only with the file's serial, as any primary's zone does.
    if (raw && tracked.zone && tracked.zone != zone && zone->serial() != tracked.zone->serial()) {
        const Zone& before = *tracked.zone;
        tracked.raw->add(SoaRecord(before, before.serial()), SoaRecord(*zone, zone->serial()),
                         diff_views(before, nullptr, *zone, nullptr));
        tracked.raw_published.reset();
    }
    tracked.zone = zone;
    tracked.view = view;
    tracked.follows_filtered = filtered;
    if (!tracked.filtered_published) tracked.filtered_published = std::make_shared<const IxfrJournal>(*tracked.filtered);
    if (!tracked.raw_published) tracked.raw_published = std::make_shared<const IxfrJournal>(*tracked.raw);
}

std::shared_ptr<const TransferState> TransferTracker::advance(const Config& config, const ZoneSet& zones,
                                                              const std::shared_ptr<const HealthView>& view) {
    std::vector<ZoneTransfers> out;
    std::vector<SecondaryNotify> secondaries;
    std::map<std::string, Tracked> kept;
    for (const ZoneConfig& configured : config.zones) {
        if (configured.is_secondary()) {
            std::uint32_t slot = no_slot;
            (void)zones.shared(configured.origin, slot);  // loaded or not, it has a slot
            if (slot != no_slot)
                secondaries.push_back({configured.origin, slot, configured.allow_notify, configured.primary_key});
        }
        if (configured.allow_transfer.empty() && configured.notify.empty()) continue;
        std::uint32_t slot = 0;
        std::shared_ptr<const Zone> zone = zones.shared(configured.origin, slot);
        if (!zone) continue;  // not loaded
        const bool filtered = grants(configured.allow_transfer, TransferView::filtered);
        const bool raw = grants(configured.allow_transfer, TransferView::raw);
        auto found = zones_.find(configured.origin);
        Tracked tracked = found != zones_.end() ? std::move(found->second) : Tracked{};
        follow(tracked, configured.origin, zone, view, filtered, raw);

        ZoneTransfers& entry = out.emplace_back();
        entry.origin = configured.origin;
        entry.slot = slot;
        entry.zone = zone;
        entry.rules = configured.allow_transfer;
        entry.notify = configured.notify;
        entry.serves_filtered = filtered;
        entry.raw_serial = zone->serial();
        entry.filtered_serial = filtered ? tracked.filtered_serial : zone->serial();
        entry.filtered_journal = tracked.filtered_published;
        entry.raw_journal = tracked.raw_published;
        if (filtered) entry.served_soa_wire = soa_wire(*zone, entry.filtered_serial);
        kept.emplace(configured.origin, std::move(tracked));
    }
    zones_ = std::move(kept);  // a zone no longer offered forgets its journals
    return std::make_shared<const TransferState>(std::move(out), keys_of(config), std::move(secondaries));
}

}  // namespace azdns
