#include <doctest/doctest.h>

#include <vector>

#include "intrusive_list.hpp"

namespace {

struct Item {
    int id;
    azdns::ListHook<Item> hook;
};

using List = azdns::IntrusiveList<Item, &Item::hook>;

std::vector<int> ids(const List& list) {
    std::vector<int> out;
    for (Item* item = list.front(); item != nullptr; item = List::next(*item)) out.push_back(item->id);
    return out;
}

}  // namespace

TEST_SUITE("server_intrusive_list") {

TEST_CASE("push, move to back and remove keep the order of last activity") {
    Item a{1, {}}, b{2, {}}, c{3, {}};
    List list;
    CHECK(list.empty());
    list.push_back(a);
    list.push_back(b);
    list.push_back(c);
    CHECK(ids(list) == std::vector{1, 2, 3});
    list.move_to_back(a);
    CHECK(ids(list) == std::vector{2, 3, 1});
    list.move_to_back(a);  // already last
    CHECK(ids(list) == std::vector{2, 3, 1});
    list.remove(c);
    CHECK(ids(list) == std::vector{2, 1});
    list.remove(c);  // not linked: no-op
    CHECK(list.size() == 2);
    list.remove(b);
    list.remove(a);
    CHECK(list.empty());
    CHECK(list.front() == nullptr);
    list.push_back(c);
    CHECK(ids(list) == std::vector{3});
}

}  // TEST_SUITE
