#include "ixfr_journal.hpp"

#include <utility>

#include "serial_arithmetic.hpp"

namespace azdns {

void IxfrJournal::add(const SoaRecord& from, const SoaRecord& to, ZoneDelta delta) {
    const bool continues = entries_.empty() || entries_.back()->to_serial() == from.serial();
    const bool forward = serial_newer(to.serial(), from.serial());
    if (!continues || !forward) {
        entries_.clear();
        bytes_ = 0;
    }
    if (!forward) return;
    auto entry = std::make_shared<const JournalEntry>(JournalEntry{from, to, std::move(delta)});
    bytes_ += bytes_of(*entry);
    entries_.push_back(std::move(entry));
    while (!entries_.empty() && (entries_.size() > limits_.max_entries || bytes_ > limits_.max_bytes)) {
        drop_oldest();
    }
}

void IxfrJournal::drop_oldest() {
    bytes_ -= bytes_of(*entries_.front());
    entries_.pop_front();
}

std::optional<JournalChain> IxfrJournal::chain_from(std::uint32_t serial) const {
    if (!entries_.empty() && entries_.back()->to_serial() == serial) return JournalChain{};
    for (std::size_t i = 0; i < entries_.size(); ++i) {
        if (entries_[i]->from_serial() != serial) continue;
        return JournalChain(entries_.begin() + static_cast<std::ptrdiff_t>(i), entries_.end());
    }
    return std::nullopt;
}

}  // namespace azdns
