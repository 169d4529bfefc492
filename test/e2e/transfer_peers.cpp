#include "transfer_peers.hpp"

#include <doctest/doctest.h>
#include <poll.h>

#include <sstream>

#include "process.hpp"

// After the C++ headers: ldns defines `false` and `true` when stdbool.h is absent.
#include <ldns/ldns.h>

namespace azdns::e2e {

namespace {

using Clock = std::chrono::steady_clock;

constexpr const char* knotc_binary = "/usr/sbin/knotc";

std::string nsd_key(const TsigSpec& key) {
    return "key:\n    name: \"" + key.name + "\"\n    algorithm: " + key.algorithm + "\n    secret: \"" +
           key.secret_base64 + "\"\n";
}

std::string knot_key(const TsigSpec& key) {
    return "key:\n  - id: " + key.name + "\n    algorithm: " + key.algorithm + "\n    secret: " + key.secret_base64 +
           "\n";
}

// `    key: NAME` under a Knot remote or ACL, when there is a key.
std::string knot_key_line(const std::optional<TsigSpec>& tsig) {
    return tsig ? "    key: " + tsig->name + "\n" : "";
}

// NSD names the key after an address, or NOKEY.
std::string nsd_key_word(const std::optional<TsigSpec>& tsig) { return tsig ? tsig->name : "NOKEY"; }

std::string nsd_secondary_config(const std::string& origin, const Endpoint& primary,
                                 const std::optional<TsigSpec>& tsig, const std::string& source) {
    std::ostringstream conf;
    if (tsig) conf << nsd_key(*tsig);
    conf << "zone:\n    name: \"" << origin << "\"\n"
         << "    zonefile: \"secondary.zone\"\n"
         << "    request-xfr: " << primary.address << "@" << primary.port << " " << nsd_key_word(tsig) << "\n"
         << "    allow-notify: " << primary.address << " " << nsd_key_word(tsig) << "\n"
         << "    outgoing-interface: " << source << "\n";
    return conf.str();
}

// No zone file: the zone lives in memory and the journal (zonefile-sync -1).
// `master` is Knot 3.2's name for the primaries (3.3 renamed it `primary`).
std::string knot_secondary_config(const std::string& dir, const std::string& origin, const Endpoint& primary,
                                  const std::optional<TsigSpec>& tsig, const std::string& source) {
    std::ostringstream conf;
    if (tsig) conf << knot_key(*tsig);
    conf << "remote:\n  - id: primary\n    address: " << primary.address << "@" << primary.port << "\n"
         << "    via: " << source << "\n"
         << knot_key_line(tsig)
         << "acl:\n  - id: notify_from_primary\n    address: " << primary.address << "\n"
         << knot_key_line(tsig) << "    action: notify\n"
         << "template:\n  - id: default\n    storage: \"" << dir << "\"\n"
         << "    zonefile-sync: -1\n    journal-content: changes\n"
         << "zone:\n  - domain: \"" << origin << "\"\n    master: primary\n    acl: notify_from_primary\n";
    return conf.str();
}

// zonefile-load: difference makes a reload a changeset in the journal (the
// serial is the file's own), which Knot then serves as IXFR.
std::string knot_primary_config(const std::string& dir, const std::string& origin,
                                const std::vector<Endpoint>& notify_to, const std::optional<TsigSpec>& tsig) {
    std::ostringstream conf;
    if (tsig) conf << knot_key(*tsig);
    std::string notify_ids;
    if (!notify_to.empty()) conf << "remote:\n";
    for (std::size_t i = 0; i < notify_to.size(); ++i) {
        const std::string id = "secondary" + std::to_string(i);
        conf << "  - id: " << id << "\n    address: " << notify_to[i].address << "@" << notify_to[i].port << "\n"
             << knot_key_line(tsig);
        notify_ids += (notify_ids.empty() ? "" : ", ") + id;
    }
    conf << "acl:\n  - id: transfer_to_loopback\n    address: 127.0.0.0/8\n"
         << knot_key_line(tsig) << "    action: transfer\n"
         << "template:\n  - id: default\n    storage: \"" << dir << "\"\n"
         << "    zonefile-sync: -1\n    zonefile-load: difference\n    journal-content: changes\n"
         << "zone:\n  - domain: \"" << origin << "\"\n    file: \"primary.zone\"\n"
         << "    acl: transfer_to_loopback\n";
    if (!notify_ids.empty()) conf << "    notify: [ " << notify_ids << " ]\n";
    return conf.str();
}

// The kind of the last finished transfer in a Knot log:
// "[zone.] IXFR, incoming, remote 127.0.0.1@53, finished, 0.00 seconds, ..."
// (or AXFR, or outgoing); `remote_address` "" matches any remote.
std::string last_knot_transfer_kind(const std::string& log, const std::string& zone, const std::string& direction,
                                    const std::string& remote_address) {
    std::string kind;
    std::istringstream lines(log);
    for (std::string line; std::getline(lines, line);) {
        if (line.find("[" + zone + "] ") == std::string::npos || line.find(", finished,") == std::string::npos)
            continue;
        for (const char* candidate : {"IXFR", "AXFR"}) {
            const std::string head = std::string(candidate) + ", " + direction + ", remote " + remote_address;
            if (line.find(head) != std::string::npos) kind = candidate[0] == 'I' ? "ixfr" : "axfr";
        }
    }
    return kind;
}

}  // namespace

std::optional<std::uint32_t> soa_serial(const Endpoint& server, const std::string& zone) {
    auto reply = ask_udp(server, Query{.name = zone, .type = rrtype::SOA}, milliseconds(200));
    if (!reply || reply->rcode != rcode::NOERROR || !reply->aa || reply->answer.size() != 1) return std::nullopt;
    // "zone. TTL IN SOA mname rname SERIAL refresh retry expire minimum"
    std::istringstream fields(reply->answer.front());
    std::string owner, ttl, qclass, type, mname, rname;
    std::uint32_t serial = 0;
    if (!(fields >> owner >> ttl >> qclass >> type >> mname >> rname >> serial) || type != "SOA") return std::nullopt;
    return serial;
}

SecondaryServer::SecondaryServer(Peer peer, std::string origin, Endpoint primary, std::optional<TsigSpec> tsig,
                                 SecondaryOptions options)
    : daemon_(peer, options.port), origin_(std::move(origin)) {
    daemon_.start(peer == Peer::nsd
                      ? nsd_secondary_config(origin_, primary, tsig, options.source_address)
                      : knot_secondary_config(daemon_.dir().string(), origin_, primary, tsig, options.source_address));
}

bool SecondaryServer::wait_for_serial(std::uint32_t serial, std::chrono::milliseconds deadline) {
    const auto until = Clock::now() + deadline;
    while (Clock::now() < until && daemon_.running()) {
        if (soa_serial(v4(), origin_) == serial) return true;
        poll(nullptr, 0, 50);
    }
    return false;
}

bool SecondaryServer::wait_for_refused_transfer(std::chrono::milliseconds deadline) {
    const char* failure = daemon_.peer() == Peer::nsd ? "bad transfer" : "refresh, failed";
    const auto until = Clock::now() + deadline;
    while (Clock::now() < until && daemon_.running()) {
        if (daemon_.output().find(failure) != std::string::npos) return true;
        poll(nullptr, 0, 100);
    }
    return false;
}

std::string SecondaryServer::last_transfer_kind() const {
    if (daemon_.peer() == Peer::nsd) return "";
    return last_knot_transfer_kind(daemon_.output(), origin_, "incoming", "");
}

KnotPrimary::KnotPrimary(std::string origin, const std::string& zone_text, const std::vector<Endpoint>& notify_to,
                         std::optional<TsigSpec> tsig, std::chrono::milliseconds ready_wait)
    : daemon_(Peer::knot), origin_(std::move(origin)) {
    write_text(daemon_.dir() / "primary.zone", zone_text);
    if (!daemon_.start(knot_primary_config(daemon_.dir().string(), origin_, notify_to, tsig))) return;
    ready_ = wait_until_authoritative(v4(), origin_, Clock::now() + ready_wait, daemon_.process());
}

bool KnotPrimary::edit(const std::string& zone_text) {
    write_text(daemon_.dir() / "primary.zone", zone_text);
    // -b: knotc returns once the reload has finished, not when it is queued.
    auto reload = test::run_process(
        {knotc_binary, "-s", (daemon_.dir() / "knot.sock").string(), "-b", "zone-reload", origin_},
        std::chrono::seconds(20));
    return reload.exit_code == 0 && reload.out.find("OK") != std::string::npos;
}

std::string KnotPrimary::last_transfer_kind_served_to(const std::string& address) const {
    return last_knot_transfer_kind(daemon_.output(), origin_, "outgoing", address + "@");
}

Bytes tsig_signed_wire(ldns_pkt* packet, const TsigSpec& tsig) {
    REQUIRE(packet != nullptr);
    const std::string algorithm = tsig.algorithm + ".";
    const ldns_status signed_ok =
        ldns_pkt_tsig_sign(packet, tsig.name.c_str(), tsig.secret_base64.c_str(), 300, algorithm.c_str(), nullptr);
    std::uint8_t* data = nullptr;
    std::size_t size = 0;
    const ldns_status encoded = signed_ok == LDNS_STATUS_OK ? ldns_pkt2wire(&data, packet, &size) : signed_ok;
    ldns_pkt_free(packet);
    REQUIRE(encoded == LDNS_STATUS_OK);
    Bytes wire(data, data + size);
    std::free(data);
    return wire;
}

}  // namespace azdns::e2e
