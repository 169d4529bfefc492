#include "transfer_reader.hpp"

#include "ascii.hpp"
#include "dns_name.hpp"
#include "query_reader.hpp"
#include "rdata_names.hpp"
#include "rdata_wire_check.hpp"
#include "wire_integers.hpp"
#include "wire_names.hpp"

namespace azdns {

namespace {

constexpr std::size_t soa_numbers_size = 20;  // SERIAL REFRESH RETRY EXPIRE MINIMUM
constexpr std::size_t record_fixed_size = 10; // TYPE CLASS TTL RDLENGTH


std::string class_text(std::uint16_t rclass) {
    switch (rclass) {
        case rr_class::ch: return "CH";
        case rr_class::any: return "ANY";
        default: return std::to_string(rclass);
    }
}

// Two SOA RDATAs name the same version: the names without letter case (a
// primary's compression may point at an owner written in another case),
// the five numbers exactly.
bool same_soa(std::string_view a, std::string_view b) {
    if (a.size() != b.size() || a.size() < soa_numbers_size) return false;
    const std::size_t names = a.size() - soa_numbers_size;
    return ascii_iequals(a.substr(0, names), b.substr(0, names)) && a.substr(names) == b.substr(names);
}

}  // namespace

std::optional<std::uint32_t> soa_rdata_serial(std::string_view rdata) {
    if (rdata.size() < soa_numbers_size) return std::nullopt;
    return read_u32(reinterpret_cast<const std::uint8_t*>(rdata.data() + rdata.size() - soa_numbers_size));
}

TransferReader::TransferReader(TransferQuestion question, TransferReadLimits limits)
    : question_(std::move(question)),
      limits_(limits),
      source_((question_.qtype == rr_type::ixfr ? "IXFR from " : "AXFR from ") + question_.primary) {}

bool TransferReader::fail(std::string reason) {
    error_ = source_.str() + ": message " + std::to_string(messages_) + ": " + std::move(reason);
    return false;
}

bool TransferReader::fail_record(std::size_t number, std::string reason) {
    return fail("record " + std::to_string(number) + ": " + std::move(reason));
}

bool TransferReader::add_message(std::span<const std::uint8_t> message) {
    if (failed()) return false;
    ++messages_;
    if (state_ == State::done) return fail("a message after the closing SOA");
    bytes_received_ += message.size();
    if (bytes_received_ > limits_.max_bytes) {
        return fail("the transfer passes " + std::to_string(limits_.max_bytes) + " bytes, the zone size limit");
    }
    tsig_offset_ = 0;
    std::size_t pos = 0;
    if (!read_header(message, pos)) return false;
    const std::size_t answers = read_u16(&message[6]);
    for (std::size_t i = 1; i <= answers; ++i) {
        if (!read_answer(message, pos, i)) return false;
    }
    if (!walk_other_sections(message, pos, read_u16(&message[8]), read_u16(&message[10]))) return false;
    // A lone SOA in the first message: the IXFR client is up to date (RFC
    // 1995 section 4); the caller compares the serial with its own.
    if (state_ == State::ixfr_shape) {
        content_.kind = TransferContent::Kind::up_to_date;
        state_ = State::done;
    }
    return true;
}

bool TransferReader::read_header(std::span<const std::uint8_t> message, std::size_t& pos) {
    if (message.size() < header_size) return fail("shorter than a DNS header");
    const std::uint16_t id = read_u16(&message[0]);
    if (id != question_.id) {
        return fail("ID " + std::to_string(id) + ", the query's is " + std::to_string(question_.id));
    }
    if ((message[2] & 0x80) == 0) return fail("not a response (QR=0)");
    const unsigned opcode = (message[2] >> 3) & 0x0F;
    if (opcode != 0) return fail("opcode " + std::to_string(opcode) + ", not QUERY");
    const unsigned rcode = message[3] & 0x0F;
    if (rcode != rcode::noerror) return fail("the primary answered " + rcode_name(rcode));
    if ((message[2] & 0x02) != 0) return fail("truncated (TC=1): a transfer is never truncated");
    const std::uint16_t questions = read_u16(&message[4]);
    if (questions > 1) return fail(std::to_string(questions) + " questions");
    if (questions == 0 && messages_ == 1) return fail("no question in the first message");
    if (read_u16(&message[6]) == 0) return fail("no answer records");
    pos = header_size;
    return questions == 0 || read_question(message, pos);
}

bool TransferReader::read_question(std::span<const std::uint8_t> message, std::size_t& pos) {
    std::size_t length = 0;
    if (!read_name(message, pos, name_, length) || pos + 4 > message.size()) return fail("malformed question");
    const std::string_view name(name_.data(), length);
    const std::uint16_t qtype = read_u16(&message[pos]);
    const std::uint16_t qclass = read_u16(&message[pos + 2]);
    pos += 4;
    if (!ascii_iequals(name, question_.origin) || qtype != question_.qtype || qclass != rr_class::in) {
        return fail("the question is " + name_to_text(name) + " type " + std::to_string(qtype) + " class " +
                    class_text(qclass) + ", not the one asked");
    }
    return true;
}

bool TransferReader::read_answer(std::span<const std::uint8_t> message, std::size_t& pos, std::size_t number) {
    std::size_t length = 0;
    if (!read_name(message, pos, name_, length)) return fail_record(number, "malformed owner name");
    owner_.assign(name_.data(), length);
    name_canonicalize(owner_);
    if (pos + record_fixed_size > message.size()) return fail_record(number, "cut short");
    Record record;
    record.owner = owner_;
    record.type = read_u16(&message[pos]);
    record.rclass = read_u16(&message[pos + 2]);
    record.ttl = read_u32(&message[pos + 4]);
    const std::size_t rdlength = read_u16(&message[pos + 8]);
    pos += record_fixed_size;
    if (pos + rdlength > message.size()) return fail_record(number, "RDATA cut short");
    if (!read_rdata(message, pos, rdlength, record.type)) return fail_record(number, "malformed RDATA");
    pos += rdlength;
    record.rdata = rdata_;

    if (record.rclass != rr_class::in) return fail_record(number, "class " + class_text(record.rclass) + "; only IN");
    if (!name_is_at_or_below(record.owner, question_.origin)) {
        return fail_record(number,
                           name_to_text(record.owner) + " is outside the zone " + name_to_text(question_.origin));
    }
    if (record.type == 0 || rr_type::is_meta(record.type)) {
        return fail_record(number, "type " + std::to_string(record.type) + " is a query or meta type, not zone data");
    }
    // Types with names were laid out whole by read_rdata, addresses by size.
    if (rdata_name_use(record.type) == RdataNameUse::none && record.type != rr_type::a &&
        record.type != rr_type::aaaa) {
        const auto* bytes = reinterpret_cast<const std::uint8_t*>(rdata_.data());
        if (auto problem = rdata_wire_problem(record.type, {bytes, rdata_.size()}))
            return fail_record(number, *problem);
    }
    if (record.type == rr_type::soa && record.owner != question_.origin) {
        return fail_record(number, "a SOA for " + name_to_text(record.owner) + ", not the zone's origin");
    }
    // One more than the zone's: an AXFR sends its SOA again at the end. A
    // zone that loads from a file under the limit then also transfers.
    if (++records_ > limits_.max_records + 1) {
        return fail_record(number, "more than " + std::to_string(limits_.max_records) +
                                       " records (server.max_zone_records)");
    }
    bytes_held_ += record.owner.size() + record_fixed_size + record.rdata.size();
    if (bytes_held_ > limits_.max_bytes) {
        return fail_record(number,
                           "the records pass " + std::to_string(limits_.max_bytes) + " bytes, the zone size limit");
    }
    const SourceLocation where{source_, static_cast<std::uint32_t>(messages_), static_cast<std::uint32_t>(number)};
    return take(record, where) || fail_record(number, error_);
}

// RDATA into rdata_: names at the places rdata_names.hpp knows decompressed,
// each to end inside the RDATA, the rest copied; other types as they are.
bool TransferReader::read_rdata(std::span<const std::uint8_t> message, std::size_t at, std::size_t length,
                                std::uint16_t type) {
    // An address is its size (RFC 1035 section 3.4.1, RFC 3596 section 2.2): a
    // zone file cannot hold another, so neither can a transferred zone.
    if ((type == rr_type::a && length != 4) || (type == rr_type::aaaa && length != 16)) return false;
    const auto* begin = reinterpret_cast<const char*>(message.data() + at);
    const std::size_t first = first_name_offset(type);
    if (rdata_name_use(type) == RdataNameUse::none || first == no_rdata_name) {
        rdata_.assign(begin, length);
        return true;
    }
    if (first > length) return false;
    rdata_.assign(begin, first);
    const std::size_t end = at + length;
    std::size_t pos = at + first;
    const int names = type == rr_type::soa ? 2 : 1;
    for (int i = 0; i < names; ++i) {
        std::size_t name_length = 0;
        if (!read_name(message.first(end), pos, name_, name_length)) return false;
        rdata_.append(name_.data(), name_length);
    }
    const std::size_t tail = type == rr_type::soa ? soa_numbers_size : 0;
    if (end - pos != tail) return false;
    rdata_.append(reinterpret_cast<const char*>(message.data() + pos), tail);
    return true;
}

bool TransferReader::walk_other_sections(std::span<const std::uint8_t> message, std::size_t& pos,
                                         std::size_t authority, std::size_t additional) {
    const std::size_t total = authority + additional;
    for (std::size_t i = 0; i < total; ++i) {
        const std::size_t start = pos;
        bool root = false;
        if (!skip_name(message, pos, root) || pos + record_fixed_size > message.size()) {
            return fail("malformed authority or additional record");
        }
        const std::uint16_t type = read_u16(&message[pos]);
        // OPT's TTL starts with the upper bits of an extended RCODE (RFC 6891 section 6.1.3).
        const std::uint8_t extended_rcode = message[pos + 4];
        const std::size_t rdlength = read_u16(&message[pos + 8]);
        pos += record_fixed_size + rdlength;
        if (pos > message.size()) return fail("authority or additional record cut short");
        if (type == rr_type::tsig) {
            if (i + 1 != total || additional == 0) return fail("a TSIG record that is not the last");
            tsig_offset_ = start;
        } else if (type == rr_type::opt && extended_rcode != 0) {
            return fail("the primary answered " + rcode_name(unsigned{extended_rcode} << 4 | (message[3] & 0x0Fu)));
        }
    }
    if (pos != message.size()) return fail("bytes after the last record");
    return true;
}

// Moves the stream's state on by one answer record (the shapes above).
bool TransferReader::take(const Record& record, const SourceLocation& where) {
    const ZoneRecord zone_record{record.owner, record.type, record.rclass, record.ttl, record.rdata, where};
    const bool soa = record.type == rr_type::soa;
    switch (state_) {
        case State::first_soa:
            if (!soa) {
                error_ = "the first record is not the zone's SOA";
                return false;
            }
            first_soa_ = record.rdata;
            content_.serial = *soa_rdata_serial(record.rdata);
            content_.zone.add(zone_record);
            state_ = question_.qtype == rr_type::ixfr ? State::ixfr_shape : State::axfr_records;
            return true;
        case State::ixfr_shape:
            if (!soa) {
                state_ = State::axfr_records;
                content_.zone.add(zone_record);
                return true;
            }
            content_.kind = TransferContent::Kind::incremental;
            content_.zone = ZoneRecords{};
            content_.steps.emplace_back().removed.add(zone_record);
            state_ = State::ixfr_removed;
            return true;
        case State::axfr_records:
            if (!soa) {
                content_.zone.add(zone_record);
            } else if (same_soa(record.rdata, first_soa_)) {
                state_ = State::done;
            } else {
                error_ = "the closing SOA (serial " + std::to_string(*soa_rdata_serial(record.rdata)) +
                         ") differs from the first (serial " + std::to_string(content_.serial) + ")";
                return false;
            }
            return true;
        case State::ixfr_removed:
            if (soa) {
                content_.steps.back().added.add(zone_record);
                state_ = State::ixfr_added;
            } else {
                content_.steps.back().removed.add(zone_record);
            }
            return true;
        case State::ixfr_added:
            if (!soa) {
                content_.steps.back().added.add(zone_record);
            } else if (same_soa(record.rdata, first_soa_)) {
                state_ = State::done;
            } else {
                content_.steps.emplace_back().removed.add(zone_record);
                state_ = State::ixfr_removed;
            }
            return true;
        case State::done: break;
    }
    error_ = "a record after the closing SOA";
    return false;
}

TransferContent TransferReader::finish() {
    TransferContent content = std::move(content_);
    content_ = TransferContent{};
    if (!failed() && !complete()) {
        fail("the stream ended before its closing SOA (" + std::to_string(records_) + " records read)");
    }
    if (failed()) {
        content = TransferContent{};
        content.error = error_;
    }
    return content;
}

}  // namespace azdns
