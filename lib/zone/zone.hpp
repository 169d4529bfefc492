// The zone store: one zone's records, checked at build time and then frozen.
// A built Zone never changes, so any number of answering threads read it
// with no locks; a reload builds a new one and swaps the pointer.
//
// Layout (compact, so a million-record zone stays small, and local, so a
// query touches few cache lines: answering is bound by memory latency, not
// by instructions):
// - blocks_: one block per owner name and per empty non-terminal, holding
//   everything a query needs of that name side by side: a header (its node
//   number, its parent's, flags, RRset count), its own label, its RRset
//   entries (type, RR count, TTL, where its RRs are) sorted by type, then
//   every RR as [RDLENGTH, network order][RDATA], an RRset's RRs adjacent in
//   zone-file order: answering copies these bytes as they are.
// - slots_: a hash table keyed by (parent node, label) whose slots point at
//   blocks. A name is found label by label from the apex, so no full names
//   are stored at all, and each step is one slot and one block.
// - nodes_: node number -> block, for walks up to the apex (names in logs).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <iterator>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "diagnostics.hpp"
#include "dns_name.hpp"
#include "rr_type.hpp"
#include "zone_record.hpp"

namespace azdns {


// One RR of an RRset.
class RdataView {
public:
    explicit RdataView(const std::uint8_t* wire) : wire_(wire) {}

    // RDLENGTH (2 bytes, network order) then RDATA: what follows TYPE, CLASS
    // and TTL in a message.
    [[nodiscard]] std::span<const std::uint8_t> wire() const { return {wire_, 2u + length()}; }
    [[nodiscard]] std::span<const std::uint8_t> rdata() const { return {wire_ + 2, length()}; }

private:
    [[nodiscard]] std::size_t length() const { return std::size_t{wire_[0]} << 8 | wire_[1]; }
    const std::uint8_t* wire_;
};

// All RRs of one type at one name, iterable RR by RR. Empty when absent.
class RRsetView {
public:
    class iterator {
    public:
        using iterator_category = std::forward_iterator_tag;
        using value_type = RdataView;
        using difference_type = std::ptrdiff_t;

        iterator() = default;
        explicit iterator(const std::uint8_t* at) : at_(at) {}
        RdataView operator*() const { return RdataView(at_); }
        iterator& operator++() {
            at_ += RdataView(at_).wire().size();
            return *this;
        }
        iterator operator++(int) {
            iterator before = *this;
            ++*this;
            return before;
        }
        bool operator==(const iterator&) const = default;

    private:
        const std::uint8_t* at_ = nullptr;
    };

    RRsetView() = default;
    RRsetView(std::uint16_t type, std::uint16_t count, std::uint32_t ttl, std::span<const std::uint8_t> wire)
        : wire_(wire.data()), size_(static_cast<std::uint32_t>(wire.size())), ttl_(ttl), type_(type), count_(count) {}

    [[nodiscard]] bool empty() const { return count_ == 0; }
    explicit operator bool() const { return !empty(); }
    [[nodiscard]] std::uint16_t type() const { return type_; }
    [[nodiscard]] std::uint32_t ttl() const { return ttl_; }
    [[nodiscard]] std::uint16_t size() const { return count_; }
    // Every RR's [RDLENGTH][RDATA], back to back.
    [[nodiscard]] std::span<const std::uint8_t> wire() const { return {wire_, size_}; }

    [[nodiscard]] iterator begin() const { return iterator(wire_); }
    [[nodiscard]] iterator end() const { return iterator(wire_ + size_); }

private:
    const std::uint8_t* wire_ = nullptr;
    std::uint32_t size_ = 0;
    std::uint32_t ttl_ = 0;
    std::uint16_t type_ = 0;
    std::uint16_t count_ = 0;
};

class Zone;

// A name in the zone: an owner of RRsets or an empty non-terminal. Cheap to
// copy; valid while its Zone lives. Default-constructed means "no node".
class NodeView {
public:
    NodeView() = default;

    explicit operator bool() const { return zone_ != nullptr; }
    bool operator==(const NodeView&) const = default;

    // Full wire name, canonical. Allocates: for logs and tests, not answers.
    [[nodiscard]] std::string name() const;
    // The same name written into `out`, without allocating (a walk over the
    // whole zone, such as a zone transfer, names every node); its length.
    std::size_t write_name(std::span<char, max_name_length> out) const;
    [[nodiscard]] bool is_apex() const;
    // Has NS and is not the apex: the parent side of a zone cut.
    [[nodiscard]] bool is_delegation() const;
    // Below a cut: only glue lives here, and only for additional data.
    [[nodiscard]] bool is_below_delegation() const;
    // No RRsets: an empty non-terminal (RFC 8020), or glue-less space below a cut.
    [[nodiscard]] bool empty() const { return rrset_count() == 0; }

