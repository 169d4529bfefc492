// The differential test's parts: queries generated from a zone file, and the
// normalisation that makes two servers' correct answers compare equal.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "dns_client.hpp"

namespace azdns::e2e {

enum class Via { udp, udp_no_edns, tcp };

struct GeneratedQuery {
    Query query;
    Via via = Via::udp;
    [[nodiscard]] std::string describe() const;
};

// Every owner name of the zone files (path, origin) and empty non-terminal of the zone, names below each that
// do not exist, names outside the zones, each with several types, in random
// case; at least `count` queries, always the same for the same seed.
std::vector<GeneratedQuery> generate_queries(
    const std::vector<std::pair<std::filesystem::path, std::string>>& zone_files, unsigned count, unsigned seed);

// A response as text, with the differences the RFCs allow taken out (see
// the .cpp for each rule and its reason).
std::vector<std::string> normalise(const Response& response);

// Line-by-line difference of two normalised responses: "  " same, "- " only
// in `left`, "+ " only in `right`. Empty when equal.
std::string diff(const std::vector<std::string>& left, const std::vector<std::string>& right);

}  // namespace azdns::e2e
