#include <doctest/doctest.h>

#include <atomic>
#include <thread>

#include "zone_snapshot.hpp"

using azdns::ZoneSet;
using azdns::ZoneSnapshot;
using azdns::ZoneSnapshotReader;

TEST_SUITE("server_zone_snapshot") {

TEST_CASE("a reader sees a published set at its next batch and keeps its current one alive") {
    auto first = std::make_shared<const ZoneSet>();
    ZoneSnapshot snapshot{first};
    ZoneSnapshotReader reader{snapshot};
    const ZoneSet* seen = &reader.current();
    CHECK(seen == first.get());

    std::weak_ptr<const ZoneSet> watch = first;
    first.reset();
    auto second = std::make_shared<const ZoneSet>();
    snapshot.publish(second);
    CHECK(!watch.expired());  // the reader still holds it
    CHECK(&reader.current() == second.get());
    CHECK(watch.expired());
}

TEST_CASE("readers on other threads never see a torn or freed set") {
    ZoneSnapshot snapshot{std::make_shared<const ZoneSet>()};
    std::atomic<bool> done{false};
    std::thread reader_thread([&] {
        ZoneSnapshotReader reader{snapshot};
        while (!done.load()) CHECK(reader.current().size() == 0);
    });
    for (int i = 0; i < 2000; ++i) snapshot.publish(std::make_shared<const ZoneSet>());
    done = true;
    reader_thread.join();
}

}  // TEST_SUITE
