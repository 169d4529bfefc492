#include "message_writer.hpp"

#include <algorithm>
#include <cstring>

#include "ascii.hpp"

namespace azdns {

namespace {

constexpr std::uint16_t max_pointer = 0x3FFF;

}  // namespace

MessageWriter::MessageWriter(std::span<std::uint8_t> buffer, std::size_t limit)
    : buffer_(buffer), limit_(std::min(limit, buffer.size())) {}

std::size_t MessageWriter::available() const {
    std::size_t end = limit_ > reserved_ ? limit_ - reserved_ : 0;
    return end > size_ ? end - size_ : 0;
}

// Each one store, not a store per byte (after each of which the compiler
// must reload size_, since a byte store may alias it): small enough to inline.
void MessageWriter::put16(std::uint16_t value) {
    const std::uint8_t bytes[2] = {static_cast<std::uint8_t>(value >> 8), static_cast<std::uint8_t>(value)};
    std::memcpy(&buffer_[size_], bytes, sizeof bytes);
    size_ += sizeof bytes;
}

void MessageWriter::put32(std::uint32_t value) {
    const std::uint8_t bytes[4] = {static_cast<std::uint8_t>(value >> 24), static_cast<std::uint8_t>(value >> 16),
                                   static_cast<std::uint8_t>(value >> 8), static_cast<std::uint8_t>(value)};
    std::memcpy(&buffer_[size_], bytes, sizeof bytes);
    size_ += sizeof bytes;
}

void MessageWriter::count(Section section) {
    std::size_t index = 1 + static_cast<std::size_t>(section);
    ++counts_[index];
    buffer_[4 + 2 * index] = static_cast<std::uint8_t>(counts_[index] >> 8);
    buffer_[5 + 2 * index] = static_cast<std::uint8_t>(counts_[index]);
}

void MessageWriter::write_header(std::uint16_t id, std::uint16_t flags) {
    if (limit_ < header_bytes) return;  // callers guarantee room; stay safe regardless
    const std::uint8_t header[header_bytes] = {static_cast<std::uint8_t>(id >> 8), static_cast<std::uint8_t>(id),
                                               static_cast<std::uint8_t>(flags >> 8), static_cast<std::uint8_t>(flags)};
    std::memcpy(buffer_.data(), header, header_bytes);  // counts zero
    size_ = header_bytes;
    counts_ = {};
    target_count_ = 0;
}

void MessageWriter::set_flags(std::uint16_t flags) {
    if (size_ < header_bytes) return;
    buffer_[2] = static_cast<std::uint8_t>(flags >> 8);
    buffer_[3] = static_cast<std::uint8_t>(flags);
}

bool MessageWriter::write_question(std::span<const std::uint8_t> question_wire) {
    if (size_ < header_bytes || question_wire.size() > available()) return false;
    std::size_t at = size_;
    std::memcpy(&buffer_[size_], question_wire.data(), question_wire.size());
    size_ += question_wire.size();
    counts_[0] = 1;
    buffer_[5] = 1;
    remember_labels(at);
    return true;
}

// Records every label start of the uncompressed run of a name written at
// `offset`, so later owners can point at any of its suffixes.
void MessageWriter::remember_labels(std::size_t offset) {
    std::size_t pos = offset;
    while (pos < size_ && buffer_[pos] != 0 && (buffer_[pos] & 0xC0) == 0) {
        if (pos > max_pointer || target_count_ == max_targets) return;
        targets_[target_count_++] = static_cast<std::uint16_t>(pos);
        pos += 1u + buffer_[pos];
    }
}

// Names inside RDATA are never compressed (RFC 3597 section 4), but the
// well-known ones make good targets: the next link of a CNAME chain and the
// glue of an NS set are owned by exactly these names.
void MessageWriter::remember_rdata_name(std::uint16_t type, std::size_t rdata_offset, std::size_t rdata_length) {
    std::size_t skip = 0;
    switch (type) {
        case rr_type::ns:
        case rr_type::cname:
        case rr_type::ptr:
        case rr_type::dname:
            skip = 0;
            break;
        case rr_type::mx:
            skip = 2;
            break;
        case rr_type::srv:
            skip = 6;
            break;
        default:
            return;
    }
    if (rdata_length <= skip) return;
    // The store holds RDATA names uncompressed and valid; check bounds anyway.
    std::size_t pos = rdata_offset + skip;
    std::size_t end = rdata_offset + rdata_length;
    while (pos < end && buffer_[pos] != 0) {
        if ((buffer_[pos] & 0xC0) != 0 || pos + 1u + buffer_[pos] >= end) return;
        if (pos > max_pointer || target_count_ == max_targets) return;
        targets_[target_count_++] = static_cast<std::uint16_t>(pos);
        pos += 1u + buffer_[pos];
    }
}

// Compares the name at `offset` in the message (following pointers, which
// only ever point backwards in what we wrote) with an uncompressed name,
// ignoring ASCII case.
bool MessageWriter::message_name_equals(std::size_t offset, const std::uint8_t* name) const {
    std::size_t pos = offset;
    for (int hops = 0; hops < 128; ++hops) {
        std::uint8_t label = buffer_[pos];
        if ((label & 0xC0) == 0xC0) {
            pos = static_cast<std::size_t>(label & 0x3F) << 8 | buffer_[pos + 1];
            continue;
        }
        if (label != *name) return false;
        if (label == 0) return true;
        for (std::size_t i = 1; i <= label; ++i) {
            if (ascii_lower(buffer_[pos + i]) != ascii_lower(name[i])) return false;
        }
        pos += 1u + label;
        name += 1u + label;
    }
    return false;
}

MessageWriter::OwnerPlan MessageWriter::plan_owner(NameRef owner) const {
    OwnerPlan plan;
    if (owner.packet_offset >= 0) {
        plan.pointer = owner.packet_offset;
        return plan;
    }
    const std::uint8_t* name = owner.wire;
    std::size_t prefix = 0;
    while (name[prefix] != 0) {
        for (std::size_t i = 0; i < target_count_; ++i) {
            if (message_name_equals(targets_[i], name + prefix)) {
                plan.prefix = prefix;
                plan.pointer = targets_[i];
                return plan;
            }
        }
        prefix += 1u + name[prefix];
    }
    plan.prefix = prefix + 1;  // the whole name, root byte included
    return plan;
}

std::size_t MessageWriter::write_owner(NameRef owner, const OwnerPlan& plan) {
    std::size_t at = size_;
    if (plan.prefix > 0) {
        std::memcpy(&buffer_[size_], owner.wire, plan.prefix);
        size_ += plan.prefix;
    }
    if (plan.pointer >= 0) put16(static_cast<std::uint16_t>(0xC000 | plan.pointer));
    if (plan.prefix > 0) remember_labels(at);
    return at;
}

bool MessageWriter::emit_rrset(Section section, NameRef owner, const RRsetView& rrset, std::uint32_t ttl) {
    if (rrset.empty()) return true;
    // Size first. The first RR's owner is written as planned; every later
    // RR points at it (or repeats it when it sits beyond pointer reach).
    OwnerPlan first = plan_owner(owner);
    std::size_t first_bytes = first.bytes();
    bool repeat = first.prefix > 0 && first_bytes > 1 && size_ > max_pointer;
    std::size_t rest_bytes = first_bytes == 1 || repeat ? first_bytes : 2;
    std::size_t total = first_bytes + rest_bytes * (rrset.size() - 1u) + 10u * rrset.size() + rrset.wire().size();
    if (total > available()) return false;

    std::size_t owner_at = 0;
    bool first_rr = true;
    for (RdataView rr : rrset) {
        if (first_rr || repeat) {
            owner_at = write_owner(owner, first);
            // A pointer-only owner is repeated as the same pointer.
            if (first.prefix == 0) owner_at = static_cast<std::size_t>(first.pointer);
        } else if (rest_bytes == 1) {
            buffer_[size_++] = 0;
        } else {
            put16(static_cast<std::uint16_t>(0xC000 | owner_at));
        }
        put16(rrset.type());
        put16(rr_class::in);
        put32(ttl);
        auto wire = rr.wire();
        std::size_t rdata_at = size_ + 2;
        std::memcpy(&buffer_[size_], wire.data(), wire.size());
        size_ += wire.size();
        remember_rdata_name(rrset.type(), rdata_at, wire.size() - 2);
        count(section);
        first_rr = false;
    }
    return true;
}

bool MessageWriter::write_record(Section section, NameRef owner, std::uint16_t type, std::uint16_t rr_class,
                                 std::uint32_t ttl, std::span<const std::uint8_t> rdata) {
    OwnerPlan plan = plan_owner(owner);
    if (plan.bytes() + 10 + rdata.size() > available() || rdata.size() > 0xFFFF) return false;
    write_owner(owner, plan);
    put16(type);
    put16(rr_class);
    put32(ttl);
    put16(static_cast<std::uint16_t>(rdata.size()));
    if (!rdata.empty()) std::memcpy(&buffer_[size_], rdata.data(), rdata.size());
    size_ += rdata.size();
    count(section);
    return true;
}

bool MessageWriter::write_opt(std::uint16_t udp_size, std::uint8_t extended_rcode, bool dnssec_ok,
                              std::span<const std::uint8_t> nsid) {
    std::size_t bytes = opt_size(nsid.size());
    if (nsid.size() > 0xFFFF - 4 || bytes > available()) return false;
    buffer_[size_++] = 0;  // root owner
    put16(rr_type::opt);
    put16(udp_size);
    put32(std::uint32_t{extended_rcode} << 24 | (dnssec_ok ? 0x8000u : 0u));
    if (nsid.empty()) {
        put16(0);
    } else {
        put16(static_cast<std::uint16_t>(4 + nsid.size()));
        put16(3);  // NSID
        put16(static_cast<std::uint16_t>(nsid.size()));
        std::memcpy(&buffer_[size_], nsid.data(), nsid.size());
        size_ += nsid.size();
    }
    count(Section::additional);
    return true;
}

}  // namespace azdns
