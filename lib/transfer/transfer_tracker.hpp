// Keeps what transfers need from one publish to the next (docs/transfers.md):
// each zone's serial book entry, its journals, and the zone and view last
// published, to diff the next ones against. The publisher calls advance()
// once per publish, under its lock, after building the health view; it
// returns the TransferState published with them. A zone without transfer
// rules costs nothing here. Not thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "config.hpp"
#include "health_view.hpp"
#include "ixfr_journal.hpp"
#include "served_serials.hpp"
#include "zone_diff.hpp"
#include "transfer_state.hpp"
#include "zone_set.hpp"

namespace azdns {

class TransferTracker {
public:
    explicit TransferTracker(SerialBook::Entries saved = {}, JournalLimits limits = {});

    // The state of `zones` as `view` filters them (null: nothing filtered).
    [[nodiscard]] std::shared_ptr<const TransferState> advance(const Config& config, const ZoneSet& zones,
                                                               const std::shared_ptr<const HealthView>& view);

    // For saving in state_dir when version() moved.
    [[nodiscard]] const SerialBook& serials() const { return serials_; }

private:
    struct Tracked {
        std::shared_ptr<const Zone> zone;
        std::shared_ptr<const HealthView> view;  // the one the zone was last seen with
        bool follows_filtered = false;           // some rule granted the filtered view last time
        std::uint64_t digest = 0;                // of the filtered content, the file's serial included
        std::uint32_t filtered_serial = 0;
        std::shared_ptr<IxfrJournal> filtered;
        std::shared_ptr<IxfrJournal> raw;
        // Copies for publishing, made again only when their journal changed.
        std::shared_ptr<const IxfrJournal> filtered_published;
        std::shared_ptr<const IxfrJournal> raw_published;
    };

    // Brings `tracked` to `zone` as `view` filters it, for the views some rule grants.
    void follow(Tracked& tracked, const std::string& origin, const std::shared_ptr<const Zone>& zone,
                const std::shared_ptr<const HealthView>& view, bool filtered, bool raw);

    SerialBook serials_;
    JournalLimits limits_;
    std::map<std::string, Tracked> zones_;  // by origin; only zones with transfer rules
};

// The [[key]]s of `config` as TSIG keys (what signs and verifies transfers and NOTIFY).
[[nodiscard]] std::vector<TsigKey> keys_of(const Config& config);

// A digest of a view's content that does not depend on record order: the
// XOR of a hash per record, the SOA counted with the file's serial. A
// diff's records update it (each removed or added record flips its hash).
[[nodiscard]] std::uint64_t view_digest(const Zone& zone, const HealthView* view);
void apply_to_digest(std::uint64_t& digest, const ZoneDelta& delta);

}  // namespace azdns
