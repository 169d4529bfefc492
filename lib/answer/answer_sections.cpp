#include "answer_sections.hpp"

#include <string_view>

#include "ascii.hpp"
#include "dns_name.hpp"
#include "health_view.hpp"

namespace azdns {

namespace {

// CNAMEs followed for one answer; a longer chain is answered as far as here.
constexpr std::size_t max_chain = 12;

// A canonical copy of a wire name taken from zone data.
struct CanonicalName {
    std::array<char, 255> bytes;  // only the first `length` are meaningful: not zeroed per query
    std::size_t length = 0;
    [[nodiscard]] std::string_view view() const { return {bytes.data(), length}; }
};

// The uncompressed name at the start of `data`, lowercased; false when it
// does not fit in `data` (the store never holds such names, but RDATA of
// unknown shape must not be trusted blindly).
bool canonical_name(std::span<const std::uint8_t> data, CanonicalName& out) {
    std::size_t pos = 0;
    while (true) {
        if (pos >= data.size() || pos >= out.bytes.size()) return false;
        std::uint8_t label = data[pos];
        if (label > 63 || pos + 1u + label > data.size() || pos + 1u + label > out.bytes.size()) return false;
        for (std::size_t i = 0; i <= label; ++i) {
            auto c = static_cast<char>(data[pos + i]);
            if (i > 0) c = ascii_lower(c);
            out.bytes[pos + i] = c;
        }
        pos += 1u + label;
        if (label == 0) break;
    }
    out.length = pos;
    return true;
}

// Where the target name starts in the RDATA of types that trigger
// additional-section processing (RFC 1035 section 3.3, RFC 2782).
std::size_t target_offset(std::uint16_t type) {
    switch (type) {
        case rr_type::ns: return 0;
        case rr_type::mx: return 2;
        case rr_type::srv: return 6;
        default: return SIZE_MAX;
    }
}

// The position in the chain being resolved: the name, how to write it as an
// owner, and where its original-case bytes are.
struct ChainLink {
    std::string_view name;            // canonical
    NameRef owner;                    // how to write it
    const std::uint8_t* wire;         // original case, uncompressed
    bool in_question;                 // `owner` points into the question
};

NameRef suffix_of(const ChainLink& link, std::size_t offset) {
    if (link.in_question) return NameRef::in_message(question_offset + offset);
    return NameRef::from_wire(link.wire + offset);
}

// A/AAAA of the in-zone names an RRset refers to. `cut` (canonical) is set
// for a referral: then every address is glue, and the in-domain ones are
// required (RFC 9471).
void add_addresses_for_targets(const Zone& zone, const RRsetView& rrset, std::string_view cut, AnswerPlan& plan) {
    std::size_t skip = target_offset(rrset.type());
    if (skip == SIZE_MAX) return;
    for (RdataView rr : rrset) {
        auto rdata = rr.rdata();
        if (rdata.size() <= skip) continue;
        CanonicalName target;
        if (!canonical_name(rdata.subspan(skip), target)) continue;
        if (!name_is_at_or_below(target.view(), zone.origin())) continue;
        NodeView node = zone.find(target.view());
        if (!node) continue;
        bool referral = !cut.empty();
        bool glue = referral || node.is_below_delegation();
        bool required = referral && name_is_at_or_below(target.view(), cut);
        for (std::uint16_t type : {rr_type::a, rr_type::aaaa}) {
            RRsetView addresses = node.rrset(type);
            if (addresses.empty()) continue;
            plan.add({Section::additional, NameRef::from_wire(rdata.data() + skip), addresses, addresses.ttl(), glue,
                      required});
        }
    }
}

void answer_positive(const Zone& zone, const ChainLink& link, const RRsetView& rrset, AnswerPlan& plan) {
    plan.add({Section::answer, link.owner, rrset, rrset.ttl(), false, true});
    add_addresses_for_targets(zone, rrset, {}, plan);
}

// RFC 2308 section 3: the SOA, with the negative-caching TTL.
void answer_negative(const Zone& zone, AnswerPlan& plan) {
    auto origin = reinterpret_cast<const std::uint8_t*>(zone.origin().data());
    plan.add({Section::authority, NameRef::from_wire(origin), zone.soa(), zone.negative_ttl(), false, true});
}

// RFC 1034 section 4.3.2 step 3b: a referral to the cut's name servers.
void answer_delegation(const Zone& zone, const ChainLink& link, const LookupResult& result, AnswerPlan& plan) {
    // A wildcard cut is synthesised at the name itself.
    std::size_t offset = result.wildcard ? 0 : result.encloser_offset;
    std::string_view cut = link.name.substr(offset);
    plan.add({Section::authority, suffix_of(link, offset), result.authority, result.authority.ttl(), false, true});
    add_addresses_for_targets(zone, result.authority, cut, plan);
}

// RFC 8482: over UDP one RRset, the one of lowest type; over TCP all.
void answer_any(const Zone& zone, const ChainLink& link, NodeView node, Transport transport, AnswerPlan& plan) {
    std::size_t count = transport == Transport::udp ? 1 : node.rrset_count();
    for (std::size_t i = 0; i < count; ++i) answer_positive(zone, link, node.rrset_at(i), plan);
}

}  // namespace

bool AnswerPlan::add(const PlannedRRset& entry) {
    if (entry.rrset.empty()) return false;
    for (std::size_t i = 0; i < count_; ++i) {
        const PlannedRRset& seen = entries_[i].entry;
        if (seen.rrset.wire().data() != entry.rrset.wire().data() || seen.rrset.type() != entry.rrset.type()) continue;
        // Wildcard data may legitimately appear under several owners.
        bool same_owner = seen.owner.packet_offset == entry.owner.packet_offset && seen.owner.wire == entry.owner.wire;
        if (same_owner || entry.section == Section::additional) return false;
    }
    if (count_ == capacity) return false;
    entries_[count_++].entry = entry;
    return true;
}

void solve_internet(const Zone& zone, const Question& question, Transport transport, AnswerPlan& plan,
                    const HealthView* health) {
    plan.authoritative = true;
    std::array<CanonicalName, max_chain + 1> seen;  // names already resolved, for loops
    ChainLink link{question.name(), NameRef::in_message(question_offset), question.wire.data(), true};
    std::uint16_t qtype = question.qtype;

    for (std::size_t hop = 0;; ++hop) {
        LookupResult result = zone.lookup(link.name, qtype);
        switch (result.status) {
            case LookupStatus::answer:
                if (health != nullptr) {
                    const FilteredRRset* filtered = health->find(result.answer);
                    if (filtered != nullptr && filtered->outcome == HealthOutcome::servfail) {
                        plan.clear();  // no partial chain with a SERVFAIL
                        plan.rcode = rcode::servfail;
                        plan.authoritative = false;
                        plan.health_filtered = true;
                        return;
                    }
                    if (filtered != nullptr && filtered->outcome == HealthOutcome::nodata) {
                        answer_negative(zone, plan);  // CNAMEs before it stay
                        plan.health_filtered = true;
                        return;
                    }
                }
                answer_positive(zone, link, result.answer, plan);
                return;
            case LookupStatus::nodata:
                if (qtype == rr_type::any && result.node && !result.node.empty()) {
                    answer_any(zone, link, result.node, transport, plan);
                } else {
                    answer_negative(zone, plan);
                }
                return;
            case LookupStatus::nxdomain:
                plan.rcode = rcode::nxdomain;
                answer_negative(zone, plan);
                return;
            case LookupStatus::delegation:
                // The CNAMEs before a referral are still ours (AA stays).
                if (hop == 0) plan.authoritative = false;
                answer_delegation(zone, link, result, plan);
                return;
            case LookupStatus::not_in_zone:
                return;
            case LookupStatus::cname:
                break;
        }

        // A CNAME: answer it, then follow it while it stays in this zone.
        if (qtype == rr_type::any) {
            answer_any(zone, link, result.node, transport, plan);
            return;
        }
        plan.add({Section::answer, link.owner, result.answer, result.answer.ttl(), false, true});
        if (hop == max_chain) return;
        auto target_rdata = (*result.answer.begin()).rdata();
        CanonicalName& target = seen[hop];
        if (!canonical_name(target_rdata, target)) return;
        if (!name_is_at_or_below(target.view(), zone.origin())) return;  // the zone edge
        if (target.view() == question.name()) return;                    // a loop
        for (std::size_t i = 0; i < hop; ++i) {
            if (seen[i].view() == target.view()) return;
        }
        link = ChainLink{target.view(), NameRef::from_wire(target_rdata.data()), target_rdata.data(), false};
    }
}

}  // namespace azdns
