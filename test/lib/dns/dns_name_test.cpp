#include <doctest/doctest.h>

#include "dns_name.hpp"

using namespace azdns;
using namespace std::string_literals;

TEST_CASE("names parse to wire form, with and without the trailing dot") {
    CHECK(name_from_text("www.Example.com.") == "\3www\7Example\3com\0"s);
    CHECK(name_from_text("www.example.com") == "\3www\7example\3com\0"s);
    CHECK(name_from_text(".") == "\0"s);
}

TEST_CASE("escapes in names") {
    CHECK(name_from_text("a\\.b.example.") == "\3a.b\7example\0"s);
    CHECK(name_from_text("\\065b.") == "\2Ab\0"s);
    CHECK_FALSE(name_from_text("\\25").has_value());
    CHECK_FALSE(name_from_text("\\256.").has_value());
    CHECK(name_to_text("\3a.b\7example\0"s) == "a\\.b.example.");
    CHECK(name_to_text("\2\x01z\0"s) == "\\001z.");
}

TEST_CASE("malformed names are refused") {
    CHECK_FALSE(name_from_text("").has_value());
    CHECK_FALSE(name_from_text("a..b.").has_value());
    CHECK_FALSE(name_from_text(std::string(64, 'a') + ".").has_value());
    CHECK(name_from_text(std::string(63, 'a') + ".").has_value());
    std::string long_name;
    for (int i = 0; i < 50; ++i) long_name += "abcd.";
    CHECK(long_name.size() == 250);
    CHECK_FALSE(name_from_text(long_name + "abcdef.").has_value());  // 257 bytes of wire
}

TEST_CASE("canonical form, parents and ancestry") {
    auto name = *name_from_text("WWW.Example.COM.");
    CHECK(name_canonical(name) == "\3www\7example\3com\0"s);
    CHECK(name_label_count(name) == 3);
    CHECK(name_parent(name) == "\7Example\3COM\0"s);
    CHECK(name_parent("\0"s) == "\0"s);
    auto zone = *name_from_text("example.com.");
    CHECK(name_is_at_or_below(*name_from_text("a.b.example.com."), zone));
    CHECK(name_is_at_or_below(zone, zone));
    CHECK_FALSE(name_is_at_or_below(*name_from_text("badexample.com."), zone));
    CHECK_FALSE(name_is_at_or_below(*name_from_text("com."), zone));
}

TEST_CASE("canonical ordering follows RFC 4034 section 6.1") {
    // The example list of RFC 4034 section 6.1, in order (escapes dropped).
    const char* ordered[] = {"example.", "a.example.", "yljkjljk.a.example.", "Z.a.example.",
                             "zABC.a.EXAMPLE.", "z.example.", "\\001.z.example.", "*.z.example.",
                             "\\200.z.example."};
    for (std::size_t i = 0; i + 1 < std::size(ordered); ++i) {
        auto a = name_canonical(*name_from_text(ordered[i]));
        auto b = name_canonical(*name_from_text(ordered[i + 1]));
        INFO(ordered[i], " < ", ordered[i + 1]);
        CHECK(name_canonical_compare(a, b) < 0);
        CHECK(name_canonical_compare(b, a) > 0);
    }
    CHECK(name_canonical_compare("\1a\0"s, "\1a\0"s) == 0);
}
