// A zone as a zone transfer carries it: one record at a time, in one of two
// views (design: issue 12).
// - The raw view is the zone as built.
// - The filtered view is what azdns answers for the zone right now: each
//   health-managed A/AAAA RRset as HealthView::find makes it. Outcome
//   `serve`: its `rrset` (maybe fewer addresses) with that rrset's TTL.
//   Outcome `nodata`: the RRset is absent. Outcome `servfail`: a zone cannot
//   carry SERVFAIL, so the transfer carries the RRset with ALL its addresses
//   and its original TTL (a secondary then serves every address, which is
//   what azdns does itself under all_down = "serve-all").
// In both views the SOA's serial is the caller's: the filtered view's serial
// comes from a serial book kept elsewhere, since its contents change without
// a new zone.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "dns_name.hpp"
#include "health_view.hpp"
#include "zone.hpp"

namespace azdns {

// One record of class IN. Its views point into whatever holds the bytes.
struct TransferRecord {
    std::string_view owner;  // canonical wire form
    std::uint16_t type = 0;
    std::uint32_t ttl = 0;
    std::span<const std::uint8_t> rdata;

    // Same owner, type, TTL and RDATA bytes.
    [[nodiscard]] bool operator==(const TransferRecord& other) const;
};

// An owned list of records, compact: owners and RDATA share one byte arena,
// and a record with the same owner as the one before it reuses its bytes (a
// diff lists an RRset's records together), so a journal of many changes
// holds no string per record.
class TransferRecords {
public:
    void add(const TransferRecord& record);
    // Every RR of `rrset` at `owner`, with `rrset.ttl()`.
    void add_rrset(std::string_view owner, const RRsetView& rrset);

    [[nodiscard]] std::size_t size() const { return entries_.size(); }
    [[nodiscard]] bool empty() const { return entries_.empty(); }
    [[nodiscard]] TransferRecord operator[](std::size_t i) const;
    // What the list holds in memory, for a journal's byte limit.
    [[nodiscard]] std::size_t memory_bytes() const {
        return bytes_.capacity() + entries_.capacity() * sizeof(Entry);
    }

private:
    struct Entry {
        std::uint64_t owner;  // into bytes_: [length][name]
        std::uint64_t rdata;  // into bytes_: [RDLENGTH, 2 bytes][RDATA]
        std::uint32_t ttl;
        std::uint16_t type;
    };

    std::vector<std::uint8_t> bytes_;
    std::vector<Entry> entries_;
};

// The zone's SOA record with another serial: the view's SOA (written at the
// start and end of a transfer) and the SOAs of a journal's steps. Holds its
// bytes: no allocation.
class SoaRecord {
public:
    SoaRecord(const Zone& zone, std::uint32_t serial);

    // Points into this SoaRecord: not to be taken from a temporary.
    [[nodiscard]] TransferRecord record() const& {
        return {{owner_.data(), owner_length_}, rr_type::soa, ttl_, {rdata_.data(), rdata_length_}};
    }
    TransferRecord record() const&& = delete;
    [[nodiscard]] std::uint32_t serial() const { return serial_; }

private:
    std::array<char, max_name_length> owner_;
    // MNAME and RNAME uncompressed, then SERIAL REFRESH RETRY EXPIRE MINIMUM.
    std::array<std::uint8_t, 2 * max_name_length + 20> rdata_;
    std::uint8_t owner_length_ = 0;
    std::uint16_t rdata_length_ = 0;
    std::uint32_t ttl_ = 0;
    std::uint32_t serial_ = 0;
};

// The RRset as `view` carries it (rules above): empty when the view leaves
// it out. `view` nullptr is the raw view.
[[nodiscard]] RRsetView transferred_rrset(const HealthView* view, const RRsetView& rrset);

// Walks a view record by record, the SOA first (with the given serial), then
// every other RR node by node, without allocating: one name buffer, written
// when the walk reaches the next node. Pull-style, so a transfer can stop
// between any two records and go on later. Valid while the zone and view live.
class ViewRecords {
public:
    ViewRecords(const Zone& zone, const HealthView* view, std::uint32_t soa_serial);
    ViewRecords(const ViewRecords&) = delete;  // `current_` points into it
    ViewRecords& operator=(const ViewRecords&) = delete;

    [[nodiscard]] bool done() const { return done_; }
    [[nodiscard]] const TransferRecord& current() const { return current_; }
    void advance();

private:
    // Starts at RRset `rrset` of the current node, or further on; sets done_
    // at the end of the zone.
    void find_next_rrset(std::size_t rrset);
    void show_rr();

    const Zone* zone_;
    const HealthView* view_;
    SoaRecord soa_;
    std::size_t node_index_ = 0;
    std::size_t rrset_index_ = 0;
    NodeView node_;
    RRsetView rrset_;
    RRsetView::iterator rr_;
    TransferRecord current_;
    std::array<char, max_name_length> owner_;
    std::size_t owner_length_ = 0;
    bool done_ = false;
};

// Visits every record of the view: `visit(const TransferRecord&)`, the SOA
// first (see ViewRecords). An AXFR of a million names goes through here.
template <typename Visitor>
void for_each_record(const Zone& zone, const HealthView* filtered_or_null, std::uint32_t soa_serial,
                     Visitor&& visit) {
    for (ViewRecords records(zone, filtered_or_null, soa_serial); !records.done(); records.advance()) {
        visit(records.current());
    }
}

}  // namespace azdns
