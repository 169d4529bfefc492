// Response rate limiting: the classes, the per-second count per bucket, the
// slip pattern, client networks, exemptions, onsets for the log, and many
// threads on one bucket. Time is passed in: no test sleeps.
#include <array>
#include <atomic>
#include <barrier>
#include <string>
#include <thread>
#include <vector>

#include <doctest/doctest.h>

#include "query_reader.hpp"
#include "response_rate_limit.hpp"

using namespace azdns;
using namespace std::string_literals;

namespace {

constexpr std::uint64_t test_key = 0x0123456789abcdefULL;

IpAddress address(const char* text) {
    auto parsed = IpAddress::parse(text);
    REQUIRE(parsed);
    return *parsed;
}

IpPrefix prefix(const char* text) {
    auto parsed = IpPrefix::parse(text);
    REQUIRE(parsed);
    return *parsed;
}

const std::string www = "\3www\7example\3com\0"s;
const std::string apex = "\7example\3com\0"s;

RateLimitSettings settings(std::uint32_t rate, std::uint32_t slip) {
    RateLimitSettings s;
    s.responses_per_second = rate;
    s.slip = slip;
    return s;
}

// The decisions for `n` responses in one second.
std::string decisions(ResponseRateLimiter& limiter, RateLimitCounters& counters, const char* client, int n,
                      std::uint32_t now, ResponseClass response_class = ResponseClass::positive,
                      const std::string& bucket = www) {
    std::string out;
    for (int i = 0; i < n; ++i) {
        switch (limiter.decide(address(client), response_class, bucket, now, counters)) {
            case RateLimitDecision::send: out += 's'; break;
            case RateLimitDecision::drop: out += 'd'; break;
            case RateLimitDecision::slip: out += 't'; break;  // truncated
        }
    }
    return out;
}

}  // namespace

TEST_CASE("responses are classified as BIND and Knot do, errors and NXDOMAIN first, then size") {
    CHECK(classify_response({rcode::noerror, 1, true, false, 100}) == ResponseClass::positive);
    CHECK(classify_response({rcode::nxdomain, 0, true, false, 100}) == ResponseClass::nxdomain);
    CHECK(classify_response({rcode::nxdomain, 0, true, false, 2000}) == ResponseClass::nxdomain);
    CHECK(classify_response({rcode::noerror, 0, true, false, 100}) == ResponseClass::nodata);
    CHECK(classify_response({rcode::noerror, 0, false, true, 300}) == ResponseClass::referral);
    CHECK(classify_response({rcode::noerror, 0, true, true, 300}) == ResponseClass::nodata);  // AA: not a referral
    CHECK(classify_response({rcode::servfail, 0, false, false, 40}) == ResponseClass::error);
    CHECK(classify_response({rcode::refused, 0, false, false, 40}) == ResponseClass::error);
    CHECK(classify_response({rcode::badvers, 0, false, false, 40}) == ResponseClass::error);
    CHECK(classify_response({rcode::noerror, 3, true, false, 1023}) == ResponseClass::positive);
    CHECK(classify_response({rcode::noerror, 3, true, false, 1024}) == ResponseClass::large);
    CHECK(classify_response({rcode::noerror, 0, false, true, 1400}) == ResponseClass::large);  // a large referral

    CHECK(std::string(response_class_name(ResponseClass::positive)) == "positive");
    CHECK(std::string(response_class_name(ResponseClass::nxdomain)) == "nxdomain");
    CHECK(std::string(response_class_name(ResponseClass::nodata)) == "nodata");
    CHECK(std::string(response_class_name(ResponseClass::referral)) == "referral");
    CHECK(std::string(response_class_name(ResponseClass::error)) == "error");
    CHECK(std::string(response_class_name(ResponseClass::large)) == "large");
}

