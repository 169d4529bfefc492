// Deciding an IN-class answer, before any byte is written (NSD's "decide
// first, encode once"): per-section solvers in the shape of RFC 1034
// section 4.3.2 (Knot's answer / authority / additional) fill an AnswerPlan,
// a fixed-size list of RRsets per section, duplicates removed. The engine
// then encodes the plan once, and truncation lives in that one place.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "answer_engine.hpp"
#include "message_writer.hpp"
#include "query_reader.hpp"
#include "zone.hpp"

namespace azdns {

struct PlannedRRset {
    Section section = Section::answer;
    NameRef owner;
    RRsetView rrset;
    std::uint32_t ttl = 0;
    // Delegation data (glue) in a referral's additional section: health
    // filtering must leave it alone.
    bool is_glue = false;
    // Dropping it for lack of room sets TC: answer and authority RRsets, and
    // in-domain glue (RFC 9471). Other additional data is dropped silently.
    bool required = true;
};

class AnswerPlan {
public:
    static constexpr std::size_t capacity = 128;

    std::uint8_t rcode = rcode::noerror;
    bool authoritative = false;
    // An all-down policy (servfail, nodata) decided the answer; filtering of
    // the RRsets themselves is seen when they are encoded.
    bool health_filtered = false;

    // False when the RRset is already planned (for this owner) or the plan is
    // full; additional data simply stays out then.
    bool add(const PlannedRRset& entry);
    [[nodiscard]] std::size_t size() const { return count_; }
    void clear() { count_ = 0; }
    [[nodiscard]] const PlannedRRset& operator[](std::size_t i) const { return entries_[i].entry; }

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
};

// The question's name sits at this offset in every response.
inline constexpr std::size_t question_offset = header_size;

class HealthView;

// Fills `plan` for an IN query whose name lies in `zone`. With `health`, an
// A/AAAA answer whose addresses are all down under policy servfail becomes
// SERVFAIL with no records, under policy nodata a NODATA (SOA); filtering
// itself happens when the plan is encoded (MessageWriter::emit_rrset).
void solve_internet(const Zone& zone, const Question& question, Transport transport, AnswerPlan& plan,
                    const HealthView* health = nullptr);

}  // namespace azdns
