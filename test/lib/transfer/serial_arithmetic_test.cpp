// RFC 1982 section 3.2: serial number comparison on a circle of 2^32.
#include <doctest/doctest.h>

#include "serial_arithmetic.hpp"

using namespace azdns;

TEST_SUITE("serial arithmetic") {
    TEST_CASE("ahead by less than half the circle is newer, across the wrap too") {
        CHECK(serial_newer(2, 1));
        CHECK_FALSE(serial_newer(1, 2));
        CHECK(serial_newer(0, 0xFFFFFFFF));  // 2^32 - 1 + 1 wraps to 0
        CHECK_FALSE(serial_newer(0xFFFFFFFF, 0));
        CHECK(serial_newer(5, 0xFFFFFFF0));
        CHECK(serial_newer(0x7FFFFFFF, 0));  // 2^31 - 1 ahead: the farthest that is newer
        CHECK_FALSE(serial_newer(0, 0x7FFFFFFF));
        CHECK(serial_newer(0x80000000, 1));
        CHECK_FALSE(serial_newer(1, 0x80000000));
    }

    TEST_CASE("a serial is not newer than itself") {
        CHECK_FALSE(serial_newer(0, 0));
        CHECK_FALSE(serial_newer(2024010101, 2024010101));
    }

    TEST_CASE("exactly 2^31 apart is undefined: neither is newer") {
        CHECK_FALSE(serial_newer(0x80000000, 0));
        CHECK_FALSE(serial_newer(0, 0x80000000));
        CHECK_FALSE(serial_newer(0xFFFFFFFF, 0x7FFFFFFF));
        CHECK_FALSE(serial_newer(0x7FFFFFFF, 0xFFFFFFFF));
    }
}
