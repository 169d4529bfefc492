// Real nameservers on either side of a zone transfer, for end-to-end tests:
// NSD or Knot as a secondary (pulling a zone with AXFR/IXFR, TSIG optional,
// following NOTIFY), and Knot as a primary whose zone a test edits. Each is a
// PeerDaemon (peer_server.hpp): a free loopback port, a temp folder, stopped
// by PID; every wait is bounded.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "dns_client.hpp"
#include "peer_server.hpp"

struct ldns_struct_pkt;

namespace azdns::e2e {

struct TsigSpec {
    std::string name;
    std::string algorithm;  // "hmac-sha256" | "hmac-sha512"
    std::string secret_base64;
};

// `packet` (an ldns_pkt, freed here) signed by ldns with `tsig`, in wire form.
Bytes tsig_signed_wire(ldns_struct_pkt* packet, const TsigSpec& tsig);

// The serial in `server`'s authoritative (AA, NOERROR) SOA answer for `zone`
// over UDP; nullopt when it does not answer so.
std::optional<std::uint32_t> soa_serial(const Endpoint& server, const std::string& zone);

struct SecondaryOptions {
    // Where it listens (on 127.0.0.1 and ::1), and so where a primary sends
    // NOTIFY: a primary configured first needs it in advance. 0: a free one.
    std::uint16_t port = 0;
    // The address its SOA queries and transfers come from, as a primary's
    // ACL and log see it; another loopback address tells two secondaries apart.
    std::string source_address = "127.0.0.1";
};

// A secondary of `origin` pulling from `primary` (signed with `tsig` when
// given) and accepting NOTIFY from the primary's address (signed likewise).
// It starts without the zone, so its first transfer is an AXFR.
class SecondaryServer {
public:
    SecondaryServer(Peer peer, std::string origin, Endpoint primary, std::optional<TsigSpec> tsig,
                    SecondaryOptions options = {});

    // The daemon accepted its config and is running.
    [[nodiscard]] bool running() { return daemon_.running(); }
    [[nodiscard]] Endpoint v4() const { return daemon_.v4(); }
    // Polls its SOA over UDP until it answers `serial` authoritatively; false
    // once `deadline` has passed or the daemon has exited.
    bool wait_for_serial(std::uint32_t serial, std::chrono::milliseconds deadline);
    // Waits until its log says a refresh from the primary failed (Knot:
    // "refresh, failed", NSD: "bad transfer"); false once `deadline` has
    // passed or the daemon has exited. NSD 4.6 logs nothing when a transfer
    // without TSIG is refused (NOTAUTH): use Knot for that case.
    bool wait_for_refused_transfer(std::chrono::milliseconds deadline);
    // How the last transfer came in, from its own log: "ixfr", "axfr", or ""
    // when none has or the log does not tell. Knot logs "IXFR, incoming" /
    // "AXFR, incoming"; NSD 4.6 logs the same lines for both (xfrd: zone Z
    // committed "received update to serial N ..."), so for NSD it is always "":
    // ask the primary which kind it served to the secondary's source address.
    [[nodiscard]] std::string last_transfer_kind() const;
    // Its output and config, for failure messages.
    [[nodiscard]] std::string log() const { return daemon_.log(); }

private:
    PeerDaemon daemon_;
    std::string origin_;
};

// Knot as the primary of `origin`, serving `zone_text`, NOTIFYing every
// `notify_to` on a change and allowing transfers to all of 127.0.0.0/8
// (signed with `tsig` when given: then unsigned requests are refused).
// Changes are kept in its journal, so it serves IXFR from one version to the next.
class KnotPrimary {
public:
    KnotPrimary(std::string origin, const std::string& zone_text, const std::vector<Endpoint>& notify_to,
                std::optional<TsigSpec> tsig, std::chrono::milliseconds ready_wait = std::chrono::seconds(10));

    // It answers the zone's SOA authoritatively.
    [[nodiscard]] bool ready() const { return ready_; }
    [[nodiscard]] Endpoint v4() const { return daemon_.v4(); }
    // Replaces the zone text (with a higher serial) and reloads it; true once
    // knotc reports the reload done. Knot computes the difference, keeps it
    // in its journal for IXFR, and NOTIFYs.
    [[nodiscard]] bool edit(const std::string& zone_text);
    // "ixfr" or "axfr": the kind of the last transfer it finished serving to
    // `address` (from its log); "" when none.
    [[nodiscard]] std::string last_transfer_kind_served_to(const std::string& address) const;
    // Its output and config, for failure messages.
    [[nodiscard]] std::string log() const { return daemon_.log(); }

private:
    PeerDaemon daemon_;
    std::string origin_;
    bool ready_ = false;
};

}  // namespace azdns::e2e