TEST_CASE("settings are checked") {
    CHECK(RateLimitSettings{}.problem().empty());
    CHECK_FALSE(settings(0, 2).problem().empty());
    CHECK_FALSE(settings(max_responses_per_second + 1, 2).problem().empty());
    CHECK(settings(max_responses_per_second, 2).problem().empty());
    RateLimitSettings s;
    s.ipv4_prefix = 33;
    CHECK_FALSE(s.problem().empty());
    s = {};
    s.ipv6_prefix = 129;
    CHECK_FALSE(s.problem().empty());
    s = {};
    s.table_size = 1000;
    CHECK_FALSE(s.problem().empty());
    s.table_size = 4;
    CHECK_FALSE(s.problem().empty());
    CHECK_THROWS_AS(ResponseRateLimiter(s, test_key), std::invalid_argument);
}

TEST_CASE("under the limit everything is sent; over it, the slip pattern is exact") {
    RateLimitCounters counters;
    SUBCASE("slip 2: truncated, dropped, truncated, ...") {
        ResponseRateLimiter limiter(settings(5, 2), test_key);
        CHECK(decisions(limiter, counters, "192.0.2.1", 5, 100) == "sssss");
        CHECK(decisions(limiter, counters, "192.0.2.1", 6, 100) == "tdtdtd");
        CHECK(counters.limited(ResponseClass::positive) == 6);
        CHECK(counters.slipped(ResponseClass::positive) == 3);
    }
    SUBCASE("slip 3: the first limited response slips, then every third") {
        ResponseRateLimiter limiter(settings(2, 3), test_key);
        CHECK(decisions(limiter, counters, "192.0.2.1", 9, 100) == "sstddtddt");
    }
    SUBCASE("slip 1: every limited response is truncated") {
        ResponseRateLimiter limiter(settings(2, 1), test_key);
        CHECK(decisions(limiter, counters, "192.0.2.1", 5, 100) == "ssttt");
    }
    SUBCASE("slip 0: every limited response is dropped") {
        ResponseRateLimiter limiter(settings(2, 0), test_key);
        CHECK(decisions(limiter, counters, "192.0.2.1", 5, 100) == "ssddd");
        CHECK(counters.limited(ResponseClass::positive) == 3);
        CHECK(counters.slipped(ResponseClass::positive) == 0);
    }
    SUBCASE("errors are dropped, never slipped, and leave the pattern where it was") {
        ResponseRateLimiter limiter(settings(1, 1), test_key);
        CHECK(decisions(limiter, counters, "192.0.2.1", 3, 100, ResponseClass::error, "") == "sdd");
        CHECK(counters.limited(ResponseClass::error) == 2);
        CHECK(counters.slipped(ResponseClass::error) == 0);
    }
    SUBCASE("the pattern is the thread's, across buckets") {
        ResponseRateLimiter limiter(settings(1, 2), test_key);
        CHECK(decisions(limiter, counters, "192.0.2.1", 2, 100) == "st");
        CHECK(decisions(limiter, counters, "198.51.100.1", 3, 100) == "sdt");
    }
}

TEST_CASE("a new second starts from zero; a second later than that too") {
    ResponseRateLimiter limiter(settings(3, 2), test_key);
    RateLimitCounters counters;
    CHECK(decisions(limiter, counters, "192.0.2.1", 5, 100) == "ssstd");
    CHECK(decisions(limiter, counters, "192.0.2.1", 5, 101) == "ssstd");
    CHECK(decisions(limiter, counters, "192.0.2.1", 4, 250) == "ssst");
    // The clock going back is a new second too.
    CHECK(decisions(limiter, counters, "192.0.2.1", 3, 99) == "sss");
}

