// The IXFR journal (ixfr_journal.hpp): chains of steps from a client's
// serial to the newest, bounded by entries and bytes, oldest dropped first.
#include "ixfr_journal.hpp"

#include "transfer_test_support.hpp"

using namespace azdns;
using namespace azdns::transfer_test;
using namespace azdns::health_test;

namespace {

const Zone& health_zone() { return *health_zones().find(wire_name("example.com.")); }

// A step whose delta adds one TXT record of about `size` bytes of RDATA:
// strings of x, 255 at most each.
ZoneDelta delta_of(std::size_t size = 10) {
    ZoneDelta delta;
    std::vector<std::uint8_t> rdata;
    while (rdata.size() + 1 < size) {
        std::size_t length = std::min<std::size_t>(size - rdata.size() - 1, 255);
        rdata.push_back(static_cast<std::uint8_t>(length));
        rdata.insert(rdata.end(), length, 'x');
    }
    delta.added.add({wire_name("txt.example.com."), TXT, 60, rdata});
    return delta;
}

void add_step(IxfrJournal& journal, std::uint32_t from, std::uint32_t to, std::size_t size = 10) {
    journal.add(SoaRecord(health_zone(), from), SoaRecord(health_zone(), to), delta_of(size));
}

std::vector<std::uint32_t> serials(const std::optional<JournalChain>& chain) {
    REQUIRE(chain);
    std::vector<std::uint32_t> out;
    for (const auto& entry : *chain) {
        out.push_back(entry->from_serial());
        out.push_back(entry->to_serial());
    }
    return out;
}

}  // namespace

TEST_SUITE("ixfr journal") {
    TEST_CASE("the chain from any serial it holds to the newest; empty at the newest; none from elsewhere") {
        IxfrJournal journal;
        CHECK_FALSE(journal.chain_from(1));
        add_step(journal, 1, 2);
        add_step(journal, 2, 5);
        add_step(journal, 5, 6);
        CHECK(serials(journal.chain_from(1)) == std::vector<std::uint32_t>{1, 2, 2, 5, 5, 6});
        CHECK(serials(journal.chain_from(5)) == std::vector<std::uint32_t>{5, 6});
        CHECK(journal.chain_from(6)->empty());
        CHECK_FALSE(journal.chain_from(3));  // never a serial of the zone
        CHECK_FALSE(journal.chain_from(0));
        // Each entry carries its SOAs with their serials, as IXFR writes them.
        auto chain = *journal.chain_from(2);
        CHECK(record_text(chain[0]->from_soa.record()) ==
              "example.com. 3600 IN SOA ns1.example.com. hostmaster.example.com. 2 7200 3600 1209600 300");
        CHECK(list_lines(chain[0]->delta.added) == Lines{"txt.example.com. 60 IN TXT \"xxxxxxxxx\""});
    }

    TEST_CASE("serials that wrap around 2^32 chain like any others") {
        IxfrJournal journal;
        add_step(journal, 0xFFFFFFFE, 0xFFFFFFFF);
        add_step(journal, 0xFFFFFFFF, 3);
        CHECK(serials(journal.chain_from(0xFFFFFFFE)) == std::vector<std::uint32_t>{0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFF, 3});
    }

    TEST_CASE("at most max_entries: the oldest go first") {
        IxfrJournal journal(JournalLimits{3, std::size_t{1} << 20});
        for (std::uint32_t s = 1; s <= 5; ++s) add_step(journal, s, s + 1);
        CHECK(journal.size() == 3);
        CHECK_FALSE(journal.chain_from(1));
        CHECK_FALSE(journal.chain_from(2));
        CHECK(serials(journal.chain_from(3)) == std::vector<std::uint32_t>{3, 4, 4, 5, 5, 6});
    }

    TEST_CASE("at most max_bytes: the oldest go first; a step bigger than the limit leaves nothing") {
        IxfrJournal journal(JournalLimits{64, 20000});
        for (std::uint32_t s = 1; s <= 6; ++s) add_step(journal, s, s + 1, 4000);
        CHECK(journal.bytes() <= 20000);
        CHECK(journal.size() >= 3);
        CHECK(journal.size() < 6);
        CHECK_FALSE(journal.chain_from(1));
        CHECK(journal.chain_from(7 - static_cast<std::uint32_t>(journal.size())));

        add_step(journal, 7, 8, 30000);
        CHECK(journal.size() == 0);
        CHECK(journal.bytes() == 0);
        CHECK_FALSE(journal.chain_from(7));
        // It starts again from there.
        add_step(journal, 8, 9);
        CHECK(serials(journal.chain_from(8)) == std::vector<std::uint32_t>{8, 9});
    }

    TEST_CASE("a gap in the serials, or a serial that does not go forward, starts the journal over") {
        IxfrJournal journal;
        add_step(journal, 1, 2);
        add_step(journal, 2, 3);
        add_step(journal, 10, 11);  // 3 -> 10 was never seen
        CHECK_FALSE(journal.chain_from(1));
        CHECK(serials(journal.chain_from(10)) == std::vector<std::uint32_t>{10, 11});

        add_step(journal, 11, 4);  // backwards: serial 4 would name two contents
        CHECK(journal.size() == 0);
        CHECK_FALSE(journal.chain_from(11));
        add_step(journal, 4, 0x80000004);  // exactly 2^31 ahead: undefined, not forward
        CHECK(journal.size() == 0);
    }

    TEST_CASE("a chain handed out stays whole while the journal drops its entries") {
        IxfrJournal journal(JournalLimits{2, std::size_t{1} << 20});
        add_step(journal, 1, 2);
        add_step(journal, 2, 3);
        JournalChain chain = *journal.chain_from(1);
        add_step(journal, 3, 4);
        add_step(journal, 4, 5);
        CHECK_FALSE(journal.chain_from(1));
        REQUIRE(chain.size() == 2);
        CHECK(chain[0]->from_serial() == 1);
        CHECK(list_lines(chain[1]->delta.added) == Lines{"txt.example.com. 60 IN TXT \"xxxxxxxxx\""});
    }
}
