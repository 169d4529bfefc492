#include "transfer_records.hpp"

#include <algorithm>
#include <cstring>

namespace azdns {

namespace {

std::span<const std::uint8_t> as_bytes(std::string_view text) {
    return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}

}  // namespace

bool TransferRecord::operator==(const TransferRecord& other) const {
    return owner == other.owner && type == other.type && ttl == other.ttl &&
           std::ranges::equal(rdata, other.rdata);
}

void TransferRecords::add(const TransferRecord& record) {
    std::uint64_t owner_at = 0;
    if (!entries_.empty() && operator[](entries_.size() - 1).owner == record.owner) {
        owner_at = entries_.back().owner;
    } else {
        owner_at = bytes_.size();
        bytes_.push_back(static_cast<std::uint8_t>(record.owner.size()));  // names are at most 255 bytes
        auto owner = as_bytes(record.owner);
        bytes_.insert(bytes_.end(), owner.begin(), owner.end());
    }
    std::uint64_t rdata_at = bytes_.size();
    bytes_.push_back(static_cast<std::uint8_t>(record.rdata.size() >> 8));  // RDATA is at most 65535 bytes
    bytes_.push_back(static_cast<std::uint8_t>(record.rdata.size()));
    bytes_.insert(bytes_.end(), record.rdata.begin(), record.rdata.end());
    entries_.push_back({owner_at, rdata_at, record.ttl, record.type});
}

void TransferRecords::add_rrset(std::string_view owner, const RRsetView& rrset) {
    for (RdataView rr : rrset) add({owner, rrset.type(), rrset.ttl(), rr.rdata()});
}

TransferRecord TransferRecords::operator[](std::size_t i) const {
    const Entry& e = entries_[i];
    const std::uint8_t* owner = bytes_.data() + e.owner;
    const std::uint8_t* rdata = bytes_.data() + e.rdata;
    return {{reinterpret_cast<const char*>(owner + 1), owner[0]},
            e.type,
            e.ttl,
            {rdata + 2, std::size_t{rdata[0]} << 8 | rdata[1]}};
}

SoaRecord::SoaRecord(const Zone& zone, std::uint32_t serial) : serial_(serial) {
    RRsetView soa = zone.soa();
    RdataView rr = *soa.begin();
    std::span<const std::uint8_t> rdata = rr.rdata();
    std::memcpy(owner_.data(), zone.origin().data(), zone.origin().size());
    owner_length_ = static_cast<std::uint8_t>(zone.origin().size());
    std::memcpy(rdata_.data(), rdata.data(), rdata.size());
    rdata_length_ = static_cast<std::uint16_t>(rdata.size());
    ttl_ = soa.ttl();
    // SERIAL is the first of the five 32-bit fields that end the RDATA.
    std::uint8_t* at = rdata_.data() + rdata.size() - 20;
    at[0] = static_cast<std::uint8_t>(serial >> 24);
    at[1] = static_cast<std::uint8_t>(serial >> 16);
    at[2] = static_cast<std::uint8_t>(serial >> 8);
    at[3] = static_cast<std::uint8_t>(serial);
}

RRsetView transferred_rrset(const HealthView* view, const RRsetView& rrset) {
    const FilteredRRset* filtered = view == nullptr ? nullptr : view->find(rrset);
    if (filtered == nullptr) return rrset;
    switch (filtered->outcome) {
        case HealthOutcome::serve: return filtered->rrset;
        case HealthOutcome::nodata: return {};
        case HealthOutcome::servfail: return rrset;
    }
    return rrset;
}

ViewRecords::ViewRecords(const Zone& zone, const HealthView* view, std::uint32_t soa_serial)
    : zone_(&zone), view_(view), soa_(zone, soa_serial), node_(zone.apex()) {
    owner_length_ = node_.write_name(owner_);
    current_ = soa_.record();
}

void ViewRecords::advance() {
    if (done_) return;
    if (rrset_.empty()) {  // the SOA was shown: the walk starts
        find_next_rrset(0);
        return;
    }
    if (++rr_ != rrset_.end()) {
        show_rr();
        return;
    }
    find_next_rrset(rrset_index_ + 1);
}

void ViewRecords::find_next_rrset(std::size_t rrset) {
    for (;;) {
        for (; rrset < node_.rrset_count(); ++rrset) {
            RRsetView original = node_.rrset_at(rrset);
            // The apex SOA is the view's own, shown first with its serial.
            if (original.type() == rr_type::soa && node_index_ == 0) continue;
            RRsetView carried = transferred_rrset(view_, original);
            if (carried.empty()) continue;
            rrset_index_ = rrset;
            rrset_ = carried;
            rr_ = rrset_.begin();
            show_rr();
            return;
        }
        if (++node_index_ == zone_->node_count()) {
            done_ = true;
            return;
        }
        node_ = zone_->node(node_index_);
        rrset = 0;
        // Empty non-terminals own nothing: their names are never written.
        if (node_.rrset_count() != 0) owner_length_ = node_.write_name(owner_);
    }
}

void ViewRecords::show_rr() {
    current_ = {{owner_.data(), owner_length_}, rrset_.type(), rrset_.ttl(), (*rr_).rdata()};
}

}  // namespace azdns
