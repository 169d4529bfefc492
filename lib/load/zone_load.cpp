#include "zone_load.hpp"

#include "dns_name.hpp"
#include "zone_file.hpp"

namespace azdns {

std::shared_ptr<const Zone> load_zone(std::string_view origin, const std::string& path,
                                      const SourceLocation& declared_at, Diagnostics& diags,
                                      std::vector<std::string>* files_read, const ZoneLoadLimits& limits) {
    Diagnostics zone_diags(max_listed_zone_problems);
    auto records = read_zone_file(path, origin, declared_at, zone_diags, limits);
    if (files_read != nullptr) {
        files_read->push_back(path);
        for (const std::string& file : records.files_read())
            if (file != path) files_read->push_back(file);
    }
    // Build even after syntax errors, so that one pass shows every problem;
    // a zone with any error is still refused as a whole. A zone file that
    // could not be read at all has nothing to check: "no SOA" would only
    // repeat that.
    std::shared_ptr<const Zone> zone;
    if (!records.files_read().empty()) zone = build_zone(origin, std::move(records), declared_at, zone_diags);
    if (zone_diags.has_errors()) zone = nullptr;
    zone_diags.note_unlisted(declared_at, name_to_text(origin));
    diags.merge(zone_diags);
    return zone;
}

}  // namespace azdns
