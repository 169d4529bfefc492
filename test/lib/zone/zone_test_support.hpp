// Helpers shared by the zone store suites: zone records from RR text, one
// record a line, as the zone-file reader would produce them.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "dns_name.hpp"
#include "zone.hpp"

namespace azdns::test {

inline constexpr std::uint16_t mx = 15;
inline constexpr std::uint16_t txt = 16;

// A record owning its bytes, so that a test can spoil one before building.
struct TextRecord {
    std::string owner;
    std::uint16_t type = 0;
    std::uint16_t rclass = 1;
    std::uint32_t ttl = 0;
    std::string rdata;
    SourceLocation where;
};

// Converts to what build_zone() takes, so tests can pass these straight in.
struct TextRecords : std::vector<TextRecord> {
    operator ZoneRecords() const;
};

// Canonical wire form of a presentation name.
std::string wire(const char* text);

// One record per line of RR text, names relative to `origin`, default TTL
// 3600; blank lines and ';' comments skipped. Each record remembers its line
// and the column where its text starts.
TextRecords records_from_text(const std::string& file, std::string_view text,
                                          const char* origin = "example.com.");

// Where the tests' zone is "declared" in a config.
extern const SourceLocation declared_at;

// Builds example.com. from `text`; `report` gets every diagnostic, one a line.
std::shared_ptr<const Zone> build(std::string_view text, std::string& report);

// A valid zone to which each check test adds one mistake.
extern const std::string good;

// The RDATA of every RR of the RRset, concatenated.
std::vector<std::uint8_t> rdata_of(const RRsetView& rrset);

}  // namespace azdns::test
