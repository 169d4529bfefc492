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

    // Layout (zone_build.cpp).
    void accept_records();
    std::uint32_t insert_name(std::string_view owner);
    std::uint32_t add_node(std::uint32_t parent, const std::uint8_t* label);
    void insert_slot(std::uint32_t node);
    void mark_delegations();
    void mark_ns_targets();
    void mark_below_dnames();
    void emit_nodes();
    void group_by_type(std::vector<std::uint32_t>& records);
    void emit_rrset(std::uint32_t node, const Group& group);

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

    static std::string type_name(std::uint16_t type);
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
    std::size_t soa_record_ = no_record;
};

}  // namespace azdns
