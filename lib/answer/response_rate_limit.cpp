#include "response_rate_limit.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <stdexcept>

#include "random_bytes.hpp"
#include "short_hash.hpp"

namespace azdns {

namespace {

// A bucket's word: tag (28 bits) | second (16) | count (20). The tag is hash
// bits the group index does not use: 28 more bits that must match, so two
// buckets share a word by mistake about once in 2^25 lookups (8 ways).
// The second wraps every 18 hours: a word left alone exactly that long looks
// current for one second, which is harmless. The count stops at limit + 1.
constexpr unsigned count_bits = 20;
constexpr unsigned second_bits = 16;
constexpr unsigned tag_shift = count_bits + second_bits;
constexpr std::uint64_t count_mask = (std::uint64_t{1} << count_bits) - 1;
constexpr std::uint64_t second_mask = (std::uint64_t{1} << second_bits) - 1;

std::uint64_t tag_of(std::uint64_t word) { return word >> tag_shift; }
std::uint64_t second_of(std::uint64_t word) { return word >> count_bits & second_mask; }
std::uint32_t count_of(std::uint64_t word) { return static_cast<std::uint32_t>(word & count_mask); }
std::uint64_t make_word(std::uint64_t tag, std::uint64_t second, std::uint32_t count) {
    return tag << tag_shift | second << count_bits | count;
}

// The one place the bucket hash is chosen. short_hash is a multiply-xorshift:
// fast, and keyed here by a random per-process key, but not a cryptographic
// PRF, so a patient attacker might still find key-independent collisions.
// SipHash (lib/base/siphash.hpp, on its way) goes here when it lands.
std::uint64_t bucket_hash(std::uint64_t key, ResponseClass response_class, const IpPrefix& network,
                          std::string_view name) {
    const std::uint64_t kind = std::uint64_t{static_cast<std::uint8_t>(response_class)} << 8 |
                               (network.address.family == IpFamily::v6 ? 1 : 0);
    const std::uint64_t by_network = short_hash(key ^ kind, network.address.bytes.data(), network.address.size());
    return short_hash(by_network ^ name.size(), reinterpret_cast<const std::uint8_t*>(name.data()), name.size());
}

// ::ffff:a.b.c.d as a.b.c.d; any other address as it is.
IpAddress unmapped(const IpAddress& address) {
    static constexpr std::array<std::uint8_t, 12> v4_mapped{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (address.family != IpFamily::v6 || !std::equal(v4_mapped.begin(), v4_mapped.end(), address.bytes.begin()))
        return address;
    IpAddress v4;
    std::copy_n(address.bytes.begin() + 12, 4, v4.bytes.begin());
    return v4;
}

// An address's bits as one number, first bit most significant.
template <typename Value>
Value address_value(const IpAddress& address) {
    Value value = 0;
    for (std::size_t i = 0; i < sizeof(Value); ++i) value = value << 8 | address.bytes[i];
    return value;
}

// The first and last address of each prefix of one family, sorted, with
// overlapping and adjacent ranges merged.
template <typename Value>
std::vector<std::pair<Value, Value>> merged_ranges(const std::vector<IpPrefix>& prefixes, IpFamily family) {
    constexpr unsigned width = sizeof(Value) * 8;
    std::vector<std::pair<Value, Value>> ranges;
    for (const IpPrefix& prefix : prefixes) {
        if (prefix.address.family != family) continue;
        const Value host_bits = prefix.length == 0 ? ~Value{0} : (Value{1} << (width - prefix.length)) - 1;
        const Value first = address_value<Value>(prefix.address);  // bits past the length are zero
        ranges.emplace_back(first, first | host_bits);
    }
    std::sort(ranges.begin(), ranges.end());
    std::vector<std::pair<Value, Value>> merged;
    for (const auto& range : ranges) {
        if (!merged.empty() && (merged.back().second == ~Value{0} || range.first <= merged.back().second + 1))
            merged.back().second = std::max(merged.back().second, range.second);
        else
            merged.push_back(range);
    }
    return merged;
}

}  // namespace

std::string RateLimitSettings::problem() const {
    if (responses_per_second == 0 || responses_per_second > max_responses_per_second)
        return "responses_per_second must be from 1 to " + std::to_string(max_responses_per_second);
    if (ipv4_prefix > 32) return "ipv4_prefix must be from 0 to 32";
    if (ipv6_prefix > 128) return "ipv6_prefix must be from 0 to 128";
    if (table_size < ResponseRateLimiter::bucket_ways || table_size > (std::size_t{1} << 28) ||
        !std::has_single_bit(table_size))
        return "the table size must be a power of two from 8 to 268435456";
    return {};
}

template <typename Value>
bool ResponseRateLimiter::Ranges<Value>::contains(Value value) const {
    // The last range starting at or before `value`.
    auto after = std::upper_bound(ranges.begin(), ranges.end(), value,
                                  [](Value v, const std::pair<Value, Value>& range) { return v < range.first; });
    return after != ranges.begin() && value <= std::prev(after)->second;
}

ResponseRateLimiter::ResponseRateLimiter(RateLimitSettings settings, std::uint64_t hash_key)
    : settings_(std::move(settings)),
      hash_key_(hash_key),
      onsets_(onset_capacity) {
    if (const std::string problem = settings_.problem(); !problem.empty()) throw std::invalid_argument(problem);
    const std::size_t groups = settings_.table_size / bucket_ways;
    groups_ = std::make_unique<Group[]>(groups);
    group_mask_ = groups - 1;
    exempt_v4_.ranges = merged_ranges<std::uint32_t>(settings_.exempt, IpFamily::v4);
    exempt_v6_.ranges = merged_ranges<unsigned __int128>(settings_.exempt, IpFamily::v6);
}

IpPrefix ResponseRateLimiter::client_network(const IpAddress& client) const {
    const IpAddress address = unmapped(client);
    const std::uint8_t length = address.family == IpFamily::v4 ? settings_.ipv4_prefix : settings_.ipv6_prefix;
    return {address.leading_bits(length), length};
}

bool ResponseRateLimiter::exempt(const IpAddress& address) const {
    return address.family == IpFamily::v4 ? exempt_v4_.contains(address_value<std::uint32_t>(address))
                                          : exempt_v6_.contains(address_value<unsigned __int128>(address));
}

RateLimitDecision ResponseRateLimiter::decide(const IpAddress& client, ResponseClass response_class,
                                              std::string_view name, std::uint32_t now,
                                              RateLimitCounters& counters) {
    const IpAddress address = unmapped(client);
    if (exempt(address)) return RateLimitDecision::send;
    const IpPrefix network = client_network(address);
    if (!over_limit(bucket_hash(hash_key_, response_class, network, name), network, response_class, now))
        return RateLimitDecision::send;

    const auto index = static_cast<std::size_t>(response_class);
    RateLimitCounters::bump(counters.limited_[index]);
    if (settings_.slip == 0 || response_class == ResponseClass::error) return RateLimitDecision::drop;
    const bool slips = counters.slip_turn_ == 0;
    counters.slip_turn_ = (counters.slip_turn_ + 1) % settings_.slip;
    if (!slips) return RateLimitDecision::drop;
    RateLimitCounters::bump(counters.slipped_[index]);
    return RateLimitDecision::slip;
}

bool ResponseRateLimiter::over_limit(std::uint64_t hash, const IpPrefix& network, ResponseClass response_class,
                                     std::uint32_t now) {
    Group& group = groups_[hash & group_mask_];
    const std::uint64_t tag = hash >> tag_shift;
    const std::uint64_t second = now & second_mask;
    const std::uint32_t limit = settings_.responses_per_second;
    std::uint32_t last_seen = 0;  // the bucket's count this second when last looked at
    for (unsigned attempt = 0; attempt < max_attempts; ++attempt) {
        // The bucket's word if it is in the group, else the word to take
        // over: one of an earlier second, else the one with the lowest count.
        std::size_t chosen = 0;
        std::uint64_t word = 0;
        std::uint64_t lowest = UINT64_MAX;
        bool found = false;
        for (std::size_t way = 0; way < bucket_ways; ++way) {
            const std::uint64_t candidate = group.words[way].load(std::memory_order_relaxed);
            const std::uint64_t usefulness = second_of(candidate) == second ? 1 + count_of(candidate) : 0;
            found = tag_of(candidate) == tag;
            if (found || usefulness < lowest) {
                chosen = way;
                word = candidate;
                lowest = usefulness;
            }
            if (found) break;
        }
        const std::uint32_t counted = found && second_of(word) == second ? count_of(word) : 0;
        if (counted > limit) return true;  // over already: nothing to write
        last_seen = counted;
        if (!group.words[chosen].compare_exchange_strong(word, make_word(tag, second, counted + 1),
                                                         std::memory_order_relaxed))
            continue;  // another thread changed it: look again
        if (counted == limit) onsets_.record({network, response_class, now});
        return counted >= limit;
    }
    return last_seen >= limit;  // decided without counting: see "Contention"
}

std::uint64_t random_hash_key() {
    std::array<std::uint8_t, 8> bytes;
    random_bytes(bytes);
    std::uint64_t key = 0;
    for (const std::uint8_t byte : bytes) key = key << 8 | byte;
    return key;
}

}  // namespace azdns