TEST_CASE("a client network is an IPv4 /24 or an IPv6 /56; each has its own buckets") {
    ResponseRateLimiter limiter(settings(2, 0), test_key);
    RateLimitCounters counters;
    SUBCASE("the same /24 shares, another /24 does not") {
        CHECK(decisions(limiter, counters, "192.0.2.1", 1, 100) == "s");
        CHECK(decisions(limiter, counters, "192.0.2.200", 2, 100) == "sd");
        CHECK(decisions(limiter, counters, "192.0.3.1", 2, 100) == "ss");
        CHECK(decisions(limiter, counters, "198.51.100.7", 3, 100) == "ssd");
    }
    SUBCASE("the same /56 shares, another /56 does not") {
        CHECK(decisions(limiter, counters, "2001:db8:0:ff::1", 1, 100) == "s");
        CHECK(decisions(limiter, counters, "2001:db8:0:aa:1:2:3:4", 2, 100) == "sd");
        CHECK(decisions(limiter, counters, "2001:db8:0:100::1", 3, 100) == "ssd");
    }
    SUBCASE("an IPv4-mapped address is the IPv4 address") {
        CHECK(limiter.client_network(address("::ffff:192.0.2.77")) == prefix("192.0.2.0/24"));
        CHECK(decisions(limiter, counters, "192.0.2.1", 1, 100) == "s");
        CHECK(decisions(limiter, counters, "::ffff:192.0.2.9", 2, 100) == "sd");
    }
    SUBCASE("other prefix lengths") {
        RateLimitSettings s = settings(1, 0);
        s.ipv4_prefix = 32;
        s.ipv6_prefix = 48;
        ResponseRateLimiter narrow(s, test_key);
        CHECK(narrow.client_network(address("192.0.2.77")) == prefix("192.0.2.77/32"));
        CHECK(narrow.client_network(address("2001:db8:1:ff::1")) == prefix("2001:db8:1::/48"));
        CHECK(decisions(narrow, counters, "192.0.2.1", 2, 100) == "sd");
        CHECK(decisions(narrow, counters, "192.0.2.2", 2, 100) == "sd");
    }
}

TEST_CASE("exempt networks are never limited; their neighbours are") {
    RateLimitSettings s = settings(1, 0);
    s.exempt = {prefix("192.0.2.0/25"), prefix("192.0.2.128/25"), prefix("10.0.0.0/8"), prefix("10.1.0.0/16"),
                prefix("2001:db8:1::/48"), prefix("::/0")};
    SUBCASE("listed networks, nested, adjacent and whole") {
        ResponseRateLimiter limiter(s, test_key);
        RateLimitCounters counters;
        CHECK(decisions(limiter, counters, "192.0.2.1", 5, 100) == "sssss");
        CHECK(decisions(limiter, counters, "192.0.2.255", 5, 100) == "sssss");
        CHECK(decisions(limiter, counters, "10.1.2.3", 5, 100) == "sssss");
        CHECK(decisions(limiter, counters, "::ffff:10.9.9.9", 5, 100) == "sssss");
        CHECK(decisions(limiter, counters, "2001:db8:1::1", 5, 100) == "sssss");
        CHECK(decisions(limiter, counters, "2001:db8:2::1", 5, 100) == "sssss");  // ::/0
        CHECK(decisions(limiter, counters, "192.0.3.0", 2, 100) == "sd");
        CHECK(decisions(limiter, counters, "11.0.0.0", 2, 100) == "sd");
        CHECK(decisions(limiter, counters, "9.255.255.255", 2, 100) == "sd");
        CHECK(counters.limited(ResponseClass::positive) == 3);
    }
    SUBCASE("without ::/0, IPv6 is limited outside the list") {
        s.exempt.pop_back();
        ResponseRateLimiter limiter(s, test_key);
        RateLimitCounters counters;
        CHECK(decisions(limiter, counters, "2001:db8:1:ffff::1", 3, 100) == "sss");
        CHECK(decisions(limiter, counters, "2001:db8:2::1", 2, 100) == "sd");
        CHECK(decisions(limiter, counters, "2001:db8::1", 2, 100) == "sd");
    }
}

