#include "message_writer.hpp"

#include <algorithm>
#include <cstring>

#include "rdata_names.hpp"

namespace azdns {

namespace {

constexpr std::size_t option_header = 4;             // OPTION-CODE, OPTION-LENGTH (RFC 6891 section 6.1.2)

// The OPTION-LENGTH of an Extended DNS Error: INFO-CODE, then EXTRA-TEXT
// (RFC 8914 section 2).
std::size_t extended_error_length(const ExtendedError& error) { return 2 + error.extra_text.size(); }

std::size_t extended_error_option_size(const ExtendedError& error) {
    return option_header + extended_error_length(error);
}

// Where the next byte goes. A dry run (write = false) only counts, so the
// same code that writes an RRset first measures it.
template <bool write>
struct Cursor {
    std::uint8_t* buffer;
    std::size_t at;

    void bytes(const std::uint8_t* from, std::size_t count) {
        if constexpr (write) std::memcpy(buffer + at, from, count);
        at += count;
    }
    void u16_at(std::size_t where, std::size_t value) {
        if constexpr (write) {
            buffer[where] = static_cast<std::uint8_t>(value >> 8);
            buffer[where + 1] = static_cast<std::uint8_t>(value);
        }
    }
    void u16(std::size_t value) {
        u16_at(at, value);
        at += 2;
    }
    void u32(std::uint32_t value) {
        u16(value >> 16);
        u16(value & 0xFFFF);
    }
};

// Inlined: most calls write a 2-byte pointer, and a call would cost more.
template <bool write>
[[gnu::always_inline]] inline void put_name(Cursor<write>& out, CompressionTable& names, const std::uint8_t* name,
                                            std::size_t length, const NamePlan& plan) {
    if (plan.prefix > 0) {
        names.remember(name, length, plan, out.at);
        out.bytes(name, plan.prefix);
    }
    if (plan.pointer >= 0) out.u16(0xC000u | static_cast<std::size_t>(plan.pointer));
}

// One RR's RDATA with its RDLENGTH, its names compressed when `use` allows.
template <bool write>
void put_rdata(Cursor<write>& out, CompressionTable& names, std::uint16_t type, RdataNameUse use,
               RdataView rr) {
    auto rdata = rr.rdata();
    RdataNames found;
    if (use != RdataNameUse::none) found = find_rdata_names(type, rdata);
    if (found.count == 0) {
        out.bytes(rr.wire().data(), rr.wire().size());  // RDLENGTH and RDATA as the zone holds them
        return;
    }
    std::size_t length_at = out.at;
    out.u16(0);  // RDLENGTH: what the names compress to is known at the end
    std::size_t done = 0;
    for (std::size_t i = 0; i < found.count; ++i) {
        const RdataName& name = found.names[i];
        out.bytes(rdata.data() + done, name.offset - done);
        const std::uint8_t* at = rdata.data() + name.offset;
        NamePlan plan = use == RdataNameUse::compress ? names.plan(at, name.length) : NamePlan::whole(name.length);
        put_name(out, names, at, name.length, plan);
        done = name.offset + name.length;
    }
    out.bytes(rdata.data() + done, rdata.size() - done);
    out.u16_at(length_at, out.at - length_at - 2);
}

}  // namespace

MessageWriter::MessageWriter(std::span<std::uint8_t> buffer, std::size_t limit)
    : buffer_(buffer), limit_(std::min(limit, buffer.size())) {}

std::size_t MessageWriter::available() const {
    std::size_t end = limit_ > reserved_ ? limit_ - reserved_ : 0;
    return end > size_ ? end - size_ : 0;
}

void MessageWriter::add_to_count(Section section, std::size_t records) {
    std::size_t index = 1 + static_cast<std::size_t>(section);
    counts_[index] = static_cast<std::uint16_t>(counts_[index] + records);
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
    names_.clear();
    question_ = nullptr;
}

void MessageWriter::set_flags(std::uint16_t flags) {
    if (size_ < header_bytes) return;
    buffer_[2] = static_cast<std::uint8_t>(flags >> 8);
    buffer_[3] = static_cast<std::uint8_t>(flags);
}

bool MessageWriter::write_question(std::span<const std::uint8_t> question_wire) {
    if (size_ < header_bytes || question_wire.size() > available()) return false;
    question_ = question_wire.data();
    question_length_ = question_wire.size() - 4;  // the name, before QTYPE and QCLASS
    question_remembered_ = false;
    std::memcpy(&buffer_[size_], question_wire.data(), question_wire.size());
    size_ += question_wire.size();
    counts_[0] = 1;
    buffer_[5] = 1;
    return true;
}

// Writes (or, in a dry run, measures) the RRset and returns its size. The
// first RR's owner is written as planned; every later RR points at it, or
// repeats it when it lies beyond pointer reach. `owner_length`: the owner's
// uncompressed length when it is not in the message yet.
template <bool write>
std::size_t MessageWriter::put_rrset(NameRef owner, std::size_t owner_length, const RRsetView& rrset,
                                     std::uint32_t ttl) {
    Cursor<write> out{buffer_.data(), size_};
    NamePlan first = owner.packet_offset >= 0 ? NamePlan::pointer_to(static_cast<std::size_t>(owner.packet_offset))
                                              : names_.plan(owner.wire, owner_length);
    RdataNameUse use = rdata_name_use(rrset.type());
    std::size_t owner_at = first.prefix == 0 ? static_cast<std::size_t>(first.pointer) : out.at;
    bool first_rr = true;
    for (RdataView rr : rrset) {
        if (first_rr || owner_at > CompressionTable::max_pointer) {
            put_name(out, names_, owner.wire, owner_length, first);
        } else if (owner_length == 1) {
            out.bytes(owner.wire, 1);  // the root: one byte, shorter than a pointer
        } else {
            out.u16(0xC000u | owner_at);
        }
        first_rr = false;
        out.u16(rrset.type());
        out.u16(rr_class::in);
        out.u32(ttl);
        put_rdata(out, names_, rrset.type(), use, rr);
    }
    std::size_t bytes = out.at - size_;
    if constexpr (write) size_ = out.at;
    return bytes;
}

bool MessageWriter::emit_rrset(Section section, NameRef owner, const RRsetView& rrset, std::uint32_t ttl) {
    if (rrset.empty()) return true;
    std::size_t room = available();
    std::size_t owner_length = owner.packet_offset >= 0 ? 0 : wire_name_length(owner.wire);
    // Compression only shortens: when the RRset fits uncompressed (each owner
    // whole, each RDATA as stored), it is written at once. Otherwise a dry run
    // measures it exactly (with the targets its own names add), then forgets
    // those targets again.
    std::size_t owner_bytes = owner.packet_offset >= 0 ? 2 : owner_length;
    if (owner.packet_offset < 0 || rdata_name_use(rrset.type()) != RdataNameUse::none) remember_question();
    if (rrset.size() * (owner_bytes + 8) + rrset.wire().size() > room) {
        CompressionTable::Mark before = names_.mark();
        std::size_t bytes = put_rrset<false>(owner, owner_length, rrset, ttl);
        names_.restore(before);
        if (bytes > room) return false;
    }
    (void)put_rrset<true>(owner, owner_length, rrset, ttl);
    add_to_count(section, rrset.size());
    return true;
}

// The question's labels become targets only when a name is first planned:
// most answers (owners that point at the question, addresses) plan none.
void MessageWriter::remember_question() {
    if (question_remembered_ || question_ == nullptr) return;
    names_.remember(question_, question_length_, NamePlan::whole(question_length_), header_bytes);
    question_remembered_ = true;
}

bool MessageWriter::write_record(Section section, NameRef owner, std::uint16_t type, std::uint16_t rr_class,
                                 std::uint32_t ttl, std::span<const std::uint8_t> rdata) {
    std::size_t owner_length = owner.packet_offset >= 0 ? 0 : wire_name_length(owner.wire);
    if (owner.packet_offset < 0) remember_question();
    NamePlan plan = owner.packet_offset >= 0 ? NamePlan::pointer_to(static_cast<std::size_t>(owner.packet_offset))
                                             : names_.plan(owner.wire, owner_length);
    if (plan.bytes() + 10 + rdata.size() > available() || rdata.size() > 0xFFFF) return false;
    Cursor<true> out{buffer_.data(), size_};
    put_name(out, names_, owner.wire, owner_length, plan);
    out.u16(type);
    out.u16(rr_class);
    out.u32(ttl);
    out.u16(rdata.size());
    out.bytes(rdata.data(), rdata.size());
    size_ = out.at;
    add_to_count(section, 1);
    return true;
}

std::size_t MessageWriter::opt_size() const {
    std::size_t bytes = 11;
    if (!opt_.nsid.empty()) bytes += option_header + opt_.nsid.size();
    if (opt_.client_subnet != nullptr) bytes += option_header + 4 + opt_.client_subnet->address_bytes();
    if (!opt_.cookie.empty()) bytes += option_header + opt_.cookie.size();
    if (has_extended_error_) bytes += extended_error_option_size(extended_error_);
    return bytes;
}

void MessageWriter::plan_opt(const OptRecord& opt) {
    opt_ = opt;
    opt_planned_ = true;
    client_subnet_scope_ = 0;
    has_extended_error_ = false;
    reserved_ = opt_size();
}

bool MessageWriter::add_extended_error(const ExtendedError& error) {
    std::size_t bytes = extended_error_option_size(error);
    if (!opt_planned_ || has_extended_error_ || bytes > available()) return false;
    extended_error_ = error;
    has_extended_error_ = true;
    reserved_ += bytes;
    return true;
}

bool MessageWriter::write_opt(std::uint8_t extended_rcode) {
    if (!opt_planned_) return false;
    std::size_t bytes = opt_size();
    opt_planned_ = false;
    reserved_ = 0;  // what was kept for it is now available
    if (bytes > available() || bytes - 11 > 0xFFFF) return false;
    Cursor<true> out{buffer_.data(), size_};
    const std::uint8_t root = 0;
    out.bytes(&root, 1);
    out.u16(rr_type::opt);
    out.u16(opt_.udp_size);
    out.u32(std::uint32_t{extended_rcode} << 24 | (opt_.dnssec_ok ? 0x8000u : 0u));  // version 0
    out.u16(bytes - 11);
    if (!opt_.nsid.empty()) {
        out.u16(edns_option::nsid);
        out.u16(opt_.nsid.size());
        out.bytes(opt_.nsid.data(), opt_.nsid.size());
    }
    if (const ClientSubnet* subnet = opt_.client_subnet) {
        out.u16(edns_option::client_subnet);
        out.u16(4 + subnet->address_bytes());
        out.u16(subnet->family);
        const std::uint8_t prefixes[2] = {subnet->source_bits, client_subnet_scope_};
        out.bytes(prefixes, 2);
        out.bytes(subnet->address.data(), subnet->address_bytes());
    }
    if (!opt_.cookie.empty()) {
        out.u16(edns_option::cookie);
        out.u16(opt_.cookie.size());
        out.bytes(opt_.cookie.data(), opt_.cookie.size());
    }
    if (has_extended_error_) {
        auto text = extended_error_.extra_text;
        out.u16(edns_option::extended_error);
        out.u16(extended_error_length(extended_error_));
        out.u16(extended_error_.info_code);
        if (!text.empty()) out.bytes(reinterpret_cast<const std::uint8_t*>(text.data()), text.size());
    }
    size_ = out.at;
    add_to_count(Section::additional, 1);
    return true;
}

}  // namespace azdns
