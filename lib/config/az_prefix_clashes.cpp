#include "az_prefix_clashes.hpp"

#include <algorithm>
#include <numeric>
#include <optional>
#include <tuple>

namespace azdns {

namespace {

// Indices of `listed` in address order, a prefix before those it contains
// (same start, shorter length first), ties in list order.
std::vector<std::size_t> address_order(const std::vector<ListedPrefix>& listed) {
    std::vector<std::size_t> order(listed.size());
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
        const IpPrefix& x = listed[a].prefix;
        const IpPrefix& y = listed[b].prefix;
        return std::tie(x.address.family, x.address.bytes, x.length) <
               std::tie(y.address.family, y.address.bytes, y.length);
    });
    return order;
}

PrefixClash in_list_order(std::size_t a, std::size_t b) { return a > b ? PrefixClash{a, b} : PrefixClash{b, a}; }

}  // namespace

std::vector<PrefixClash> overlapping_prefixes(const std::vector<ListedPrefix>& listed) {
    std::vector<PrefixClash> clashes;
    // The prefixes that contain the current one's first address, each inside
    // the one below it: strictly nested (a repeat is not pushed), so at most
    // 129 deep.
    std::vector<std::size_t> enclosing;
    for (const std::size_t index : address_order(listed)) {
        const IpPrefix& prefix = listed[index].prefix;
        while (!enclosing.empty() && !listed[enclosing.back()].prefix.overlaps(prefix)) enclosing.pop_back();
        for (const std::size_t outer : enclosing) clashes.push_back(in_list_order(index, outer));
        if (enclosing.empty() || listed[enclosing.back()].prefix != prefix) enclosing.push_back(index);
    }
    return clashes;
}

std::vector<PrefixClash> networks_listed_twice(const std::vector<ListedPrefix>& listed) {
    std::vector<PrefixClash> clashes;
    const std::vector<std::size_t> order = address_order(listed);
    // Runs of the same network, in list order within each run.
    for (std::size_t begin = 0, end = 0; begin < order.size(); begin = end) {
        const std::size_t first = order[begin];
        std::optional<std::size_t> first_elsewhere;  // the first listing for an AZ other than `first`'s
        for (end = begin + 1; end < order.size() && listed[order[end]].prefix == listed[first].prefix; ++end) {
            const std::size_t index = order[end];
            if (listed[index].az != listed[first].az) {
                clashes.push_back({index, first});
                if (!first_elsewhere) first_elsewhere = index;
            } else if (first_elsewhere) {
                clashes.push_back({index, *first_elsewhere});
            }
        }
    }
    return clashes;
}

}  // namespace azdns
