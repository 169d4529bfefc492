// Response rate limiting (RRL, as BIND, Knot and NSD do it): a spoofed-source
// UDP flood turns an authoritative server into an amplifier aimed at the
// spoofed address, so the responses of one kind, for one name, to one client
// network are limited to so many per second. What passes the limit is
// dropped, or every Nth one "slipped": sent truncated (TC=1, no records), so
// a real client behind the network retries over TCP, which cannot be spoofed.
//
// Decided after the response is written, on the answering thread, UDP only:
// no lock, no allocation, no clock read (the caller passes the second).
//
// Buckets. A bucket is (client network, ResponseClass, a name); what the
// caller passes as the name decides what floods share a bucket:
//   positive, nodata, large: the QNAME;
//   nxdomain: the zone's apex, so a random-subdomain flood is one bucket
//             (BIND keys NXDOMAIN by the zone's origin too);
//   referral: the delegation point (the NS owner), so random names under
//             one child are one bucket but referrals to different children
//             from the same parent are not (a TLD-shaped zone stays usable);
//   error:    empty: every error to a network is one bucket (BIND).
// Names in canonical wire form (lowercase), so that case does not split them.
//
// Window. Counting is per bucket per second of the caller's clock: the first
// responses_per_second responses of a second are sent, the rest limited,
// and the next second starts from zero: no debt carried (BIND's `window`)
// and no decay (Knot). A burst therefore gets up to twice the rate across a
// second boundary, and a flood that stops is answered again the next second.
//
// Table. A fixed array of 64-bit words, one per bucket, in groups of 8 (one
// cache line): a word is a tag from the bucket's hash, the second, and the
// count. A bucket found in its group is updated with one compare-exchange; a
// bucket not found takes over the group's least useful word (an earlier
// second first, else the lowest count), starting fresh: a collision is
// lenient, it never limits a newcomer. Once a bucket is over the limit in a
// second it is only read, so a flood costs no writes. The hash is keyed with
// a random per-process key, so a spoofer cannot aim collisions at a victim's
// bucket to reset it.
//
// Contention. A compare-exchange fails only when another thread changed the
// word; after max_attempts failures the response is decided without being
// counted: limited if the bucket was last seen at or over the limit, sent
// otherwise. While a bucket keeps its word it changes at most limit + 1
// times a second, so each thread gives up at most (limit + 1) / max_attempts
// times per bucket and second: the most a bucket can send in a second, on T
// threads, is limit + T * ((limit + 1) / max_attempts); in practice exactly
// the limit. Never a spin: each failure is another thread's success.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "ip_prefix.hpp"
#include "rate_limit_onsets.hpp"
#include "response_class.hpp"

namespace azdns {

// [rrl] in the config. No limiter at all when responses_per_second is 0.
struct RateLimitSettings {
    std::uint32_t responses_per_second = 20;  // per bucket
    std::uint32_t slip = 2;                   // every Nth limited response is truncated; 0: all dropped
    std::uint8_t ipv4_prefix = 24;            // a client network (BIND's and Knot's defaults)
    std::uint8_t ipv6_prefix = 56;
    std::vector<IpPrefix> exempt;             // never limited
    // Buckets, a power of two (8 bytes each: 512 KiB by default). At most
    // (responses per second the server sends) / responses_per_second buckets
    // can be over the limit in one second: 65536 holds them all for a server
    // sending a million responses a second at the default rate, beside the
    // buckets under it, and still fits in a last-level cache.
    std::size_t table_size = 65536;

    // Why these settings cannot be used, or empty.
    [[nodiscard]] std::string problem() const;

    bool operator==(const RateLimitSettings&) const = default;
};

inline constexpr std::uint32_t max_responses_per_second = (1u << 20) - 2;  // the count field's room

enum class RateLimitDecision : std::uint8_t {
    send,
    drop,
    slip,  // send it truncated: TC=1, the question only
};

// One answering thread's side: where it is in the slip pattern, and what it
// limited (spec: "Metrics"). Written only by its thread (relaxed load and
// store, no locked instruction), read by any; cache-line aligned, as
// QueryCounters, so no two threads write one line.
class alignas(64) RateLimitCounters {
public:
    RateLimitCounters() = default;
    RateLimitCounters(const RateLimitCounters&) = delete;
    RateLimitCounters& operator=(const RateLimitCounters&) = delete;

