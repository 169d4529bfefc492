// The AZs' prefixes and client networks, checked against each other once all
// are read. Sorting makes the check n log n: a config may list 100,000 client
// networks, and comparing each with every earlier one would cost 5e9 steps
// in `azdns check` and in every reload.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "diagnostics.hpp"
#include "ip_prefix.hpp"

namespace azdns {

struct ListedPrefix {
    IpPrefix prefix;
    std::string az;
    SourceLocation where;
};

// Two entries of a list, by index: `later` was listed after `earlier`.
struct PrefixClash {
    std::size_t later = 0;
    std::size_t earlier = 0;
};

// Every pair of prefixes that share an address (one contains the other),
// whichever AZs list them.
[[nodiscard]] std::vector<PrefixClash> overlapping_prefixes(const std::vector<ListedPrefix>& listed);

// Every network listed again for another AZ, paired with its first listing
// for an AZ other than its own. Networks may nest across AZs: the longest
// prefix wins, so only the same network twice is a mistake.
[[nodiscard]] std::vector<PrefixClash> networks_listed_twice(const std::vector<ListedPrefix>& listed);

}  // namespace azdns