TEST_CASE("classes and names have their own buckets; NXDOMAIN for random names shares the apex's") {
    ResponseRateLimiter limiter(settings(2, 0), test_key);
    RateLimitCounters counters;
    CHECK(decisions(limiter, counters, "192.0.2.1", 3, 100, ResponseClass::positive, www) == "ssd");
    CHECK(decisions(limiter, counters, "192.0.2.1", 3, 100, ResponseClass::large, www) == "ssd");
    CHECK(decisions(limiter, counters, "192.0.2.1", 3, 100, ResponseClass::nodata, www) == "ssd");
    CHECK(decisions(limiter, counters, "192.0.2.1", 3, 100, ResponseClass::positive, "\4mail\7example\3com\0"s) ==
          "ssd");
    // A random-subdomain flood: the engine passes the apex for every name.
    CHECK(decisions(limiter, counters, "192.0.2.1", 1, 100, ResponseClass::nxdomain, apex) == "s");
    CHECK(decisions(limiter, counters, "192.0.2.1", 1, 100, ResponseClass::nxdomain, apex) == "s");
    CHECK(decisions(limiter, counters, "192.0.2.1", 1, 100, ResponseClass::nxdomain, apex) == "d");
    CHECK(decisions(limiter, counters, "192.0.2.1", 3, 100, ResponseClass::referral, apex) == "ssd");
    CHECK(counters.limited(ResponseClass::positive) == 2);
    CHECK(counters.limited(ResponseClass::nxdomain) == 1);
    CHECK(counters.limited(ResponseClass::referral) == 1);
    CHECK(counters.limited(ResponseClass::error) == 0);
}

TEST_CASE("onsets: one per bucket and second, taken once by the log") {
    ResponseRateLimiter limiter(settings(2, 2), test_key);
    RateLimitCounters counters;
    CHECK(limiter.take_onsets(100).empty());
    CHECK(decisions(limiter, counters, "192.0.2.1", 2, 100) == "ss");
    CHECK(limiter.take_onsets(100).empty());  // at the limit, not past it
    (void)decisions(limiter, counters, "192.0.2.1", 10, 100);
    (void)decisions(limiter, counters, "2001:db8:0:1::1", 5, 100, ResponseClass::nxdomain, apex);

    auto onsets = limiter.take_onsets(100);
    REQUIRE(onsets.size() == 2);
    CHECK(onsets[0] == RateLimitOnset{prefix("192.0.2.0/24"), ResponseClass::positive, 100});
    CHECK(onsets[1] == RateLimitOnset{prefix("2001:db8::/56"), ResponseClass::nxdomain, 100});
    CHECK(limiter.take_onsets(100).empty());

    // Still limited in the next seconds: one onset a second.
    (void)decisions(limiter, counters, "192.0.2.1", 10, 101);
    (void)decisions(limiter, counters, "192.0.2.1", 10, 102);
    onsets = limiter.take_onsets(1);
    REQUIRE(onsets.size() == 1);
    CHECK(onsets[0].second == 101);
    onsets = limiter.take_onsets(5);
    REQUIRE(onsets.size() == 1);
    CHECK(onsets[0].second == 102);
    CHECK(limiter.onsets_lost() == 0);
}

TEST_CASE("the onset ring overwrites the oldest and counts them, never waits") {
    RateLimitOnsets ring(4);
    for (std::uint32_t second = 1; second <= 6; ++second)
        ring.record({prefix("192.0.2.0/24"), ResponseClass::large, second});
    auto taken = ring.take(10);
    REQUIRE(taken.size() == 4);
    CHECK(taken.front().second == 3);
    CHECK(taken.back().second == 6);
    CHECK(ring.lost() == 2);
    ring.record({prefix("2001:db8::/56"), ResponseClass::referral, 7});
    taken = ring.take(10);
    REQUIRE(taken.size() == 1);
    CHECK(taken[0] == RateLimitOnset{prefix("2001:db8::/56"), ResponseClass::referral, 7});
}

