#include "fleet_peers.hpp"


namespace azdns {

void FleetPeers::configure(const std::vector<FleetPeer>& peers, Duration stale_after) {
    std::vector<Peer> next;
    for (const FleetPeer& configured : peers) {
        const std::string& name = configured.name;
        if (Peer* known = find(name)) {
            next.push_back(std::move(*known));
        } else {
            next.push_back(Peer{PeerView{name, {}, false, false, {}}, {}});
        }
    }
    peers_ = std::move(next);
    stale_after_ = stale_after;
}

FleetPeers::Peer* FleetPeers::find(const std::string& name) {
    for (Peer& peer : peers_)
        if (peer.view.name == name) return &peer;
    return nullptr;
}

FleetPeers::Received FleetPeers::receive(const FleetReport& report, HealthTime now,
                                         const std::function<bool(const EndpointId&)>& known) {
    Peer* peer = find(report.name);
    if (peer == nullptr) return {Receipt::unknown_peer, {}};
    const FleetReportKey key{report.generation, report.sequence};
    const FleetReportKey held = peer->view.key;
    const bool holds = peer->view.heard.has_value();
    // A restarted peer starts a greater generation; within one, sequences
    // only grow. Anything older is a replay (or a very late delivery).
    if (holds && (key.generation < held.generation ||
                  (key.generation == held.generation && key.sequence < held.sequence)))
        return {Receipt::replayed, held};
    if (!report.full) {
        if (!holds || key != held) return {Receipt::behind, held};
        peer->view.heard = now;
        return {Receipt::confirmed, key};
    }
    if (report.base) {
        // A delta applies only on top of the report it was made from.
        if (!holds || held.generation != key.generation || held.sequence != *report.base)
            return {Receipt::behind, held};
    } else {
        peer->votes.clear();
    }
    for (const ReportedEndpoint& e : report.endpoints) {
        if (!known(e.id)) continue;
        peer->votes[e.id] = PeerVote{e.status, now - e.since_age, e.last_error};
    }
    peer->view.impaired = report.impaired;
    peer->view.key = key;
    peer->view.heard = now;
    return {Receipt::accepted, key};
}

std::vector<std::pair<std::string, bool>> FleetPeers::refresh(HealthTime now) {
    std::vector<std::pair<std::string, bool>> changed;
    for (Peer& peer : peers_) {
        const bool fresh = peer.view.heard && now - *peer.view.heard < stale_after_;
        if (fresh == peer.view.fresh) continue;
        peer.view.fresh = fresh;
        changed.emplace_back(peer.view.name, fresh);
    }
    return changed;
}

void FleetPeers::votes(const EndpointId& id, std::vector<NamedVote>& out) const {
    for (const Peer& peer : peers_) {
        Vote vote = Vote::none;
        if (auto found = peer.votes.find(id); found != peer.votes.end())
            vote = found->second.status == EndpointStatus::down ? Vote::down : Vote::up;
        out.push_back({peer.view.name, {vote, peer.view.fresh && !peer.view.impaired}, !peer.view.fresh});
    }
}

unsigned FleetPeers::counting() const {
    unsigned count = 0;
    for (const Peer& peer : peers_) count += peer.view.fresh && !peer.view.impaired ? 1 : 0;
    return count;
}

bool FleetPeers::see_up(const EndpointId& id) const {
    int balance = 0;
    for (const Peer& peer : peers_) {
        if (!peer.view.fresh || peer.view.impaired) continue;
        auto found = peer.votes.find(id);
        if (found == peer.votes.end()) continue;
        balance += found->second.status == EndpointStatus::down ? -1 : 1;
    }
    return balance > 0;
}

void FleetPeers::forget(const EndpointId& id) {
    for (Peer& peer : peers_) peer.votes.erase(id);
}

std::vector<PeerView> FleetPeers::views() const {
    std::vector<PeerView> out;
    out.reserve(peers_.size());
    for (const Peer& peer : peers_) out.push_back(peer.view);
    return out;
}

}  // namespace azdns
