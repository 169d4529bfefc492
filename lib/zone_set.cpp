#include "zone_set.hpp"

namespace azdns {

bool ZoneSet::add(std::shared_ptr<const Zone> zone) {
    std::string origin = zone->origin();
    std::size_t length = origin.size();
    if (!zones_.try_emplace(std::move(origin), std::move(zone)).second) return false;
    origin_lengths_.set(length);
    return true;
}

const Zone* ZoneSet::find(std::string_view qname) const {
    // Try the name itself, then each parent: the first hit is the longest origin.
    std::size_t pos = 0;
    while (pos < qname.size()) {
        std::string_view suffix = qname.substr(pos);
        if (suffix.size() < origin_lengths_.size() && origin_lengths_.test(suffix.size())) {
            auto found = zones_.find(suffix);
            if (found != zones_.end()) return found->second.get();
        }
        if (qname[pos] == 0) break;
        pos += 1u + static_cast<unsigned char>(qname[pos]);
    }
    return nullptr;
}

}  // namespace azdns