TEST_CASE("onsets written by many threads while the log takes them: none torn, each taken or lost once") {
    constexpr unsigned writers = 4;
    constexpr std::uint32_t per_writer = 50'000;
    RateLimitOnsets ring(64);
    // An onset whose every field follows from `second`, so a torn copy shows.
    auto onset_for = [](std::uint32_t second) {
        IpAddress network;
        for (int i = 0; i < 4; ++i) network.bytes[i] = static_cast<std::uint8_t>(second >> (24 - 8 * i));
        return RateLimitOnset{{network, 32}, static_cast<ResponseClass>(second % response_classes), second};
    };
    std::atomic<bool> writing{true};
    std::vector<RateLimitOnset> taken;
    std::thread reader([&] {
        while (writing.load()) {
            auto some = ring.take(100);
            taken.insert(taken.end(), some.begin(), some.end());
        }
    });
    std::vector<std::thread> threads;
    for (std::uint32_t w = 0; w < writers; ++w)
        threads.emplace_back([&, w] {
            for (std::uint32_t i = 0; i < per_writer; ++i) ring.record(onset_for(w << 24 | i));
        });
    for (auto& thread : threads) thread.join();
    writing = false;
    reader.join();
    auto rest = ring.take(1'000'000);
    taken.insert(taken.end(), rest.begin(), rest.end());

    std::array<std::int64_t, writers> last{-1, -1, -1, -1};
    std::size_t torn = 0, out_of_order = 0;
    for (const auto& onset : taken) {
        if (!(onset == onset_for(onset.second))) ++torn;
        auto& previous = last[onset.second >> 24];
        if (std::int64_t{onset.second & 0xffffff} <= previous) ++out_of_order;
        previous = onset.second & 0xffffff;
    }
    CHECK(torn == 0);
    CHECK(out_of_order == 0);
    CHECK(taken.size() + ring.lost() == std::uint64_t{writers} * per_writer);
}

TEST_CASE("a full table still decides, and a newcomer is never limited") {
    RateLimitSettings s = settings(1, 0);
    s.table_size = 8;  // one group of 8 buckets
    ResponseRateLimiter limiter(s, test_key);
    RateLimitCounters counters;
    // 8 networks over the limit fill the group; 8 more take it over, each
    // sent the first time, however full the table is.
    for (int round = 0; round < 2; ++round) {
        for (int i = 0; i < 8; ++i) {
            const std::string client = "10." + std::to_string(round) + "." + std::to_string(i) + ".1";
            CHECK(decisions(limiter, counters, client.c_str(), 2, 100) == "sd");
        }
    }
    // 100 more networks in the same second: every first response is sent.
    for (int i = 0; i < 100; ++i) {
        const std::string client = "10.2." + std::to_string(i) + ".1";
        CHECK(decisions(limiter, counters, client.c_str(), 1, 100) == "s");
    }
}

TEST_CASE("threads on one bucket: at most the limit (and the documented tolerance) a second, no hang") {
    constexpr unsigned threads = 4;
    constexpr std::uint32_t limit = 100;
    constexpr int per_thread = 2000;  // 8000 responses a second for a limit of 100
    constexpr std::uint32_t seconds = 20;
    constexpr std::uint32_t tolerance = threads * ((limit + 1) / ResponseRateLimiter::max_attempts);

    ResponseRateLimiter limiter(settings(limit, 2), test_key);
    std::vector<std::atomic<std::uint32_t>> sent(seconds);
    std::barrier start_of_second(threads);
    std::vector<std::thread> workers;
    std::vector<RateLimitCounters> counters(threads);
    for (unsigned t = 0; t < threads; ++t) {
        workers.emplace_back([&, t] {
            const IpAddress client = address("203.0.113.9");
            for (std::uint32_t second = 0; second < seconds; ++second) {
                start_of_second.arrive_and_wait();
                for (int i = 0; i < per_thread; ++i)
                    if (limiter.decide(client, ResponseClass::large, www, 1000 + second, counters[t]) ==
                        RateLimitDecision::send)
                        sent[second].fetch_add(1, std::memory_order_relaxed);
            }
        });
    }
    for (auto& worker : workers) worker.join();

    std::uint64_t limited = 0;
    for (const auto& c : counters) limited += c.limited(ResponseClass::large);
    std::uint64_t all_sent = 0;
    for (std::uint32_t second = 0; second < seconds; ++second) {
        const std::uint32_t in_second = sent[second].load();
        CHECK(in_second >= limit);
        CHECK(in_second <= limit + tolerance);
        all_sent += in_second;
    }
    CHECK(all_sent + limited == std::uint64_t{threads} * per_thread * seconds);
    CHECK(limiter.take_onsets(1000).size() == seconds);  // one a second: the count passed the limit once
}
