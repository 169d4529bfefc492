// Turns one DNS query message into its response message: the whole
// authoritative answering logic, with no sockets. Listeners (server/) only
// frame bytes and call answer(); tests and the fuzz target call it directly.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "client.hpp"
#include "client_guard.hpp"
#include "query_reader.hpp"
#include "zone_set.hpp"

namespace azdns {

struct Question;
class MessageWriter;
struct OptRecord;
struct ResponseOutcome;
class HealthView;
class TransferState;
struct TsigCheck;
struct TsigRecord;

// What the operator configured about this server's answers ([server]).
struct AnswerOptions {
    std::string identity;               // NSID and CH TXT id.server; empty = off
    std::string version;                // CH TXT version.bind; empty = REFUSED
    std::uint16_t edns_udp_size = 1232; // largest UDP response to an EDNS client
    // Seconds since 1970, read only for signed (TSIG) queries; nullptr: the
    // system clock. Tests set their own.
    std::uint64_t (*wall_seconds)() = nullptr;
};

// Largest response over TCP.
inline constexpr std::size_t max_message_size = 65535;

// What answer() decided, for the server's counters (spec: "Metrics").
// Written only when answer() returns a response (non-zero length).
struct AnswerStats {
    std::uint16_t rcode = 0;      // full RCODE, extended bits included (BADVERS = 16)
    bool truncated = false;       // TC=1
    // Health decided the answer (all down under policy servfail or nodata),
    // or changed an RRset the encoding reached (addresses removed, or
    // all_down applied): the plan says which, AnswerEngine counts.
    bool health_filtered = false;
    // The ZoneSet slot (see ZoneSet::add) of the zone that answered;
    // no_zone for REFUSED, CH, FORMERR and the like.
    std::uint32_t zone_slot = no_zone;
    static constexpr std::uint32_t no_zone = 0xFFFFFFFF;
    // A NOTIFY from an allowed primary for the secondary zone of zone_slot:
    // the server asks that zone's primaries for its serial now.
    bool notify_accepted = false;
};

// One query's lookahead, started by AnswerEngine::prefetch.
struct AnswerPrefetch {
    const Zone* zone = nullptr;  // nullptr: nothing was started
    std::uint64_t token = 0;
};

class AnswerEngine {
public:
    explicit AnswerEngine(AnswerOptions options);

    // Writes the response to `query`, sent by `client`, into `response` (at
    // least max_response_size(client.transport) bytes) and returns its
    // length, or 0 when the query gets no answer at all (shorter than a
    // header, or QR=1). Over UDP the response is cut to the client's payload
    // size with TC=1, never leaving a partial RRset. Does not allocate.
    // `health` (built from these zones) filters A/AAAA answers; nullptr
    // serves the zones as they are. `stats`, when given, receives what the
    // response says (for metrics). `transfers` (published with them) holds
    // the TSIG keys, who may transfer what, and the SOA serials answers
    // carry; nullptr: no key and no transfer (a signed query gets BADKEY).
    // `guard` (with the guard published with the zones) answers cookies and,
    // over UDP, limits response rates (docs/security.md): a limited response
    // is dropped (0) or slipped (truncated, or BADCOOKIE to a client that
    // sent a cookie); nullptr: neither.
    [[nodiscard]] std::size_t answer(std::span<const std::uint8_t> query, const ZoneSet& zones, const Client& client,
                                     std::span<std::uint8_t> response, const HealthView* health = nullptr,
                                     AnswerStats* stats = nullptr, const TransferState* transfers = nullptr,
                                     const GuardContext* guard = nullptr) const;

    // For listeners that hold a batch of queries: call prefetch() for each
    // query of the batch, then prefetch_more() for each, then answer() them,
    // and their cache misses overlap instead of adding up (see
    // Zone::prefetch_slot). Neither changes an answer; a query that is not
    // well formed is left to answer().
    [[nodiscard]] AnswerPrefetch prefetch(std::span<const std::uint8_t> query, const ZoneSet& zones) const;
    static void prefetch_more(const AnswerPrefetch& started) {
        if (started.zone != nullptr) started.zone->prefetch_block(started.token);
    }

    // The longest response answer() writes over `transport`: over UDP what
    // we offer EDNS clients (never below 512), over TCP max_message_size.
    // UDP listeners size their per-datagram buffers with it.
    [[nodiscard]] std::size_t max_response_size(Transport transport) const;

private:
    // What one answer() reads besides the query.
    struct Served {
        const ZoneSet& zones;
        const Client& client;
        const HealthView* health;
        const TransferState* transfers;
        const GuardContext* guard;
    };
    [[nodiscard]] std::size_t answer_signed(std::span<const std::uint8_t> query_wire, const Query& query,
                                            const Served& served, std::span<std::uint8_t> response,
                                            AnswerStats* stats) const;
    // The response to a query read with `status`, within the client's size
    // less `reserve` bytes (a TSIG's room); `signed_by`: the key that signed it.
    [[nodiscard]] std::size_t write_response(const Query& query, ReadStatus status, const Served& served,
                                             std::span<std::uint8_t> response, AnswerStats* stats,
                                             std::string_view signed_by, std::size_t reserve) const;
    // The response cut to its header, question and OPT: TC=1 for a slipped
    // one, or BADCOOKIE (`outcome` says which).
    [[nodiscard]] std::size_t write_short(const Query& query, const OptRecord* opt, const ResponseOutcome& outcome,
                                          std::span<std::uint8_t> response, std::size_t limit,
                                          AnswerStats* stats) const;
    // The cookie a response carries, and whether the client proved its
    // address with it (answer_guard.cpp).
    struct CookieReply {
        std::array<std::uint8_t, cookie_option_size> option{};
        bool sent = false;    // the client sent a cookie and cookies are on
        bool proven = false;  // its server cookie verified, looked at only while rates are limited
    };
    [[nodiscard]] CookieReply reply_cookie(const EdnsQuery& edns, const Served& served) const;
    // The response `writer` holds as the rate limit lets it go out: its
    // length, 0 when dropped, or a short one when slipped (answer_guard.cpp).
    [[nodiscard]] std::size_t limit_rate(const Query& query, const Served& served, const ResponseOutcome& outcome,
                                         const MessageWriter& writer, const OptRecord* opt, const CookieReply& cookie,
                                         std::span<std::uint8_t> response, std::size_t limit,
                                         AnswerStats* stats) const;
    // What to say once the query is known to be well formed; writes the
    // records, the caller writes the flags and the OPT.
    [[nodiscard]] ResponseOutcome respond(const Query& query, const Served& served, MessageWriter& writer,
                                          std::string_view signed_by) const;
    [[nodiscard]] ResponseOutcome respond_chaos(const Question& question, MessageWriter& writer) const;
    [[nodiscard]] ResponseOutcome respond_notify(const Question& question, const ZoneSet& zones, const Client& client,
                                                 MessageWriter& writer, const TransferState* transfers,
                                                 std::string_view signed_by) const;
    [[nodiscard]] ResponseOutcome respond_transfer(const Question& question, const ZoneSet& zones,
                                                   const Client& client, MessageWriter& writer,
                                                   const TransferState* transfers, std::string_view signed_by) const;
    // NOTAUTH with the TSIG error RFC 8945 section 5.3.2 asks for.
    [[nodiscard]] std::size_t answer_tsig_error(const Query& query, const TsigRecord& record, const TsigCheck& check,
                                                std::span<std::uint8_t> response, AnswerStats* stats,
                                                std::uint64_t now) const;
    [[nodiscard]] std::uint64_t wall_seconds() const;

    AnswerOptions options_;
};

}  // namespace azdns