    [[nodiscard]] std::size_t rrset_count() const;
    [[nodiscard]] RRsetView rrset_at(std::size_t i) const;  // sorted by type
    [[nodiscard]] RRsetView rrset(std::uint16_t type) const;  // empty when absent

private:
    friend class Zone;
    NodeView(const Zone* zone, std::uint32_t block) : zone_(zone), block_(block) {}

    const Zone* zone_ = nullptr;
    std::uint32_t block_ = 0;  // in Zone::blocks_
};

// How RFC 1034 section 4.3.2 (with RFC 4592 wildcards) resolves a query.
enum class LookupStatus : std::uint8_t {
    answer,      // `answer` holds the RRset of the query type
    cname,       // the name owns a CNAME and the query type is not CNAME; `answer` holds it
    nodata,      // the name exists (maybe as an empty non-terminal) without that type; `authority` = SOA
    nxdomain,    // no such name and no wildcard; `authority` = SOA
    delegation,  // at or below a zone cut; `node` is the cut, `authority` its NS RRset
    dname,       // below a DNAME's owner (RFC 6672): `node` is the owner, `answer` its DNAME RRset
    not_in_zone, // the name is not at or below the origin (or is not a valid wire name)
};

struct LookupResult {
    LookupStatus status = LookupStatus::not_in_zone;
    // Synthesised from the wildcard `node` (`*.<closest encloser>`): the
    // answer's owner is the query name (RFC 4592 section 3.3.1).
    bool wildcard = false;
    // The node whose data answers: the name itself, the wildcard, or the cut.
    // Empty for nxdomain.
    NodeView node;
    // The deepest existing name on the query name's path: the name itself
    // when it exists, the cut for a delegation, the owner for a DNAME.
    NodeView closest_encloser;
    // The closest encloser's name is the query name from this byte on.
    std::uint8_t encloser_offset = 0;
    RRsetView answer;
    RRsetView authority;
};

class Zone {
public:
    [[nodiscard]] const std::string& origin() const { return origin_; }
    [[nodiscard]] std::uint32_t serial() const { return serial_; }
    [[nodiscard]] RRsetView soa() const { return rrset_view(soa_rrset_); }
    [[nodiscard]] std::uint32_t soa_minimum() const { return soa_minimum_; }
    // TTL of the SOA in negative answers: min(SOA TTL, MINIMUM), RFC 2308 section 5.
    [[nodiscard]] std::uint32_t negative_ttl() const { return negative_ttl_; }
    // RRs stored, after dropping duplicates and occluded data.
    [[nodiscard]] std::size_t record_count() const { return record_count_; }
    // Owner names plus empty non-terminals.
    [[nodiscard]] std::size_t node_count() const { return nodes_.size(); }

    [[nodiscard]] NodeView apex() const { return {this, 0}; }
    // Name number `index` (< node_count(); 0 is the apex), for walks over
    // the whole zone.
    [[nodiscard]] NodeView node(std::size_t index) const { return {this, nodes_[index]}; }

    // Resolves a query name (canonical wire form) without allocating.
    [[nodiscard]] LookupResult lookup(std::string_view qname, std::uint16_t qtype) const;

    // The node of exactly this name (canonical wire form), ignoring zone cuts
    // and wildcards: for glue and other additional-section data.
    [[nodiscard]] NodeView find(std::string_view name) const;

    // For answering a batch of queries, whose cache misses then overlap
    // instead of adding up (a lookup is bound by them, not by instructions).
    // prefetch_slot() starts loading the hash slot that looking up `name`
    // (canonical wire form) reads first and returns a token for it, or
    // nullopt when the lookup reads no slot; prefetch_block(token), called
    // once the slots of the whole batch are on their way, loads the block
    // that slot points at. Neither changes any answer.
    [[nodiscard]] std::optional<std::uint64_t> prefetch_slot(std::string_view name) const;
    void prefetch_block(std::uint64_t token) const;

private:
    friend class NodeView;
    friend class ZoneBuilder;

    static constexpr std::uint32_t no_node = UINT32_MAX;

    enum NodeFlag : std::uint8_t {
        apex_flag = 1,
        delegation_flag = 2,
        below_delegation_flag = 4,
        wildcard_child_flag = 8,
        // Serves a DNAME. The build refuses names below it, so the walk down
        // a query name always stops here: the check costs nothing on the way.
        dname_flag = 16,
    };

