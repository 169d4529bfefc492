#include "transfer_messages.hpp"

#include <algorithm>
#include <cstring>

#include "serial_arithmetic.hpp"

namespace azdns {

namespace {

constexpr std::uint8_t qr_flag = 0x80, aa_flag = 0x04, rd_flag = 0x01;
constexpr std::size_t rr_fixed_size = 10;  // TYPE, CLASS, TTL, RDLENGTH
constexpr std::size_t pointer_size = 2;

std::uint8_t* put16(std::uint8_t* at, std::uint16_t value) {
    at[0] = static_cast<std::uint8_t>(value >> 8);
    at[1] = static_cast<std::uint8_t>(value);
    return at + 2;
}

std::uint8_t* put32(std::uint8_t* at, std::uint32_t value) {
    return put16(put16(at, static_cast<std::uint16_t>(value >> 16)), static_cast<std::uint16_t>(value));
}

}  // namespace

TransferMessages::TransferMessages(const Query& query, const Zone& zone, TransferLimits limits,
                                   std::uint32_t serial)
    : zone_(&zone),
      limits_(limits),
      current_soa_(zone, serial),
      id_(query.id),
      recursion_desired_(query.recursion_desired),
      question_(query.question.wire.begin(), query.question.wire.end()),
      question_is_origin_(query.question.name() == zone.origin()) {}

TransferMessages TransferMessages::axfr(const Query& query, const Zone& zone, const HealthView* view,
                                       std::uint32_t serial, TransferLimits limits) {
    TransferMessages messages(query, zone, limits, serial);
    messages.add_full_zone(view, serial);
    return messages;
}

TransferMessages TransferMessages::ixfr(const Query& query, const Zone& zone, const HealthView* view,
                                       std::uint32_t serial, std::uint32_t client_serial,
                                       const IxfrJournal& journal, TransferLimits limits) {
    TransferMessages messages(query, zone, limits, serial);
    if (client_serial == serial || serial_newer(client_serial, serial)) {
        messages.kind_ = Kind::up_to_date;
        messages.parts_ = {{PartKind::current_soa}};
        return messages;
    }
    std::optional<JournalChain> chain = journal.chain_from(client_serial);
    if (!chain || chain->empty() || chain->back()->to_serial() != serial) {
        messages.add_full_zone(view, serial);
        return messages;
    }
    messages.kind_ = Kind::incremental;
    messages.chain_ = std::move(*chain);
    messages.parts_.push_back({PartKind::current_soa});
    for (std::uint32_t step = 0; step < messages.chain_.size(); ++step) {
        for (PartKind kind : {PartKind::step_from_soa, PartKind::step_removed, PartKind::step_to_soa,
                              PartKind::step_added}) {
            messages.parts_.push_back({kind, step});
        }
    }
    messages.parts_.push_back({PartKind::current_soa});
    return messages;
}

void TransferMessages::add_full_zone(const HealthView* view, std::uint32_t serial) {
    kind_ = Kind::axfr;
    view_records_ = std::make_unique<ViewRecords>(*zone_, view, serial);
    parts_ = {{PartKind::view}, {PartKind::current_soa}};
}

bool TransferMessages::current(TransferRecord& out) const {
    if (part_ == parts_.size()) return false;
    const Part& part = parts_[part_];
    switch (part.kind) {
        case PartKind::current_soa: out = current_soa_.record(); return true;
        case PartKind::step_from_soa: out = chain_[part.step]->from_soa.record(); return true;
        case PartKind::step_to_soa: out = chain_[part.step]->to_soa.record(); return true;
        case PartKind::step_removed:
        case PartKind::step_added: out = (*step_list(part))[record_]; return true;
        case PartKind::view: out = view_records_->current(); return true;
    }
    return false;
}

const TransferRecords* TransferMessages::step_list(const Part& part) const {
    switch (part.kind) {
        case PartKind::step_removed: return &chain_[part.step]->delta.removed;
        case PartKind::step_added: return &chain_[part.step]->delta.added;
        default: return nullptr;
    }
}

void TransferMessages::advance() {
    const Part& part = parts_[part_];
    bool part_done = true;
    if (const TransferRecords* list = step_list(part)) {
        part_done = ++record_ >= list->size();
    } else if (part.kind == PartKind::view) {
        view_records_->advance();
        part_done = view_records_->done();
    }
    if (!part_done) return;
    record_ = 0;
    // A step may remove or add nothing: its list part is skipped whole.
    do {
        ++part_;
    } while (part_ < parts_.size() && step_list(parts_[part_]) != nullptr && step_list(parts_[part_])->empty());
}

std::size_t TransferMessages::owner_size(std::string_view owner) const {
    const std::string& origin = zone_->origin();
    if (origin_at_ == 0) return owner.size();
    return owner.size() - origin.size() + pointer_size;
}

std::size_t TransferMessages::write_owner(std::string_view owner, std::uint8_t* at, std::size_t offset) {
    const std::size_t own_labels = owner.size() - zone_->origin().size();
    std::memcpy(at, owner.data(), own_labels);
    if (origin_at_ != 0) {
        put16(at + own_labels, static_cast<std::uint16_t>(0xC000 | origin_at_));
        return own_labels + pointer_size;
    }
    std::memcpy(at + own_labels, owner.data() + own_labels, zone_->origin().size());
    origin_at_ = offset + own_labels;
    return owner.size();
}

std::size_t TransferMessages::next_message(std::span<std::uint8_t> out) {
    TransferRecord record;
    if (failed_ || !current(record)) return 0;
    const std::size_t limit = std::min(out.size(), limits_.max_message);
    const std::size_t budget = limit > limits_.tsig_reserve ? limit - limits_.tsig_reserve : 0;
    const bool with_question = first_message_;
    const std::size_t start = header_size + (with_question ? question_.size() : 0);
    if (start > limit) {
        failed_ = true;
        return 0;
    }

    std::uint8_t* message = out.data();
    put16(message, id_);
    message[2] = qr_flag | aa_flag | (recursion_desired_ ? rd_flag : 0);
    message[3] = 0;  // RA 0, rcode NOERROR
    put16(message + 4, with_question ? 1 : 0);
    put16(message + 8, 0);
    put16(message + 10, 0);
    if (with_question) std::memcpy(message + header_size, question_.data(), question_.size());
    origin_at_ = with_question && question_is_origin_ ? header_size : 0;

    std::size_t length = start;
    std::uint16_t answers = 0;
    do {
        const std::size_t size = owner_size(record.owner) + rr_fixed_size + record.rdata.size();
        const bool fits = length + size <= budget;
        // Alone, a record may use the reserved room too: it has to go somehow.
        const bool alone = answers == 0 && length + size <= limit;
        if (!fits && !alone) {
            if (answers == 0) {
                failed_ = true;
                return 0;
            }
            break;
        }
        std::uint8_t* at = message + length;
        at += write_owner(record.owner, at, length);
        at = put16(at, record.type);
        at = put16(at, rr_class::in);
        at = put32(at, record.ttl);
        at = put16(at, static_cast<std::uint16_t>(record.rdata.size()));
        std::memcpy(at, record.rdata.data(), record.rdata.size());
        length += size;
        ++answers;
        advance();
        if (!fits) break;
    } while (current(record));

    put16(message + 6, answers);
    first_message_ = false;
    return length;
}

}  // namespace azdns
