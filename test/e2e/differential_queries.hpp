// The differential tests' queries, generated from zone files: every name and
// every type the zones hold, names that do not exist, names outside the
// zones, in random case over UDP, UDP+EDNS and TCP.
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
    // "www.example.com. AAAA over TCP"
    [[nodiscard]] std::string describe() const;
};

struct ZoneFile {
    std::filesystem::path path;
    std::string origin;
};

// At least `count` queries, always the same for the same seed: every owner
// name and empty non-terminal of the zones, "nx." and "a.b." below each, a
// few names outside the zones, each once for A; every owner once for each
// type it holds; `extra` (questions about names a zone cannot list, like
// those below a DNAME); the rest random names with random types, the zones'
// types among them.
std::vector<GeneratedQuery> generate_queries(const std::vector<ZoneFile>& zones,
                                             const std::vector<std::pair<std::string, std::uint16_t>>& extra,
                                             unsigned count, unsigned seed);

// The query's type as a zone file writes it ("AAAA", "TYPE65400").
std::string type_text(std::uint16_t type);

}  // namespace azdns::e2e
