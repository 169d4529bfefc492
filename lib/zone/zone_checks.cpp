// The checks named-checkzone makes, run while a zone is laid out, and their
// messages: plain, naming the record's name and type, reported in file order.
#include <algorithm>
#include <cstdlib>

#include "dns_name.hpp"
#include "rr_type_text.hpp"
#include "zone_builder.hpp"

// After the standard headers: ldns's C headers redefine `false` and `true`.
#include <ldns/ldns.h>

namespace azdns {

namespace {

std::string ldns_text(char* text) {
    std::string out = text != nullptr ? text : "?";
    std::free(text);
    return out;
}

std::string class_name(std::uint16_t rclass) {
    return ldns_text(ldns_rr_class2str(static_cast<ldns_rr_class>(rclass)));
}

std::string quoted(std::string_view wire) { return '"' + name_to_text(wire) + '"'; }

// Largest RRset that still fits in one message: 65535 bytes less the header.
constexpr std::size_t max_rrset_wire = 65535 - 12;
// Per RR besides RDATA: compressed owner, TYPE, CLASS, TTL, RDLENGTH.
constexpr std::size_t rr_overhead = 2 + 2 + 2 + 4 + 2;

}  // namespace

std::string ZoneBuilder::owner_text(std::size_t record) const { return quoted(records_.owner(record)); }

void ZoneBuilder::error(std::size_t record, std::string message) {
    notes_.push_back({record, Severity::error, std::move(message)});
    ++error_count_;
}

void ZoneBuilder::warning(std::size_t record, std::string message) {
    notes_.push_back({record, Severity::warning, std::move(message)});
}

void ZoneBuilder::report(Diagnostics& diags) {
    // no_record + 1 wraps to 0: problems without a record come first.
    std::stable_sort(notes_.begin(), notes_.end(),
                     [](const Note& a, const Note& b) { return a.record + 1 < b.record + 1; });
    for (Note& note : notes_) {
        SourceLocation where = note.record == no_record ? declared_at_ : records_.where(note.record);
        if (note.severity == Severity::error) {
            diags.error(where, std::move(note.message));
        } else {
            diags.warning(where, std::move(note.message));
        }
    }
}

bool ZoneBuilder::accepts(std::size_t record) {
    std::uint16_t rclass = records_.rclass(record);
    std::uint16_t type = records_.type(record);
    if (rclass != LDNS_RR_CLASS_IN) {
        error(record, "class " + class_name(rclass) + " is not supported; only IN");
        return false;
    }
    if (type == 0 || rr_type::is_meta(type)) {
        error(record, "type " + rr_type_text(type) + " is a query or meta type, not zone data");
        return false;
    }
    if (!name_is_at_or_below(records_.owner(record), zone_->origin_)) {
        error(record, owner_text(record) + " is outside the zone " + quoted(zone_->origin_));
        return false;
    }
    return true;
}

void ZoneBuilder::check_node(std::uint32_t node) {
    std::string others;
    const Group* cname = nullptr;
    for (const Group& group : groups_) {
        if (group.type == rr_type::dname) check_dname(node, group);
        if (group.type == rr_type::cname) {
            cname = &group;
        } else if (group.type != rr_type::rrsig && group.type != rr_type::nsec) {
            others += (others.empty() ? "" : ", ") + rr_type_text(group.type);
        }
        if (group.type == rr_type::soa && node != 0) {
            for (std::size_t k = group.begin; k < group.end; ++k) {
                error(kept_[k], "SOA record at " + owner_text(kept_[k]) + " is not at the zone apex " +
                                    quoted(zone_->origin_));
            }
        }
        if (group.type == rr_type::soa && node == 0) {
            soa_record_ = kept_[group.begin];
            for (std::size_t k = group.begin + 1; k < group.end; ++k) {
                error(kept_[k], "more than one SOA record at the zone apex " + quoted(zone_->origin_));
            }
        }
    }
    if (cname == nullptr) return;
    if (!others.empty()) {
        std::size_t first = kept_[cname->begin];
        error(first, "CNAME at " + owner_text(first) + " beside other data (" + others + ")");
    }
    for (std::size_t k = cname->begin + 1; k < cname->end; ++k) {
        error(kept_[k], "more than one CNAME at " + owner_text(kept_[k]));
    }
}

// RFC 6672 section 2.3: one DNAME per name, and none at a delegation (its
// owner would both delegate and redirect). As Knot; NSD lets the second pass.
void ZoneBuilder::check_dname(std::uint32_t node, const Group& dname) {
    for (std::size_t k = dname.begin + 1; k < dname.end; ++k) {
        error(kept_[k], "more than one DNAME at " + owner_text(kept_[k]));
    }
    if (has_flag(node, Zone::delegation_flag)) {
        std::size_t first = kept_[dname.begin];
        error(first, "DNAME at " + owner_text(first) + " beside NS; only the zone apex may have both");
    }
}

// RFC 6672 section 2.3: names below a DNAME's owner may own nothing. NSD and
// Knot refuse such a zone; so does azdns, naming each RRset. True when the
// RRset is one of them.
bool ZoneBuilder::check_below_dname(std::uint32_t node, const Group& group) {
    if (!(marks_[node] & below_dname)) return false;
    // The highest DNAME above: the one that makes the rest below it moot.
    std::uint32_t owner = header(node).parent;
    while (!(marks_[owner] & has_dname) || (marks_[owner] & below_dname)) owner = header(owner).parent;
    std::uint32_t first = kept_[group.begin];
    error(first, rr_type_text(group.type) + " at " + owner_text(first) + " is below the DNAME at " +
                     quoted(node_name(owner)) + "; names below a DNAME cannot own data");
    return true;
}

// Data at or below a cut is the child zone's; only the cut's own NS, DS and
// DNSSEC records and glue addresses are served from here. True (with a
// warning) when the RRset is not.
bool ZoneBuilder::check_occluded(std::uint32_t node, const Group& group) {
    bool at_cut = has_flag(node, Zone::delegation_flag);
    if (!at_cut && !has_flag(node, Zone::below_delegation_flag)) return false;
    bool parent_side = group.type == rr_type::ns || group.type == rr_type::ds || group.type == rr_type::rrsig ||
                       group.type == rr_type::nsec;
    if (at_cut && parent_side) return false;
    if (at_cut && group.type == rr_type::dname) return true;  // an error already (check_dname)
    bool address = group.type == rr_type::a || group.type == rr_type::aaaa;
    if (address && (marks_[node] & ns_target)) return false;

    std::uint32_t cut = node;
    while (!has_flag(cut, Zone::delegation_flag)) cut = header(cut).parent;
    std::uint32_t first = kept_[group.begin];
    std::string cut_name = quoted(node_name(cut));
    warning(first, rr_type_text(group.type) + " at " + owner_text(first) +
                       (at_cut ? " is at the delegation " : " is below the delegation ") + cut_name +
                       " and is not glue; occluded, will not be served");
    return true;
}

// A missing address is fatal only for the zone's own name servers, as in
// named-checkzone: a referral without glue still works when the resolver can
// find the address elsewhere, and an apex NS in delegated space gets its
// address from the child zone.
void ZoneBuilder::check_ns_targets(std::uint32_t node, const Group& group) {
    for (std::size_t k = group.begin; k < group.end; ++k) {
        std::string target = name_canonical(rdata(kept_[k]));
        if (!name_is_at_or_below(target, zone_->origin_)) continue;
        std::uint32_t target_node = find_node(target);
        if (target_node != Zone::no_node && (marks_[target_node] & has_address)) continue;
        std::string problem = "NS target " + quoted(rdata(kept_[k])) + " has no A or AAAA record in the zone";
        if (node != 0) {
            warning(kept_[k], problem + "; referrals to " + quoted(node_name(node)) +
                                  " go without its address");
        } else if (std::uint32_t cut = cut_above(target); cut != Zone::no_node) {
            warning(kept_[k], problem + "; it is in the delegated zone " + quoted(node_name(cut)));
        } else {
            error(kept_[k], problem);
        }
    }
}

// The zone cut at or above `name` (canonical, in the zone), or no_node.
std::uint32_t ZoneBuilder::cut_above(std::string_view name) const {
    std::uint32_t node = find_node(name);
    while (node == Zone::no_node) {  // ends at the apex at the latest
        name = name_parent(name);
        node = find_node(name);
    }
    for (; node != 0; node = header(node).parent) {
        if (has_flag(node, Zone::delegation_flag)) return node;
    }
    return Zone::no_node;
}

std::optional<std::uint32_t> ZoneBuilder::check_rrset(std::uint32_t node, const Group& group) {
    std::size_t first = kept_[group.begin];
    std::uint32_t ttl = records_.ttl(first);
    std::size_t wire = 0;
    for (std::size_t k = group.begin; k < group.end; ++k) {
        ttl = std::min(ttl, records_.ttl(kept_[k]));
        wire += rr_overhead + rdata(kept_[k]).size();
    }
    if (wire > max_rrset_wire) {
        error(first, rr_type_text(group.type) + " RRset at " + owner_text(first) +
                         " is too large for a DNS message (" + std::to_string(wire) + " bytes)");
        return std::nullopt;
    }
    // RRSIGs covering different types legitimately differ in TTL.
    for (std::size_t k = group.begin + 1; k < group.end && group.type != rr_type::rrsig; ++k) {
        std::uint32_t own = records_.ttl(kept_[k]);
        if (own == records_.ttl(first)) continue;
        warning(kept_[k], "TTL " + std::to_string(own) + " differs from " + std::to_string(records_.ttl(first)) +
                              " of the same RRset; using " + std::to_string(ttl));
    }
    if (group.type == rr_type::ns && !has_flag(node, Zone::below_delegation_flag)) {
        check_ns_targets(node, group);
    }
    return ttl;
}

void ZoneBuilder::finish_apex() {
    std::string apex = quoted(zone_->origin_);
    if (soa_record_ == no_record) {
        error(no_record, "no SOA record at the zone apex " + apex);
    } else {
        // MNAME and RNAME are uncompressed names; SERIAL is next and MINIMUM
        // closes the RDATA (RFC 1035 section 3.3.13).
        std::string_view soa = rdata(soa_record_);
        std::size_t pos = 0;
        for (int name = 0; name < 2 && pos < soa.size(); ++name) {
            while (pos < soa.size() && soa[pos] != 0) pos += 1u + static_cast<unsigned char>(soa[pos]);
            ++pos;
        }
        if (pos + 20 != soa.size()) {
            error(soa_record_, "SOA RDATA is malformed");
        } else {
            auto u32 = [&](std::size_t at) {
                std::uint32_t value = 0;
                for (std::size_t i = 0; i < 4; ++i) value = value << 8 | static_cast<unsigned char>(soa[at + i]);
                return value;
            };
            zone_->serial_ = u32(pos);
            zone_->soa_minimum_ = u32(pos + 16);
            // What every negative answer needs, found once here.
            std::size_t entries = zone_->rrset_entries(0);
            for (std::size_t i = 0; i < header(0).rrset_count; ++i) {
                std::size_t at = entries + i * sizeof(Zone::RRset);
                if (zone_->rrset_entry(at).type == rr_type::soa) zone_->soa_rrset_ = static_cast<std::uint32_t>(at);
            }
            zone_->negative_ttl_ = std::min(zone_->soa().ttl(), zone_->soa_minimum_);
        }
    }
    if (zone_->apex().rrset(rr_type::ns).empty()) error(soa_record_, "no NS records at the zone apex " + apex);
}

}  // namespace azdns
