// Reading a built zone: the per-query path. Nothing here allocates.
#include <algorithm>
#include <array>
#include <cstring>

#include "dns_name.hpp"
#include "short_hash.hpp"
#include "zone.hpp"

namespace azdns {

namespace {

// Where each label of a wire name starts, leftmost first; the entry after
// the last label is the root byte. A name has at most 127 labels.
struct LabelOffsets {
    // Only the first count + 1 are written (by split_labels): zeroing all
    // 128 on every lookup would cost more than the lookup's own hashing.
    LabelOffsets() {}
    std::array<std::uint8_t, 128> at;
    std::size_t count = 0;  // labels, root excluded
};

// False for anything that is not one well-formed uncompressed wire name.
bool split_labels(std::string_view name, LabelOffsets& out) {
    if (name.empty() || name.size() > max_name_length) return false;
    std::size_t pos = 0;
    out.count = 0;
    while (name[pos] != 0) {
        std::size_t length = static_cast<unsigned char>(name[pos]);
        if (length > max_label_length || pos + 1 + length >= name.size()) return false;
        out.at[out.count++] = static_cast<std::uint8_t>(pos);
        pos += 1 + length;
    }
    if (pos + 1 != name.size()) return false;
    out.at[out.count] = static_cast<std::uint8_t>(pos);
    return true;
}

const std::uint8_t* bytes(std::string_view text) { return reinterpret_cast<const std::uint8_t*>(text.data()); }

constexpr std::uint8_t wildcard_label[] = {1, '*'};

}  // namespace

std::uint64_t Zone::hash(std::uint32_t parent, const std::uint8_t* label) {
    return short_hash(std::uint64_t{parent} << 8 | label[0], label + 1, label[0]);
}

std::uint32_t Zone::find_child(std::uint32_t parent, const std::uint8_t* label) const {
    std::uint64_t h = hash(parent, label);
    auto tag = static_cast<std::uint32_t>(h >> 32);
    std::size_t mask = slots_.size() - 1;
    for (std::size_t i = h & mask;; i = (i + 1) & mask) {
        const Slot& slot = slots_[i];
        if (slot.node == no_node) return no_node;
        if (slot.tag != tag) continue;
        const Node& node = nodes_[slot.node];
        const auto* stored = bytes(labels_) + node.label;
        if (node.parent == parent && short_equal(stored, label, 1u + label[0])) return slot.node;
    }
}

bool Zone::ends_with_origin(std::string_view name, std::size_t from) const {
    return name.size() - from == origin_.size() && short_equal(bytes(name) + from, bytes(origin_), origin_.size());
}

std::uint32_t Zone::find_node(std::string_view name) const {
    LabelOffsets labels;
    if (!split_labels(name, labels) || labels.count < origin_labels_) return no_node;
    std::size_t below = labels.count - origin_labels_;
    if (!ends_with_origin(name, labels.at[below])) return no_node;
    std::uint32_t node = 0;
    for (std::size_t j = below; j-- > 0 && node != no_node;) node = find_child(node, bytes(name) + labels.at[j]);
    return node;
}

NodeView Zone::find(std::string_view name) const {
    std::uint32_t node = find_node(name);
    return node == no_node ? NodeView{} : NodeView{this, node};
}

LookupResult Zone::lookup(std::string_view qname, std::uint16_t qtype) const {
    LookupResult result;
    LabelOffsets labels;
    if (!split_labels(qname, labels) || labels.count < origin_labels_) return result;
    std::size_t below = labels.count - origin_labels_;
    if (!ends_with_origin(qname, labels.at[below])) return result;

    // Walk down from the apex one label at a time; stop at a cut or at the
    // first name that does not exist.
    std::uint32_t node = 0;
    for (std::size_t j = below; j-- > 0;) {
        std::uint32_t child = find_child(node, bytes(qname) + labels.at[j]);
        if (child == no_node) {
            result.closest_encloser = {this, node};
            result.encloser_offset = labels.at[j + 1];
            // RFC 6672 section 3.2: below a DNAME's owner, the DNAME answers.
            if (has_flag(node, dname_flag)) {
                answer_dname(node, result);
            } else {
                answer_missing_name(node, qtype, result);
            }
            return result;
        }
        node = child;
        // DS belongs to the parent side of a cut (RFC 4035 section 3.1.4.1).
        bool ds_at_cut = j == 0 && qtype == rr_type::ds;
        if (has_flag(node, delegation_flag) && !ds_at_cut) {
            result.closest_encloser = {this, node};
            result.encloser_offset = labels.at[j];
            answer_delegation(node, result);
            return result;
        }
    }
    result.closest_encloser = {this, node};
    answer_at(node, qtype, result);
    return result;
}

void Zone::answer_at(std::uint32_t node, std::uint16_t qtype, LookupResult& result) const {
    result.node = {this, node};
    const Node& entry = nodes_[node];
    std::uint32_t cname = no_node;
    for (std::uint32_t i = entry.first_rrset; i < entry.first_rrset + entry.rrset_count; ++i) {
        if (rrsets_[i].type == qtype) {
            result.status = LookupStatus::answer;
            result.answer = rrset_view(i);
            return;
        }
        if (rrsets_[i].type == rr_type::cname) cname = i;
    }
    if (cname != no_node) {
        result.status = LookupStatus::cname;
        result.answer = rrset_view(cname);
        return;
    }
    result.status = LookupStatus::nodata;
    result.authority = soa();
}

void Zone::answer_delegation(std::uint32_t cut, LookupResult& result) const {
    result.status = LookupStatus::delegation;
    result.node = {this, cut};
    result.authority = result.node.rrset(rr_type::ns);
}

void Zone::answer_dname(std::uint32_t owner, LookupResult& result) const {
    result.status = LookupStatus::dname;
    result.node = {this, owner};
    result.answer = result.node.rrset(rr_type::dname);
}

void Zone::answer_missing_name(std::uint32_t encloser, std::uint16_t qtype, LookupResult& result) const {
    // RFC 4592 section 3.3.1: only the closest encloser's own `*` child
    // can synthesise; existing names (even empty ones) never reach here.
    if (has_flag(encloser, wildcard_child_flag)) {
        std::uint32_t source = find_child(encloser, wildcard_label);
        result.wildcard = true;
        if (has_flag(source, delegation_flag)) {
            answer_delegation(source, result);
        } else {
            answer_at(source, qtype, result);
        }
        return;
    }
    result.status = LookupStatus::nxdomain;
    result.authority = soa();
}

std::string NodeView::name() const {
    std::string wire;
    for (std::uint32_t i = index_; i != 0; i = zone_->nodes_[i].parent) {
        const auto* label = zone_->labels_.data() + zone_->nodes_[i].label;
        wire.append(label, 1u + static_cast<unsigned char>(label[0]));
    }
    return wire + zone_->origin_;
}

bool NodeView::is_apex() const { return zone_->has_flag(index_, Zone::apex_flag); }
bool NodeView::is_delegation() const { return zone_->has_flag(index_, Zone::delegation_flag); }
bool NodeView::is_below_delegation() const { return zone_->has_flag(index_, Zone::below_delegation_flag); }

std::size_t NodeView::rrset_count() const { return zone_->nodes_[index_].rrset_count; }

RRsetView NodeView::rrset_at(std::size_t i) const {
    return zone_->rrset_view(zone_->nodes_[index_].first_rrset + static_cast<std::uint32_t>(i));
}

RRsetView NodeView::rrset(std::uint16_t type) const {
    const Zone::Node& node = zone_->nodes_[index_];
    for (std::uint32_t i = node.first_rrset; i < node.first_rrset + node.rrset_count; ++i) {
        if (zone_->rrsets_[i].type == type) return zone_->rrset_view(i);
    }
    return {};
}

}  // namespace azdns
