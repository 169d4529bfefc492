// Laying out a zone file's records as a frozen Zone (see zone.hpp for the
// tables). Runs once per load: clarity first, but a million records must
// still load in well under a second, so no per-record maps or allocations.
#include <algorithm>
#include <cstring>

#include "dns_name.hpp"
#include "rr_type_text.hpp"
#include "zone_builder.hpp"

namespace azdns {

// Appends a block's header and label, padded, to `out`; returns where it starts.
Zone::Block ZoneBuilder::append_block(const Zone::BlockHeader& head, const std::uint8_t* label,
                                      std::vector<std::uint8_t>& out) {
    auto block = static_cast<Zone::Block>(out.size());
    out.resize(block + sizeof head);
    std::memcpy(out.data() + block, &head, sizeof head);
    out.insert(out.end(), label, label + 1 + label[0]);
    out.resize(Zone::padded(out.size()));
    return block;
}

ZoneBuilder::ZoneBuilder(std::string_view origin, ZoneRecords&& records, const SourceLocation& declared_at)
    : zone_(new Zone()), records_(std::move(records)), declared_at_(declared_at) {
    zone_->origin_ = origin;
    zone_->origin_labels_ = name_label_count(origin);
}

std::shared_ptr<const Zone> ZoneBuilder::build(Diagnostics& diags) {
    accept_records();
    mark_delegations();
    mark_ns_targets();
    mark_below_dnames();
    emit_blocks();
    finish_apex();
    report(diags);
    if (error_count_ > 0) return nullptr;
    // The records are in the zone now; freeing them first lowers the peak.
    records_ = ZoneRecords();
    node_of_ = {};
    zone_->nodes_.shrink_to_fit();
    zone_->blocks_.shrink_to_fit();
    return zone_;
}

void ZoneBuilder::accept_records() {
    // The apex is node 0, its block at 0, and, having no parent, is never in
    // the hash table.
    constexpr std::uint8_t root_label[] = {0};
    append_block({0, Zone::no_node, 0, Zone::apex_flag, 0}, root_label, zone_->blocks_);
    zone_->nodes_.push_back(0);
    marks_.push_back(0);
    // Size the hash table for the owner names up front (still at most half
    // full): growing it re-inserts every node, a tenth of the build time.
    std::size_t owners = 0;
    for (std::size_t i = 0; i < records_.size(); ++i) owners += i == 0 || records_.owner(i) != records_.owner(i - 1);
    std::size_t slots = 16;
    while (slots < owners * 2) slots *= 2;
    zone_->slots_.resize(slots);

    node_of_.assign(records_.size(), Zone::no_node);
    std::size_t previous = no_record;
    for (std::size_t i = 0; i < records_.size(); ++i) {
        if (!accepts(i)) continue;
        std::string_view owner = records_.owner(i);
        std::uint16_t type = records_.type(i);
        // Zone files list a name's records together: skip the walk for those.
        bool same_owner = previous != no_record && records_.owner(previous) == owner;
        std::uint32_t node = same_owner ? node_of_[previous] : insert_name(owner);
        node_of_[i] = node;
        previous = i;
        if (type == rr_type::ns) marks_[node] |= has_ns;
        if (type == rr_type::a || type == rr_type::aaaa) marks_[node] |= has_address;
        if (type == rr_type::dname) marks_[node] |= has_dname;
    }
}

// Finds or creates the node of `owner` and of each missing ancestor, so
// empty non-terminals exist as nodes. Parents always get lower indices.
std::uint32_t ZoneBuilder::insert_name(std::string_view owner) {
    if (owner.size() == zone_->origin_.size()) return 0;
    std::uint32_t parent = insert_name(name_parent(owner));
    const auto* label = reinterpret_cast<const std::uint8_t*>(owner.data());
    Zone::Block block = zone_->find_child(parent, label);
    return block != Zone::no_block ? zone_->header(block).node : add_node(parent, label);
}

std::uint32_t ZoneBuilder::add_node(std::uint32_t parent, const std::uint8_t* label) {
    auto node = static_cast<std::uint32_t>(zone_->nodes_.size());
    zone_->nodes_.push_back(append_block({node, parent, 0, 0, 0}, label, zone_->blocks_));
    marks_.push_back(0);
    if (label[0] == 1 && label[1] == '*') add_flag(parent, Zone::wildcard_child_flag);

    // Keep the table at most half full, so probes stay short.
    if (zone_->nodes_.size() * 2 > zone_->slots_.size()) {
        zone_->slots_.assign(zone_->slots_.size() * 2, Zone::Slot{});
        for (std::uint32_t i = 1; i < zone_->nodes_.size(); ++i) insert_slot(i);
    } else {
        insert_slot(node);
    }
    return node;
}

void ZoneBuilder::insert_slot(std::uint32_t node) {
    Zone::Block block = zone_->nodes_[node];
    std::uint64_t h = Zone::hash(header(node).parent, zone_->label(block));
    std::size_t mask = zone_->slots_.size() - 1;
    std::size_t i = h & mask;
    while (zone_->slots_[i].block != Zone::no_block) i = (i + 1) & mask;
    zone_->slots_[i] = {block, static_cast<std::uint32_t>(h >> 32)};
}

std::uint32_t ZoneBuilder::find_node(std::string_view name) const {
    Zone::Block block = zone_->find_block(name);
    return block == Zone::no_block ? Zone::no_node : zone_->header(block).node;
}

// The first NS below the apex on any path is a zone cut; all beneath it is
// someone else's data, of which only glue is kept.
void ZoneBuilder::mark_delegations() {
    for (std::uint32_t n = 1; n < zone_->nodes_.size(); ++n) {
        std::uint32_t parent = header(n).parent;
        if (has_flag(parent, Zone::delegation_flag) || has_flag(parent, Zone::below_delegation_flag)) {
            add_flag(n, Zone::below_delegation_flag);
        } else if (marks_[n] & has_ns) {
            add_flag(n, Zone::delegation_flag);
        }
    }
}

// Glue is an address record of a name that some served NS record names.
void ZoneBuilder::mark_ns_targets() {
    for (std::size_t i = 0; i < records_.size(); ++i) {
        std::uint32_t node = node_of_[i];
        if (node == Zone::no_node || records_.type(i) != rr_type::ns) continue;
        if (has_flag(node, Zone::below_delegation_flag)) continue;
        std::uint32_t target = find_node(name_canonical(rdata(i)));
        if (target != Zone::no_node) marks_[target] |= ns_target;
    }
}

// Names below the owner of a DNAME that the zone serves (one not at or below
// a cut) may own nothing (RFC 6672 section 2.3): check_below_dname says so.
void ZoneBuilder::mark_below_dnames() {
    for (std::uint32_t n = 1; n < zone_->nodes_.size(); ++n) {
        std::uint32_t parent = header(n).parent;
        bool at_cut = has_flag(parent, Zone::delegation_flag) || has_flag(parent, Zone::below_delegation_flag);
        bool served_dname = (marks_[parent] & has_dname) && !at_cut;
        if (served_dname || (marks_[parent] & below_dname)) marks_[n] |= below_dname;
    }
}

void ZoneBuilder::emit_blocks() {
    // Counting sort by node keeps each node's records in file order.
    std::size_t node_count = zone_->nodes_.size();
    std::vector<std::uint32_t> start(node_count + 1, 0);
    std::size_t bytes = zone_->blocks_.size();  // headers and labels, padded
    for (std::size_t i = 0; i < records_.size(); ++i) {
        if (node_of_[i] == Zone::no_node) continue;
        ++start[node_of_[i] + 1];
        bytes += sizeof(Zone::RRset) + Zone::padded(2 + rdata(i).size());  // at most
    }
    if (bytes > UINT32_MAX) {
        error(no_record, "zone data exceeds 4 GiB");
        return;
    }
    for (std::size_t n = 0; n < node_count; ++n) start[n + 1] += start[n];
    std::vector<std::uint32_t> order(start[node_count]);
    std::vector<std::uint32_t> next(start.begin(), start.end() - 1);
    for (std::size_t i = 0; i < records_.size(); ++i) {
        if (node_of_[i] != Zone::no_node) order[next[node_of_[i]]++] = static_cast<std::uint32_t>(i);
    }

    // The finished blocks go to a new array: until the swap below, the
    // checks still read names through the old one.
    std::vector<std::uint8_t> blocks;
    blocks.reserve(bytes);
    std::vector<Zone::Block> moved(node_count);
    std::vector<std::uint32_t> records;
    for (std::size_t n = 0; n < node_count; ++n) {
        auto node = static_cast<std::uint32_t>(n);
        records.assign(order.begin() + start[n], order.begin() + start[n + 1]);
        group_by_type(records);
        check_node(node);
        served_.clear();
        for (const Group& group : groups_) {
            if (check_below_dname(node, group) || check_occluded(node, group)) continue;
            if (std::optional<std::uint32_t> ttl = check_rrset(node, group)) served_.push_back({&group, *ttl});
        }
        moved[n] = emit_block(node, blocks);
    }
    for (Zone::Slot& slot : zone_->slots_) {
        if (slot.block != Zone::no_block) slot.block = moved[zone_->header(slot.block).node];
    }
    zone_->nodes_ = std::move(moved);
    zone_->blocks_ = std::move(blocks);
}

// Appends `node`'s finished block, with served_ as its RRsets, to `out`.
Zone::Block ZoneBuilder::emit_block(std::uint32_t node, std::vector<std::uint8_t>& out) {
    Zone::BlockHeader head = header(node);
    head.rrset_count = static_cast<std::uint16_t>(served_.size());
    for (const Served& served : served_) {
        if (served.group->type == rr_type::dname) head.flags |= Zone::dname_flag;
    }
    auto block = append_block(head, zone_->label(zone_->nodes_[node]), out);

    // The entries first, then the RRs they point at.
    std::size_t entry = out.size();
    out.resize(entry + served_.size() * sizeof(Zone::RRset));
    for (const Served& served : served_) {
        const Group& group = *served.group;
        auto count = static_cast<std::uint16_t>(group.end - group.begin);
        auto offset = static_cast<std::uint32_t>(out.size());
        for (std::size_t k = group.begin; k < group.end; ++k) {
            std::string_view bytes = rdata(kept_[k]);
            out.push_back(static_cast<std::uint8_t>(bytes.size() >> 8));
            out.push_back(static_cast<std::uint8_t>(bytes.size()));
            out.insert(out.end(), bytes.begin(), bytes.end());
        }
        Zone::RRset set{group.type, count, served.ttl, offset, static_cast<std::uint32_t>(out.size() - offset)};
        std::memcpy(out.data() + entry, &set, sizeof set);
        entry += sizeof set;
        zone_->record_count_ += count;
    }
    out.resize(Zone::padded(out.size()));  // the next block starts aligned
    return block;
}

// Fills groups_ and kept_ from one node's records, dropping exact duplicates
// and keeping file order within each type.
void ZoneBuilder::group_by_type(std::vector<std::uint32_t>& records) {
    auto same_rr = [this](std::uint32_t a, std::uint32_t b) {
        return records_.type(a) == records_.type(b) && rdata(a) == rdata(b);
    };
    // Sorting by content first makes duplicates neighbours.
    std::sort(records.begin(), records.end(), [this](std::uint32_t a, std::uint32_t b) {
        if (records_.type(a) != records_.type(b)) return records_.type(a) < records_.type(b);
        int order = rdata(a).compare(rdata(b));
        return order != 0 ? order < 0 : a < b;
    });
    kept_.clear();
    groups_.clear();
    for (std::size_t i = 0; i < records.size(); ++i) {
        std::uint32_t record = records[i];
        std::uint16_t type = records_.type(record);
        if (i > 0 && same_rr(records[i - 1], record)) {
            warning(record, "duplicate " + rr_type_text(type) + " record at " + owner_text(record) + " dropped");
            continue;
        }
        if (groups_.empty() || groups_.back().type != type) groups_.push_back({type, kept_.size(), kept_.size()});
        kept_.push_back(record);
        groups_.back().end = kept_.size();
    }
    for (const Group& group : groups_) {
        std::sort(kept_.begin() + static_cast<std::ptrdiff_t>(group.begin),
                  kept_.begin() + static_cast<std::ptrdiff_t>(group.end));
    }
}

std::shared_ptr<const Zone> build_zone(std::string_view origin, ZoneRecords&& records,
                                       const SourceLocation& declared_at, Diagnostics& diags) {
    return ZoneBuilder(origin, std::move(records), declared_at).build(diags);
}

}  // namespace azdns
