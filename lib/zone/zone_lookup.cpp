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

Zone::Block Zone::find_child(std::uint32_t parent, const std::uint8_t* label) const {
    std::uint64_t h = hash(parent, label);
    auto tag = static_cast<std::uint32_t>(h >> 32);
    std::size_t mask = slots_.size() - 1;
    for (std::size_t i = h & mask;; i = (i + 1) & mask) {
        const Slot& slot = slots_[i];
        if (slot.block == no_block) return no_block;
        if (slot.tag != tag) continue;
        if (header(slot.block).parent == parent && short_equal(this->label(slot.block), label, 1u + label[0]))
            return slot.block;
    }
}

bool Zone::ends_with_origin(std::string_view name, std::size_t from) const {
    return name.size() - from == origin_.size() && short_equal(bytes(name) + from, bytes(origin_), origin_.size());
}

Zone::Block Zone::find_block(std::string_view name) const {
    LabelOffsets labels;
    if (!split_labels(name, labels) || labels.count < origin_labels_) return no_block;
    std::size_t below = labels.count - origin_labels_;
    if (!ends_with_origin(name, labels.at[below])) return no_block;
    Block node = 0;
    for (std::size_t j = below; j-- > 0 && node != no_block;) {
        node = find_child(header(node).node, bytes(name) + labels.at[j]);
    }
    return node;
}

NodeView Zone::find(std::string_view name) const {
    Block node = find_block(name);
    return node == no_block ? NodeView{} : NodeView{this, node};
}

std::optional<std::uint64_t> Zone::prefetch_slot(std::string_view name) const {
    // The label just above the origin is the first step down from the apex.
    if (name.size() <= origin_.size()) return std::nullopt;
    std::size_t below = name.size() - origin_.size();
    std::size_t pos = 0;
    while (pos + 1u + bytes(name)[pos] < below) pos += 1u + bytes(name)[pos];
    if (pos + 1u + bytes(name)[pos] != below || !ends_with_origin(name, below)) return std::nullopt;
    std::uint64_t h = hash(0, bytes(name) + pos);
    __builtin_prefetch(&slots_[h & (slots_.size() - 1)]);
    return h;
}

void Zone::prefetch_block(std::uint64_t token) const {
    auto tag = static_cast<std::uint32_t>(token >> 32);
    std::size_t mask = slots_.size() - 1;
    // A few probes at most: a miss here only costs the chance to prefetch.
    for (std::size_t i = token & mask, probes = 0; probes < 4; i = (i + 1) & mask, ++probes) {
        const Slot& slot = slots_[i];
        if (slot.block == no_block) return;
        if (slot.tag != tag) continue;
        // A block (header, label, entries, RRs) often spans two cache lines.
        __builtin_prefetch(blocks_.data() + slot.block);
        __builtin_prefetch(blocks_.data() + std::min<std::size_t>(slot.block + 64, blocks_.size() - 1));
        return;
    }
}

LookupResult Zone::lookup(std::string_view qname, std::uint16_t qtype) const {
    LookupResult result;
    LabelOffsets labels;
    if (!split_labels(qname, labels) || labels.count < origin_labels_) return result;
    std::size_t below = labels.count - origin_labels_;
    if (!ends_with_origin(qname, labels.at[below])) return result;

    // Walk down from the apex one label at a time; stop at a cut or at the
    // first name that does not exist.
    Block node = 0;
    for (std::size_t j = below; j-- > 0;) {
        Block child = find_child(header(node).node, bytes(qname) + labels.at[j]);
        if (child == no_block) {
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

void Zone::answer_at(Block node, std::uint16_t qtype, LookupResult& result) const {
    result.node = {this, node};
    std::size_t at = rrset_entries(node);
    std::size_t end = at + header(node).rrset_count * sizeof(RRset);
    std::size_t cname = 0;
    for (; at < end; at += sizeof(RRset)) {
        std::uint16_t type = rrset_entry(at).type;
        if (type == qtype) {
            result.status = LookupStatus::answer;
            result.answer = rrset_view(at);
            return;
        }
        if (type == rr_type::cname) cname = at;
    }
    if (cname != 0) {  // an entry is never at 0: the apex's header is
        result.status = LookupStatus::cname;
        result.answer = rrset_view(cname);
        return;
    }
    result.status = LookupStatus::nodata;
    result.authority = soa();
}

RRsetView Zone::rrset_of(Block block, std::uint16_t type) const {
    std::size_t at = rrset_entries(block);
    std::size_t end = at + header(block).rrset_count * sizeof(RRset);
    for (; at < end; at += sizeof(RRset)) {
        if (rrset_entry(at).type == type) return rrset_view(at);
    }
    return {};
}

void Zone::answer_delegation(Block cut, LookupResult& result) const {
    result.status = LookupStatus::delegation;
    result.node = {this, cut};
    result.authority = result.node.rrset(rr_type::ns);
}

void Zone::answer_dname(Block owner, LookupResult& result) const {
    result.status = LookupStatus::dname;
    result.node = {this, owner};
    result.answer = result.node.rrset(rr_type::dname);
}

void Zone::answer_missing_name(Block encloser, std::uint16_t qtype, LookupResult& result) const {
    // RFC 4592 section 3.3.1: only the closest encloser's own `*` child
    // can synthesise; existing names (even empty ones) never reach here.
    if (has_flag(encloser, wildcard_child_flag)) {
        Block source = find_child(header(encloser).node, wildcard_label);
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
    std::array<char, max_name_length> wire;
    return {wire.data(), write_name(wire)};
}

std::size_t NodeView::write_name(std::span<char, max_name_length> out) const {
    std::size_t length = 0;
    for (Zone::Block block = block_; !zone_->has_flag(block, Zone::apex_flag);
         block = zone_->nodes_[zone_->header(block).parent]) {
        const auto* label = zone_->label(block);
        std::memcpy(out.data() + length, label, 1u + label[0]);
        length += 1u + label[0];
    }
    // Owners are wire names (at most 255 bytes): the origin fits.
    std::memcpy(out.data() + length, zone_->origin_.data(), zone_->origin_.size());
    return length + zone_->origin_.size();
}

bool NodeView::is_apex() const { return zone_->has_flag(block_, Zone::apex_flag); }
bool NodeView::is_delegation() const { return zone_->has_flag(block_, Zone::delegation_flag); }
bool NodeView::is_below_delegation() const { return zone_->has_flag(block_, Zone::below_delegation_flag); }

std::size_t NodeView::rrset_count() const { return zone_->header(block_).rrset_count; }

RRsetView NodeView::rrset_at(std::size_t i) const {
    return zone_->rrset_view(zone_->rrset_entries(block_) + i * sizeof(Zone::RRset));
}

RRsetView NodeView::rrset(std::uint16_t type) const { return zone_->rrset_of(block_, type); }

}  // namespace azdns
