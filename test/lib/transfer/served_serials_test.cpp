// The serials the filtered view goes out with (docs/transfers.md, "Serials"):
// moved by every change of content, never backwards, the same across a
// restart that serves the same content, and following an operator's bump.
#include <doctest/doctest.h>

#include "dns_name.hpp"
#include "served_serials.hpp"

using namespace azdns;

namespace {

std::string origin(const char* text) {
    auto wire = name_from_text(text);
    REQUIRE(wire.has_value());
    return *wire;
}

}  // namespace

TEST_CASE("a zone first seen goes out with its file's serial; each change of content adds one") {
    SerialBook book;
    const auto zone = origin("example.com.");
    CHECK(book.serial_for(zone, 2026120301, 0xaaaa) == 2026120301);
    CHECK(book.serial_for(zone, 2026120301, 0xaaaa) == 2026120301);  // same content, same serial
    CHECK(book.serial_for(zone, 2026120301, 0xbbbb) == 2026120302);  // a verdict
    CHECK(book.serial_for(zone, 2026120301, 0xaaaa) == 2026120303);  // and back: still a change
    CHECK(book.serial_for(origin("example.org."), 7, 1) == 7);       // zones are apart
}

TEST_CASE("an operator's serial bump is followed when it is newer, never a step back") {
    SerialBook book;
    const auto zone = origin("example.com.");
    CHECK(book.serial_for(zone, 100, 1) == 100);
    CHECK(book.serial_for(zone, 100, 2) == 101);
    CHECK(book.serial_for(zone, 100, 3) == 102);
    CHECK(book.serial_for(zone, 500, 4) == 500);  // the file jumped ahead
    CHECK(book.serial_for(zone, 101, 5) == 501);  // the file went back: the served serial does not
}

TEST_CASE("serials wrap as RFC 1982 says") {
    SerialBook book;
    const auto zone = origin("example.com.");
    CHECK(book.serial_for(zone, 0xFFFFFFFF, 1) == 0xFFFFFFFF);
    CHECK(book.serial_for(zone, 0xFFFFFFFF, 2) == 0);  // 0 is newer than 2^32-1
    CHECK(book.serial_for(zone, 0xFFFFFFFF, 3) == 1);
}

TEST_CASE("the book survives a restart through its text, and a changed content moves on") {
    SerialBook before;
    const auto zone = origin("example.com.");
    (void)before.serial_for(zone, 10, 1);
    (void)before.serial_for(zone, 10, 2);
    const std::uint64_t version = before.version();
    CHECK(version == 2);
    (void)before.serial_for(zone, 10, 2);
    CHECK(before.version() == version);  // nothing to save

    std::string why;
    auto saved = decode_serials(encode_serials(before.entries()), why);
    REQUIRE(saved.has_value());
    CHECK(*saved == before.entries());
    SerialBook after(*saved);
    CHECK(after.serial_for(zone, 10, 2) == 11);  // the same content as served before the restart
    CHECK(after.serial_for(zone, 10, 3) == 12);
}

TEST_CASE("a damaged serials file is refused with the reason") {
    std::string why;
    for (const char* text : {"", "{", "[]", "{\"version\":2,\"zones\":[]}", "{\"version\":1}",
                             "{\"version\":1,\"zones\":[{\"origin\":\"example.com.\",\"serial\":-1,\"digest\":"
                             "\"0000000000000001\"}]}",
                             "{\"version\":1,\"zones\":[{\"origin\":\"example.com.\",\"serial\":1,\"digest\":\"xyz\"}]}",
                             "{\"version\":1,\"zones\":[{\"origin\":\"example.com.\",\"serial\":4294967296,"
                             "\"digest\":\"0000000000000001\"}]}"}) {
        CAPTURE(text);
        why.clear();
        CHECK_FALSE(decode_serials(text, why).has_value());
        CHECK_FALSE(why.empty());
    }
}
