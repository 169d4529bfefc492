#include "answer_sections.hpp"

#include <algorithm>
#include <string_view>

#include "ascii.hpp"
#include "dns_name.hpp"
#include "health_view.hpp"
#include "transfer_access.hpp"
#include "transfer_state.hpp"
#include "rdata_names.hpp"

namespace azdns {

namespace {

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

// The types whose RDATA names a host whose addresses go in the additional
// section (RFC 1035 section 3.3, RFC 2782).
constexpr bool names_a_host(std::uint16_t type) {
    return type == rr_type::ns || type == rr_type::mx || type == rr_type::srv;
}

// What every section solver reads, and the plan they fill.
struct Solving {
    const Zone& zone;
    const Client& client;
    const HealthView* health;  // nullptr: nothing is filtered
    ClientPlace& place;        // where the client is, looked up when an answer depends on it
    AnswerPlan& plan;
    const SoaChoice& soa;
    // The zone's apex as an owner (the SOA of negative answers): the
    // question's name ends with it, so it is a pointer to that suffix, which
    // the writer would otherwise find by comparing names.
    NameRef apex;
};

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

// The SOA RRset to plan in place of the zone's `own` (SoaChoice); the TTL stays the caller's.
RRsetView served_soa(const Solving& s, const RRsetView& own) {
    const ZoneTransfers& offered = *s.soa.offered;
    if (!offered.serves_filtered ||
        transfer_view_for(offered.rules, s.client.address, s.soa.signed_by) == TransferView::raw) {
        return own;
    }
    return offered.served_soa();
}

// What health made of a zone RRset, or nullptr when it goes out as it is.
// Only A/AAAA are filtered, and never glue: delegation data is the child
// zone's, and a resolver needs every address of its name servers.
const FilteredRRset* health_of(const Solving& s, const RRsetView& rrset, bool is_glue) {
    if (s.health == nullptr || is_glue || (rrset.type() != rr_type::a && rrset.type() != rr_type::aaaa)) {
        return nullptr;
    }
    return s.health->find(rrset, s.place);
}

// The one way a zone RRset enters the plan. `entry` holds it with its zone
// TTL; `filtered` (health_of) replaces both with what goes on the wire.
void add_rrset(const Solving& s, PlannedRRset entry, const FilteredRRset* filtered) {
    if (entry.rrset.empty()) return;
    entry.source = entry.rrset.wire().data();
    if (entry.rrset.type() == rr_type::soa && s.soa.offered != nullptr) entry.rrset = served_soa(s, entry.rrset);
    if (filtered != nullptr) {
        entry.rrset = filtered->rrset;  // empty unless served
        entry.ttl = filtered->rrset.ttl();
        entry.health_changed = filtered->removed || filtered->all_down;
    }
    (void)s.plan.add(entry);
}

void add_rrset(const Solving& s, const PlannedRRset& entry) {
    add_rrset(s, entry, health_of(s, entry.rrset, entry.is_glue));
}

// A/AAAA of the in-zone names an RRset refers to. `cut` (canonical) is set
// for a referral: then every address is glue, and the in-domain ones are
// required (RFC 9471).
void add_addresses_for_targets(const Solving& s, const RRsetView& rrset, std::string_view cut) {
    if (!names_a_host(rrset.type())) return;
    const std::size_t skip = first_name_offset(rrset.type());
    for (RdataView rr : rrset) {
        auto rdata = rr.rdata();
        if (rdata.size() <= skip) continue;
        CanonicalName target;
        if (!canonical_name(rdata.subspan(skip), target)) continue;
        if (!name_is_at_or_below(target.view(), s.zone.origin())) continue;
        NodeView node = s.zone.find(target.view());
        if (!node) continue;
        bool referral = !cut.empty();
        bool glue = referral || node.is_below_delegation();
        bool required = referral && name_is_at_or_below(target.view(), cut);
        for (std::uint16_t type : {rr_type::a, rr_type::aaaa}) {
            RRsetView addresses = node.rrset(type);
            add_rrset(s, {.owner = NameRef::from_wire(rdata.data() + skip),
                          .rrset = addresses,
                          .ttl = addresses.ttl(),
                          .section = Section::additional,
                          .is_glue = glue,
                          .required = required});
        }
    }
}

// `filtered`: what health_of said of `rrset`, when the caller asked already.
void answer_positive(const Solving& s, const ChainLink& link, const RRsetView& rrset,
                     const FilteredRRset* filtered) {
    add_rrset(s, {.owner = link.owner, .rrset = rrset, .ttl = rrset.ttl()}, filtered);
    add_addresses_for_targets(s, rrset, {});
}

// RFC 2308 section 3: the SOA, with the negative-caching TTL.
void answer_negative(const Solving& s) {
    add_rrset(s, {.owner = s.apex,
                  .rrset = s.zone.soa(),
                  .ttl = s.zone.negative_ttl(),
                  .section = Section::authority});
}

// RFC 1034 section 4.3.2 step 3b: a referral to the cut's name servers.
void answer_delegation(const Solving& s, const ChainLink& link, const LookupResult& result) {
    // A wildcard cut is synthesised at the name itself.
    std::size_t offset = result.wildcard ? 0 : result.encloser_offset;
    std::string_view cut = link.name.substr(offset);
    add_rrset(s, {.owner = suffix_of(link, offset),
                  .rrset = result.authority,
                  .ttl = result.authority.ttl(),
                  .section = Section::authority});
    add_addresses_for_targets(s, result.authority, cut);
}

// RFC 6672 section 3.1: the DNAME at its owner, then a CNAME synthesised at
// the link's name, whose target is the name with the owner's part replaced by
// the DNAME's target, with the DNAME's TTL. Returns that CNAME; empty, and
// YXDOMAIN, when its target would pass 255 octets (section 2.2).
RRsetView answer_dname(const Solving& s, const ChainLink& link, const LookupResult& result) {
    const RRsetView& dname = result.answer;
    add_rrset(s, {.owner = suffix_of(link, result.encloser_offset), .rrset = dname, .ttl = dname.ttl()});
    std::span<const std::uint8_t> prefix{link.wire, result.encloser_offset};
    std::span<const std::uint8_t> target = (*dname.begin()).rdata();
    if (prefix.size() + target.size() > max_name_length) {
        s.plan.rcode = rcode::yxdomain;
        return {};
    }
    RRsetView cname = s.plan.synthesise_cname(prefix, target, dname.ttl());
    add_rrset(s, {.owner = link.owner, .rrset = cname, .ttl = cname.ttl()});
    return cname;
}

// RFC 8482: over UDP one RRset, the one of lowest type; over TCP all.
void answer_any(const Solving& s, const ChainLink& link, NodeView node) {
    std::size_t count = s.client.transport == Transport::udp ? 1 : node.rrset_count();
    for (std::size_t i = 0; i < count; ++i) {
        RRsetView rrset = node.rrset_at(i);
        answer_positive(s, link, rrset, health_of(s, rrset, false));
    }
}

}  // namespace

bool AnswerPlan::add(const PlannedRRset& entry) {
    for (std::size_t i = 0; i < count_; ++i) {
        const PlannedRRset& seen = entries_[i].entry;
        if (seen.source != entry.source || seen.rrset.type() != entry.rrset.type()) continue;
        // Wildcard data may legitimately appear under several owners. A DNAME
        // never comes from a wildcard: its owner is one name, however spelled.
        bool same_owner = seen.owner.packet_offset == entry.owner.packet_offset && seen.owner.wire == entry.owner.wire;
        if (same_owner || entry.section == Section::additional || entry.rrset.type() == rr_type::dname) return false;
    }
    if (count_ == capacity) return false;
    entries_[count_++].entry = entry;
    return true;
}

RRsetView AnswerPlan::synthesise_cname(std::span<const std::uint8_t> prefix, std::span<const std::uint8_t> suffix,
                                       std::uint32_t ttl) {
    std::size_t length = prefix.size() + suffix.size();
    if (length > max_name_length || synthesised_count_ == synthesis_capacity) return {};
    auto& wire = synthesised_[synthesised_count_++];
    wire[0] = 0;
    wire[1] = static_cast<std::uint8_t>(length);
    // Label lengths are below 64, so lowercasing them changes nothing.
    for (std::size_t i = 0; i < prefix.size(); ++i) wire[2 + i] = static_cast<std::uint8_t>(ascii_lower(prefix[i]));
    std::copy(suffix.begin(), suffix.end(), wire.begin() + 2 + static_cast<std::ptrdiff_t>(prefix.size()));
    return {rr_type::cname, 1, ttl, {wire.data(), 2 + length}};
}

void solve_internet(const Zone& zone, const Question& question, const Client& client, AnswerPlan& plan,
                    const HealthView* health, const SoaChoice& transfers, ClientPlace* place) {
    std::size_t apex_offset = question.name().size() - zone.origin().size();
    ClientPlace by_address = ClientPlace::of_address(client.address);
    const Solving s{zone,      client, health, place != nullptr ? *place : by_address, plan,
                    transfers, NameRef::in_message(question_offset + apex_offset)};
    plan.authoritative = true;
    std::array<CanonicalName, max_chain + 1> seen;  // names already resolved, for loops
    ChainLink link{question.name(), NameRef::in_message(question_offset), question.wire.data(), true};
    std::uint16_t qtype = question.qtype;

    for (std::size_t hop = 0;; ++hop) {
        LookupResult result = zone.lookup(link.name, qtype);
        switch (result.status) {
            case LookupStatus::answer: {
                const FilteredRRset* filtered = health_of(s, result.answer, false);
                if (filtered != nullptr && filtered->outcome == HealthOutcome::servfail) {
                    plan.clear();  // no partial chain with a SERVFAIL
                    plan.rcode = rcode::servfail;
                    plan.authoritative = false;
                    plan.health_filtered = true;
                    plan.extended_error = &extended_error::all_addresses_down;
                    return;
                }
                if (filtered != nullptr && filtered->outcome == HealthOutcome::nodata) {
                    answer_negative(s);  // CNAMEs before it stay
                    plan.health_filtered = true;
                    return;
                }
                answer_positive(s, link, result.answer, filtered);
                return;
            }
            case LookupStatus::nodata:
                if (qtype == rr_type::any && result.node && !result.node.empty()) {
                    answer_any(s, link, result.node);
                } else {
                    answer_negative(s);
                }
                return;
            case LookupStatus::nxdomain:
                plan.rcode = rcode::nxdomain;
                answer_negative(s);
                return;
            case LookupStatus::delegation:
                // The CNAMEs before a referral are still ours (AA stays).
                if (hop == 0) plan.authoritative = false;
                answer_delegation(s, link, result);
                return;
            case LookupStatus::not_in_zone:
                return;
            case LookupStatus::cname:
            case LookupStatus::dname:
                break;
        }

        // A CNAME, or one synthesised from a DNAME: answer it, then follow it
        // while it stays in this zone.
        RRsetView cname = result.answer;
        if (result.status == LookupStatus::dname) {
            cname = answer_dname(s, link, result);
            // Asked for the CNAME: it is the answer, as NSD and Knot have it.
            if (cname.empty() || qtype == rr_type::cname) return;
        } else if (qtype == rr_type::any) {
            answer_any(s, link, result.node);
            return;
        } else {
            add_rrset(s, {.owner = link.owner, .rrset = cname, .ttl = cname.ttl()});
        }
        if (hop == max_chain) return;
        auto target_rdata = (*cname.begin()).rdata();
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
