// Private to the zone library: the builder behind build_zone(), split over
// zone_build.cpp (layout) and zone_checks.cpp (checks and their messages).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "zone.hpp"

namespace azdns {

class ZoneBuilder {
public:
    ZoneBuilder(std::string_view origin, ZoneRecords&& records, const SourceLocation& declared_at);

    std::shared_ptr<const Zone> build(Diagnostics& diags);

private:
    static constexpr std::size_t no_record = SIZE_MAX;

    // Facts about a node that only the build needs.
    enum Mark : std::uint8_t { has_ns = 1, has_address = 2, ns_target = 4, has_dname = 8, below_dname = 16 };

    // A problem waiting to be reported; all are sorted into record order.
    struct Note {
        std::size_t record;  // no_record: about the zone as declared
        Severity severity;
        std::string message;
    };

    // RRs of one type at one node, duplicates removed: kept_[begin, end).
    struct Group {
        std::uint16_t type;
        std::size_t begin;
        std::size_t end;
    };

    // An RRset that passed the checks, to be laid out.
    struct Served {
        const Group* group;
        std::uint32_t ttl;
    };

    // Layout (zone_build.cpp). Until emit_blocks(), a node's block is its
    // header and label only; emit_blocks() lays out the finished blocks.
    void accept_records();
    std::uint32_t insert_name(std::string_view owner);
    std::uint32_t add_node(std::uint32_t parent, const std::uint8_t* label);
    void insert_slot(std::uint32_t node);
    void mark_delegations();
    void mark_ns_targets();
    void mark_below_dnames();
    void emit_blocks();
    void group_by_type(std::vector<std::uint32_t>& records);
    Zone::Block emit_block(std::uint32_t node, std::vector<std::uint8_t>& out);
    static Zone::Block append_block(const Zone::BlockHeader& head, const std::uint8_t* label,
                                    std::vector<std::uint8_t>& out);

    // A node's facts by its number, from its block.
    [[nodiscard]] Zone::BlockHeader header(std::uint32_t node) const { return zone_->header(zone_->nodes_[node]); }
    [[nodiscard]] bool has_flag(std::uint32_t node, Zone::NodeFlag flag) const {
        return zone_->has_flag(zone_->nodes_[node], flag);
    }
    void add_flag(std::uint32_t node, Zone::NodeFlag flag) {
        zone_->blocks_[zone_->nodes_[node] + Zone::flags_offset] |= flag;
    }
    // The number of the node of exactly `name`, or no_node.
    [[nodiscard]] std::uint32_t find_node(std::string_view name) const;
    [[nodiscard]] std::string node_name(std::uint32_t node) const { return zone_->node(node).name(); }

    // Checks (zone_checks.cpp).
    bool accepts(std::size_t record);
    void check_node(std::uint32_t node);
    void check_dname(std::uint32_t node, const Group& dname);
    bool check_below_dname(std::uint32_t node, const Group& group);
    bool check_occluded(std::uint32_t node, const Group& group);
    // The RRset's TTL, or nullopt when it cannot be served at all.
    std::optional<std::uint32_t> check_rrset(std::uint32_t node, const Group& group);
    void check_ns_targets(std::uint32_t node, const Group& group);
    std::uint32_t cut_above(std::string_view name) const;
    void finish_apex();
    void report(Diagnostics& diags);

    void error(std::size_t record, std::string message);
    void warning(std::size_t record, std::string message);
    std::string owner_text(std::size_t record) const;
    std::string_view rdata(std::size_t record) const { return records_.rdata(record); }

    std::shared_ptr<Zone> zone_;
    ZoneRecords records_;
    SourceLocation declared_at_;
    std::vector<std::uint32_t> node_of_;  // per record; no_node when rejected
    std::vector<std::uint8_t> marks_;     // per node
    std::vector<Note> notes_;
    std::size_t error_count_ = 0;
    std::vector<std::uint32_t> kept_;  // the current node's records, by type
    std::vector<Group> groups_;        // the current node's types
    std::vector<Served> served_;       // the current node's RRsets that passed
    std::size_t soa_record_ = no_record;
};

}  // namespace azdns
