#include "served_serials.hpp"

#include <cinttypes>
#include <cstdio>

#include <nlohmann/json.hpp>

#include "dns_name.hpp"
#include "serial_arithmetic.hpp"

namespace azdns {

namespace {

constexpr int format_version = 1;

std::string digest_text(std::uint64_t digest) {
    char text[17];
    std::snprintf(text, sizeof text, "%016" PRIx64, digest);
    return text;
}

std::optional<std::uint64_t> digest_from(const std::string& text) {
    if (text.size() != 16 || text.find_first_not_of("0123456789abcdef") != std::string::npos) return std::nullopt;
    return std::stoull(text, nullptr, 16);
}

}  // namespace

std::uint32_t SerialBook::serial_for(const std::string& origin, std::uint32_t file_serial, std::uint64_t digest) {
    auto [entry, added] = entries_.try_emplace(origin, ServedSerial{file_serial, digest});
    if (added) {
        ++version_;
        return file_serial;
    }
    ServedSerial& served = entry->second;
    if (served.digest == digest) return served.serial;
    const std::uint32_t next = served.serial + 1;  // wraps, as RFC 1982 arithmetic does
    served = {serial_newer(file_serial, next) ? file_serial : next, digest};
    ++version_;
    return served.serial;
}

std::string encode_serials(const SerialBook::Entries& entries) {
    nlohmann::json zones = nlohmann::json::array();
    for (const auto& [origin, served] : entries)
        zones.push_back({{"origin", name_to_text(origin)}, {"serial", served.serial}, {"digest", digest_text(served.digest)}});
    return nlohmann::json{{"version", format_version}, {"zones", zones}}.dump(1) + "\n";
}

std::optional<SerialBook::Entries> decode_serials(const std::string& text, std::string& why) {
    const auto doc = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (doc.is_discarded() || !doc.is_object()) {
        why = "not a JSON object (corrupt or truncated)";
        return std::nullopt;
    }
    if (!doc.contains("version") || doc["version"] != format_version) {
        why = "unknown format version (expected " + std::to_string(format_version) + ")";
        return std::nullopt;
    }
    if (!doc.contains("zones") || !doc["zones"].is_array()) {
        why = "\"zones\" must be an array";
        return std::nullopt;
    }
    SerialBook::Entries entries;
    for (const auto& zone : doc["zones"]) {
        const bool well_formed = zone.is_object() && zone.size() == 3 && zone.contains("origin") &&
                                 zone["origin"].is_string() && zone.contains("serial") &&
                                 zone["serial"].is_number_unsigned() && zone["serial"] <= UINT32_MAX &&
                                 zone.contains("digest") && zone["digest"].is_string();
        auto origin = well_formed ? name_from_text(zone["origin"].get<std::string>()) : std::nullopt;
        const auto digest = well_formed ? digest_from(zone["digest"].get<std::string>()) : std::nullopt;
        if (!origin || !digest) {
            why = "a zone entry is not {\"origin\": NAME, \"serial\": NUMBER, \"digest\": 16 hex digits}";
            return std::nullopt;
        }
        name_canonicalize(*origin);
        entries[*origin] = {zone["serial"].get<std::uint32_t>(), *digest};
    }
    return entries;
}

}  // namespace azdns
