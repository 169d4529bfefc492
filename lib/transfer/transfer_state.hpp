// What zone transfers offer at one published moment (docs/transfers.md):
// per zone with transfer rules, its rules and NOTIFY targets, the serial of
// its filtered view and the SOA answers carry with it, and the journals
// IXFR reads. Published beside the zones and the health view (ServingState),
// immutable, so the transfer threads and the answering threads read it
// without locks. Made by TransferTracker.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "config.hpp"
#include "ixfr_journal.hpp"
#include "tsig.hpp"
#include "zone.hpp"

namespace azdns {

struct ZoneTransfers {
    std::string origin;  // wire form, canonical
    std::uint32_t slot = 0;  // the zone's ZoneSet slot
    std::shared_ptr<const Zone> zone;
    std::vector<TransferRule> rules;
    std::vector<ListenAddress> notify;
    // Some rule grants the filtered view: answers then carry its serial too,
    // so that a secondary polling the SOA sees what a transfer would give.
    bool serves_filtered = false;
    std::uint32_t filtered_serial = 0;
    std::uint32_t raw_serial = 0;  // the file's
    std::shared_ptr<const IxfrJournal> filtered_journal;
    std::shared_ptr<const IxfrJournal> raw_journal;
    // The zone's SOA RRset with filtered_serial, as [RDLENGTH][RDATA]; the
    // answer path serves it in place of the zone's own (served_soa()).
    std::vector<std::uint8_t> served_soa_wire;

    [[nodiscard]] std::uint32_t serial(TransferView view) const {
        return view == TransferView::filtered ? filtered_serial : raw_serial;
    }
    [[nodiscard]] const IxfrJournal& journal(TransferView view) const {
        return view == TransferView::filtered ? *filtered_journal : *raw_journal;
    }
    [[nodiscard]] RRsetView served_soa() const {
        return {rr_type::soa, 1, zone->soa().ttl(), served_soa_wire};
    }
};

// A zone this server takes from primaries: who may tell it of a new serial
// by NOTIFY (RFC 1996). Present whether or not the zone has loaded yet.
struct SecondaryNotify {
    std::string origin;  // wire form, canonical
    std::uint32_t slot = 0;
    std::vector<IpPrefix> allow_notify;
    std::string key;  // the primary_key a NOTIFY must be signed with; empty: none needed
};

class TransferState {
public:
    TransferState(std::vector<ZoneTransfers> zones, std::vector<TsigKey> keys,
                  std::vector<SecondaryNotify> secondaries = {});

    // The zone of ZoneSet slot `slot`, or nullptr when it has no transfer rules.
    [[nodiscard]] const ZoneTransfers* zone(std::uint32_t slot) const {
        return slot < by_slot_.size() && by_slot_[slot] != no_zone ? &zones_[by_slot_[slot]] : nullptr;
    }
    [[nodiscard]] const std::vector<ZoneTransfers>& zones() const { return zones_; }
    // The secondary zone of ZoneSet slot `slot`, or nullptr when it is not one.
    [[nodiscard]] const SecondaryNotify* secondary(std::uint32_t slot) const;
    // The [[key]] of that name (wire form, canonical), or nullptr.
    [[nodiscard]] const TsigKey* key(std::string_view name) const;
    [[nodiscard]] bool has_keys() const { return !keys_.empty(); }

private:
    static constexpr std::uint32_t no_zone = UINT32_MAX;
    std::vector<ZoneTransfers> zones_;
    std::vector<std::uint32_t> by_slot_;  // slot -> index into zones_
    std::vector<TsigKey> keys_;
    std::vector<SecondaryNotify> secondaries_;  // few: found by a walk
};

}  // namespace azdns
