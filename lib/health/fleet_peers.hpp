// What this instance knows of its peers (docs/fleet.md): each one's last
// report (its own verdicts, whether its prober is impaired), when it was
// heard from, and so whether its votes are fresh. Pure: every call takes
// `now`; HealthState turns the votes into the fleet's verdicts.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "config.hpp"
#include "fleet_quorum.hpp"
#include "fleet_report.hpp"

namespace azdns {

struct PeerVote {
    EndpointStatus status = EndpointStatus::up;
    HealthTime since;
    std::string last_error;
};

// One peer as status and metrics show it.
struct PeerView {
    std::string name;
    std::optional<HealthTime> heard;  // when its current state last arrived or was confirmed
    bool fresh = false;               // heard within stale_after
    bool impaired = false;            // as it says of itself
    FleetReportKey key;               // the report held
};

// A vote on one endpoint, with the vantage point it comes from.
struct NamedVote {
    std::string vantage;
    VantageVote vote;
    bool stale = false;  // `vote.counts` is false because the vantage point is stale
};

class FleetPeers {
public:
    // Peer names as the config keeps them (lower case). Peers that stay keep
    // their state; others go.
    void configure(const std::vector<FleetPeer>& peers, Duration stale_after);

    enum class Receipt {
        accepted,      // a full report, now held
        confirmed,     // a heartbeat for the report held: the peer is fresh
        behind,        // a heartbeat for a report not held: the sender must send it whole
        unknown_peer,  // no configured peer has that name
        replayed,      // older than the report held (same start, lower sequence; or an earlier start)
    };
    struct Received {
        Receipt receipt;
        FleetReportKey have;  // what is now held of the sender (for the reply)
    };
    // `known` says which endpoints this instance probes: votes on others are
    // not kept (they judge nothing here, and must not cost memory).
    Received receive(const FleetReport& report, HealthTime now,
                     const std::function<bool(const EndpointId&)>& known);

    // Re-judges freshness at `now`: the names of the peers that became
    // fresh (true) or stale (false) since the last call.
    std::vector<std::pair<std::string, bool>> refresh(HealthTime now);

    // Appends each peer's vote on `id` (none when it has no verdict). A vote
    // counts when the peer is fresh and not impaired.
    void votes(const EndpointId& id, std::vector<NamedVote>& out) const;
    // Of the fresh peers that are not impaired, how many.
    [[nodiscard]] unsigned counting() const;
    // Whether fresh, unimpaired peers with a verdict mostly see `id` up
    // (false when none has one): the test of an impaired prober.
    [[nodiscard]] bool see_up(const EndpointId& id) const;

    void forget(const EndpointId& id);
    [[nodiscard]] std::vector<PeerView> views() const;
    [[nodiscard]] bool empty() const { return peers_.empty(); }

private:
    struct Peer {
        PeerView view;
        std::map<EndpointId, PeerVote, EndpointIdLess> votes;
    };
    Peer* find(const std::string& name);

    std::vector<Peer> peers_;
    Duration stale_after_{5'000};
};

}  // namespace azdns