    // Where a name's block starts in blocks_. The apex's is at 0.
    using Block = std::uint32_t;
    static constexpr Block no_block = UINT32_MAX;

    // A block's first bytes. Its label ([length][bytes]) follows, then
    // padding to 4 bytes, then rrset_count RRset entries, then their RRs.
    struct BlockHeader {
        std::uint32_t node;    // its number, the index into nodes_
        std::uint32_t parent;  // the parent's number; no_node at the apex
        std::uint16_t rrset_count;
        std::uint8_t flags;  // NodeFlag
        std::uint8_t unused;
    };
    static constexpr std::size_t flags_offset = offsetof(BlockHeader, flags);

    struct RRset {
        std::uint16_t type;
        std::uint16_t count;
        std::uint32_t ttl;
        std::uint32_t offset;  // of its RRs in blocks_
        std::uint32_t size;    // of its RRs, in bytes
    };

    // Open-addressing slot; `tag` (high hash bits) spares most block reads.
    struct Slot {
        Block block = no_block;
        std::uint32_t tag = 0;
    };

    Zone() = default;

    static std::uint64_t hash(std::uint32_t parent, const std::uint8_t* label);
    static std::size_t padded(std::size_t bytes) { return (bytes + 3) & ~std::size_t{3}; }
    // The block of `parent`'s child `label` (which points at a length byte),
    // or no_block.
    [[nodiscard]] Block find_child(std::uint32_t parent, const std::uint8_t* label) const;
    [[nodiscard]] Block find_block(std::string_view name) const;
    // `name` from byte `from` on is the origin.
    [[nodiscard]] bool ends_with_origin(std::string_view name, std::size_t from) const;

    // Reading a block. Through memcpy: blocks_ is a byte array, and the
    // compiler turns these into plain loads.
    [[nodiscard]] BlockHeader header(Block block) const {
        BlockHeader h;
        std::memcpy(&h, blocks_.data() + block, sizeof h);
        return h;
    }
    [[nodiscard]] const std::uint8_t* label(Block block) const { return blocks_.data() + block + sizeof(BlockHeader); }
    [[nodiscard]] bool has_flag(Block block, NodeFlag flag) const { return (blocks_[block + flags_offset] & flag) != 0; }
    // Where the block's first RRset entry is.
    [[nodiscard]] std::size_t rrset_entries(Block block) const {
        return block + sizeof(BlockHeader) + padded(1u + label(block)[0]);
    }
    [[nodiscard]] RRset rrset_entry(std::size_t at) const {
        RRset set;
        std::memcpy(&set, blocks_.data() + at, sizeof set);
        return set;
    }
    [[nodiscard]] RRsetView rrset_view(std::size_t at) const {
        RRset set = rrset_entry(at);
        return {set.type, set.count, set.ttl, {blocks_.data() + set.offset, set.size}};
    }
    // The block's RRset of `type`, empty when it has none.
    [[nodiscard]] RRsetView rrset_of(Block block, std::uint16_t type) const;

    // Lookup steps, named after RFC 1034 section 4.3.2. Each completes
    // `result` in place: it is lookup()'s return value, so nothing is copied.
    void answer_at(Block node, std::uint16_t qtype, LookupResult& result) const;
    void answer_delegation(Block cut, LookupResult& result) const;
    void answer_dname(Block owner, LookupResult& result) const;
    void answer_missing_name(Block encloser, std::uint16_t qtype, LookupResult& result) const;

    std::string origin_;
    std::size_t origin_labels_ = 0;
    std::vector<std::uint8_t> blocks_;
    std::vector<Block> nodes_;  // by node number; the apex is number 0
    std::vector<Slot> slots_;   // size is a power of two, at most half full
    std::uint32_t serial_ = 0;
    std::uint32_t soa_minimum_ = 0;
    std::uint32_t soa_rrset_ = 0;  // where the SOA's RRset entry is in blocks_
    std::uint32_t negative_ttl_ = 0;
    std::size_t record_count_ = 0;
};

// Checks and freezes one zone (`origin` canonical wire form). Every problem
// goes to `diags` with the offending record's place, in the records' order;
// `declared_at` (where the zone was configured) carries problems that have no
// record, such as a missing SOA. nullptr when there was any error.
[[nodiscard]] std::shared_ptr<const Zone> build_zone(std::string_view origin, ZoneRecords&& records,
                                                     const SourceLocation& declared_at, Diagnostics& diags);

}  // namespace azdns
