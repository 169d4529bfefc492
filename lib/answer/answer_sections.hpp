// Deciding an IN-class answer, before any byte is written (NSD's "decide
// first, encode once"): per-section solvers in the shape of RFC 1034
// section 4.3.2 (Knot's answer / authority / additional) fill an AnswerPlan,
// a fixed-size list of RRsets per section, duplicates removed. The engine
// then encodes the plan once, and truncation lives in that one place.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <type_traits>

#include "client.hpp"
#include "client_networks.hpp"
#include "dns_name.hpp"
#include "message_writer.hpp"
#include "query_reader.hpp"
#include "zone.hpp"

namespace azdns {

// One RRset of the response as it goes on the wire. Health filtering is
// decided here, not when encoding: `rrset` and `ttl` are what the writer
// writes. (A DNSSEC signature will be an entry of its own next to it, made
// for exactly these records when the health view is built.)
struct PlannedRRset {
    NameRef owner;
    // The zone's RRset, or the form health filtering chose for it (fewer
    // addresses, its own TTL). Empty when health left it out (all down under
    // policy servfail or nodata, outside the answer the policy decides):
    // the entry writes nothing but still counts as planned.
    RRsetView rrset;
    // The zone RRset this entry stands for (its wire bytes): duplicates are
    // found by it, whatever health made of the entry.
    const std::uint8_t* source = nullptr;
    std::uint32_t ttl = 0;
    Section section = Section::answer;
    // Delegation data (glue) in a referral's additional section: health
    // filtering leaves it alone.
    bool is_glue = false;
    // Dropping it for lack of room sets TC: answer and authority RRsets, and
    // in-domain glue (RFC 9471). Other additional data is dropped silently.
    bool required = true;
    // Health changed it: addresses removed, or all_down applied.
    bool health_changed = false;
};

// CNAME and DNAME links followed after the first; a longer chain is answered
// as far as it got.
inline constexpr std::size_t max_chain = 12;

class AnswerPlan {
public:
    static constexpr std::size_t capacity = 128;
    // One CNAME synthesised from a DNAME per link of a chain, at most.
    static constexpr std::size_t synthesis_capacity = max_chain + 1;

    std::uint8_t rcode = rcode::noerror;
    bool authoritative = false;
    // An all-down policy (servfail, nodata) decided the answer; an RRset
    // that health changed says so in its own entry.
    bool health_filtered = false;
    // Why the answer is what it is, for an EDNS client (RFC 8914); nullptr: nothing to say.
    const ExtendedError* extended_error = nullptr;

    // False when the RRset (`source`) is already planned (for this owner) or
    // the plan is full; additional data simply stays out then.
    bool add(const PlannedRRset& entry);
    [[nodiscard]] std::size_t size() const { return count_; }
    void clear() { count_ = 0; }
    [[nodiscard]] const PlannedRRset& operator[](std::size_t i) const { return entries_[i].entry; }

    // A CNAME RRset of one RR, with TTL `ttl`, whose target is `prefix`
    // (lowercased, as NSD and Knot write it) then `suffix`: a CNAME
    // synthesised from a DNAME (RFC 6672 section 3.1). Its RDATA is stored in
    // the plan and lives as long as the plan. Empty when the name would pass
    // 255 octets or the plan holds synthesis_capacity already.
    [[nodiscard]] RRsetView synthesise_cname(std::span<const std::uint8_t> prefix,
                                             std::span<const std::uint8_t> suffix, std::uint32_t ttl);

private:
    // Left unwritten until add() fills it: a plan lives on the stack of every
    // query and holds a few entries, so initialising all 128 (6 KiB) would
    // cost more than the rest of the answer.
    union Slot {
        Slot() {}
        PlannedRRset entry;
    };
    static_assert(std::is_trivially_destructible_v<PlannedRRset>);

    std::array<Slot, capacity> entries_;
    std::size_t count_ = 0;
    // [RDLENGTH][target] per synthesised CNAME: 3.3 KiB, unwritten until used.
    std::array<std::array<std::uint8_t, 2 + max_name_length>, synthesis_capacity> synthesised_;
    std::size_t synthesised_count_ = 0;
};

// The question's name sits at this offset in every response.
inline constexpr std::size_t question_offset = header_size;

class HealthView;
struct ZoneTransfers;

// What decides the SOA a zone's answers carry: its filtered serial when some
// rule transfers the filtered view (a secondary polling the SOA then sees
// what a transfer would give it), except to a client whose rule, by its
// address and the key it signed with, grants the raw view: it transfers the
// file's serial, so it sees that one (else a raw secondary, notified, would
// find itself outdated each time). Judged only when an SOA is planned.
struct SoaChoice {
    const ZoneTransfers* offered = nullptr;  // nullptr: the zone's own SOA
    std::string_view signed_by;              // the verified TSIG key's name; empty: unsigned
};

// Fills `plan` for an IN query from `client` whose name lies in `zone`. With
// `health`, every A/AAAA RRset that is not glue is planned in its filtered
// form with its TTL (answer and additional data alike); an A/AAAA answer
// whose addresses are all down under policy servfail becomes SERVFAIL with
// no records, under policy nodata a NODATA (SOA). `transfers` says which
// SOA goes out wherever the zone's would (docs/transfers.md, "Serials").
// `place` says where the client is for a `nearest` service (its place is
// resolved there when an answer depends on it); nullptr: at its address.
void solve_internet(const Zone& zone, const Question& question, const Client& client, AnswerPlan& plan,
                    const HealthView* health = nullptr, const SoaChoice& transfers = {},
                    ClientPlace* place = nullptr);

}  // namespace azdns