    // Any thread. Limited counts every response the limit applied to,
    // dropped or slipped; slipped, those sent truncated.
    [[nodiscard]] std::uint64_t limited(ResponseClass response_class) const {
        return limited_[static_cast<std::size_t>(response_class)].load(std::memory_order_relaxed);
    }
    [[nodiscard]] std::uint64_t slipped(ResponseClass response_class) const {
        return slipped_[static_cast<std::size_t>(response_class)].load(std::memory_order_relaxed);
    }

private:
    friend class ResponseRateLimiter;
    using Counter = std::atomic<std::uint64_t>;
    static void bump(Counter& counter) {
        counter.store(counter.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    }

    std::array<Counter, response_classes> limited_{};
    std::array<Counter, response_classes> slipped_{};
    std::uint32_t slip_turn_ = 0;  // limited responses since the last slip, modulo slip
};

class ResponseRateLimiter {
public:
    static constexpr std::size_t bucket_ways = 8;       // words per group: one cache line
    static constexpr unsigned max_attempts = 16;        // compare-exchanges per decision
    static constexpr std::size_t onset_capacity = 2048;  // 64 KiB; see take_onsets

    // Allocates the table and the onset ring: the only allocations.
    // `hash_key`: random_hash_key() in a server, fixed in tests. Throws
    // std::invalid_argument when settings.problem() is not empty.
    ResponseRateLimiter(RateLimitSettings settings, std::uint64_t hash_key);
    ResponseRateLimiter(const ResponseRateLimiter&) = delete;
    ResponseRateLimiter& operator=(const ResponseRateLimiter&) = delete;

    // Any answering thread, for a UDP response of `response_class` to
    // `client`, counted in the bucket of `name` (see the top of this file);
    // `now`: seconds on a steady clock; `counters`: the calling thread's.
    // Every slip-th limited response of a thread slips, the first one
    // included (slip 1: all of them); errors never slip (as BIND: an error
    // may not echo a question to truncate), they are dropped.
    [[nodiscard]] RateLimitDecision decide(const IpAddress& client, ResponseClass response_class,
                                           std::string_view name, std::uint32_t now, RateLimitCounters& counters);

    // One thread (the log's), every few seconds: the buckets whose count
    // passed the limit since the last call, at most one per bucket and
    // second, oldest first. onset_capacity of them fit between two calls;
    // more are counted in onsets_lost().
    [[nodiscard]] std::vector<RateLimitOnset> take_onsets(std::size_t max) { return onsets_.take(max); }
    [[nodiscard]] std::uint64_t onsets_lost() const { return onsets_.lost(); }

    // The network a client is counted in: its address cut to ipv4_prefix or
    // ipv6_prefix bits; an IPv4-mapped IPv6 address (::ffff:192.0.2.1) is
    // the IPv4 address it maps, so a dual-stack socket cannot put the whole
    // IPv4 Internet into one IPv6 network.
    [[nodiscard]] IpPrefix client_network(const IpAddress& client) const;

    [[nodiscard]] const RateLimitSettings& settings() const { return settings_; }

private:
    // Inclusive address ranges of one family, sorted and merged.
    template <typename Value>
    struct Ranges {
        std::vector<std::pair<Value, Value>> ranges;
        [[nodiscard]] bool contains(Value value) const;
    };
    [[nodiscard]] bool exempt(const IpAddress& address) const;
    // Counts one response in its bucket. True: it is over the limit.
    [[nodiscard]] bool over_limit(std::uint64_t hash, const IpPrefix& network, ResponseClass response_class,
                                  std::uint32_t now);

    struct alignas(64) Group {
        std::array<std::atomic<std::uint64_t>, bucket_ways> words{};
    };

    RateLimitSettings settings_;
    std::uint64_t hash_key_;
    std::unique_ptr<Group[]> groups_;
    std::size_t group_mask_;
    Ranges<std::uint32_t> exempt_v4_;
    Ranges<unsigned __int128> exempt_v6_;
    RateLimitOnsets onsets_;
};

// 64 random bits from the system (getrandom), for a server's limiter.
[[nodiscard]] std::uint64_t random_hash_key();

}  // namespace azdns
