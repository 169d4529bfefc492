#include <doctest/doctest.h>

#include <atomic>
#include <thread>

#include "serving_snapshot.hpp"

using azdns::ServingSnapshot;
using azdns::ServingSnapshotReader;
using azdns::ServingState;
using azdns::ZoneSet;

TEST_SUITE("server_serving_snapshot") {

TEST_CASE("a reader sees a published pair at its next batch and keeps its current one alive") {
    auto first = std::make_shared<const ZoneSet>();
    ServingSnapshot snapshot{{first, nullptr}};
    ServingSnapshotReader reader{snapshot};
    const ZoneSet* seen = reader.current().zones.get();
    CHECK(seen == first.get());

    std::weak_ptr<const ZoneSet> watch = first;
    first.reset();
    auto second = std::make_shared<const ZoneSet>();
    snapshot.publish({second, nullptr});
    CHECK(!watch.expired());  // the reader still holds it
    CHECK(reader.current().zones.get() == second.get());
    CHECK(watch.expired());
}

TEST_CASE("readers on other threads never see a torn or freed pair") {
    ServingSnapshot snapshot{{std::make_shared<const ZoneSet>(), nullptr}};
    std::atomic<bool> done{false};
    std::thread reader_thread([&] {
        ServingSnapshotReader reader{snapshot};
        while (!done.load()) CHECK(reader.current().zones->size() == 0);
    });
    for (int i = 0; i < 2000; ++i) snapshot.publish({std::make_shared<const ZoneSet>(), nullptr});
    done = true;
    reader_thread.join();
}

}  // TEST_SUITE
