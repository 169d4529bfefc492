// A gentle return after restore, packet in and packet out: while an AZ
// ramps back, its addresses are in the configured share of answers, every
// answer that could hold them goes out at ttl.degraded, and an RRset with
// nothing else to answer with keeps the ramping AZ.
#include "health_explain.hpp"
#include "health_test_support.hpp"

using namespace azdns;
using namespace azdns::answer_test;
using namespace azdns::health_test;

namespace {

// How many of `asks` answers for www.example.com. A carry 10.1.0.10 (AZ a).
int with_a(const HealthView* view, int asks, const char* name = "www.example.com.") {
    int count = 0;
    for (int i = 0; i < asks; ++i) {
        auto r = ask_health(name, A, view);
        for (const std::string& line : r.answer) count += line.ends_with(" 10.1.0.10") || line.ends_with(" 10.1.0.20");
    }
    return count;
}

}  // namespace

TEST_SUITE("health_view") {
    TEST_CASE("ramping: the AZ's addresses are in about its share of answers, all at ttl.degraded") {
        auto tenth = view_of(Health{}.ramp("a", 100));
        const int tenth_count = with_a(tenth.get(), 2000);
        CHECK(tenth_count > 2000 * 5 / 100);  // 10 % expected: 200 of 2000, far from both bounds
        CHECK(tenth_count < 2000 * 15 / 100);
        auto most = view_of(Health{}.ramp("a", 800));
        const int most_count = with_a(most.get(), 2000);
        CHECK(most_count > 2000 * 75 / 100);
        CHECK(most_count < 2000 * 85 / 100);
        CHECK(with_a(view_of(Health{}).get(), 200) == 200);
        // Either form at ttl.degraded (20): a client comes back for the next share.
        for (int i = 0; i < 50; ++i) {
            auto r = ask_health("www.example.com.", A, tenth.get());
            REQUIRE_FALSE(r.answer.empty());
            CHECK(r.answer.front().starts_with("www.example.com. 20 IN A"));
        }
        // The AAAA has b's address only: a's ramp is not its business.
        CHECK(ask_health("www.example.com.", AAAA, tenth.get()).answer ==
              Lines{"www.example.com. 60 IN AAAA 2001:db8:b::10"});  // ttl.max: healthy
    }

    TEST_CASE("ramping: an RRset with no other address keeps the ramping AZ, at ttl.degraded") {
        auto tenth = view_of(Health{}.ramp("a", 100));
        for (int i = 0; i < 50; ++i)
            CHECK(ask_health("short.example.com.", A, tenth.get()).answer == Lines{"short.example.com. 20 IN A 10.1.0.30"});
    }

    TEST_CASE("ramping: a fenced AZ is not ramping, and failover falls to the next AZ for the rest") {
        auto fenced = view_of(Health{}.ramp("a", 100).fence("a"));
        CHECK(with_a(fenced.get(), 100) == 0);
        // fo prefers a: a's share of answers get a, the rest b.
        auto fo = view_of(Health{}.ramp("a", 500));
        const int fo_a = with_a(fo.get(), 2000, "fo.example.com.");
        CHECK(fo_a > 2000 * 40 / 100);
        CHECK(fo_a < 2000 * 60 / 100);
    }

    TEST_CASE("explain shows the full form, the AZ's share and the TTL rule") {
        Health health = Health{}.ramp("a", 350);
        auto view = view_of(health);
        HealthExplanation why =
            explain_health(health_zones(), view.get(), make_config(), health.snapshot, wire_name("www.example.com."), A);
        REQUIRE(why.addresses.size() == 2);
        CHECK(why.addresses[0].in);
        CHECK(why.addresses[0].why == "AZ a up, ramping back after a restore: in 35 % of answers");
        CHECK(why.ttl == 20);
        CHECK(why.ttl_rule == "ttl.degraded: an AZ is ramping back after a restore (this answer in 35 % of answers)");
    }
}
