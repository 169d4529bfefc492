// The query reader's judgement of TSIG placement (RFC 8945 section 5.1),
// on queries signed by ldns; and its reading of the COOKIE option (RFC 7873),
// on queries built byte by byte.
#include <doctest/doctest.h>

#include "query_reader.hpp"
#include "tsig_test_support.hpp"
#include "wire_integers.hpp"

using namespace azdns;
using namespace azdns::tsig_test;

namespace {

ReadStatus read(const std::vector<std::uint8_t>& wire, Query& query) { return read_query(wire, query); }

void add_to_count(std::vector<std::uint8_t>& wire, std::size_t count_offset, int delta) {
    write_u16(&wire[count_offset], static_cast<std::uint16_t>(read_u16(&wire[count_offset]) + delta));
}

constexpr std::size_t ancount_at = 6, nscount_at = 8, arcount_at = 10;

// An OPT record (RFC 6891): root owner, payload 1232, no options.
const std::vector<std::uint8_t> opt_rr{0, 0, 41, 0x04, 0xD0, 0, 0, 0, 0, 0, 0};

struct EdnsOption {
    std::uint16_t code;
    std::vector<std::uint8_t> data;
};

// "example.com. IN A" with an OPT record holding `options`, in order.
std::vector<std::uint8_t> query_with_options(const std::vector<EdnsOption>& options) {
    // Header (one question, one additional record), then the question.
    std::vector<std::uint8_t> wire{0x12, 0x34, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1, 7, 'e', 'x', 'a', 'm', 'p', 'l',
                                   'e', 3, 'c', 'o', 'm', 0, 0, 1, 0, 1};
    wire.insert(wire.end(), opt_rr.begin(), opt_rr.end() - 2);
    std::size_t rdlength_at = wire.size();
    wire.insert(wire.end(), {0, 0});
    for (const auto& option : options) {
        wire.insert(wire.end(), {0, 0, 0, 0});
        write_u16(&wire[wire.size() - 4], option.code);
        write_u16(&wire[wire.size() - 2], static_cast<std::uint16_t>(option.data.size()));
        wire.insert(wire.end(), option.data.begin(), option.data.end());
    }
    write_u16(&wire[rdlength_at], static_cast<std::uint16_t>(wire.size() - rdlength_at - 2));
    return wire;
}

// `length` bytes counting up from `first`, so every byte says where it was.
std::vector<std::uint8_t> counting(std::size_t length, std::uint8_t first) {
    std::vector<std::uint8_t> bytes(length);
    for (std::size_t i = 0; i < length; ++i) bytes[i] = static_cast<std::uint8_t>(first + i);
    return bytes;
}

std::vector<std::uint8_t> bytes_of(std::span<const std::uint8_t> span) { return {span.begin(), span.end()}; }

}  // namespace

TEST_SUITE("query reader: TSIG") {
    TEST_CASE("a signed query reads ok, and says where its TSIG starts") {
        auto unsigned_wire = wire_of(unsigned_query().get());
        auto wire = ldns_signed_query(sha256_key);
        Query query;
        REQUIRE(read(wire, query) == ReadStatus::ok);
        CHECK(query.tsig_offset == unsigned_wire.size());
        REQUIRE(read(unsigned_wire, query) == ReadStatus::ok);
        CHECK(query.tsig_offset == 0);
    }

    TEST_CASE("OPT then TSIG: both read") {
        Packet pkt = unsigned_query();
        ldns_pkt_set_edns_udp_size(pkt.get(), 1232);
        auto unsigned_wire = wire_of(pkt.get());
        REQUIRE(ldns_pkt_tsig_sign(pkt.get(), sha256_key.name, sha256_key.secret, 300, sha256_key.algorithm, nullptr) ==
                LDNS_STATUS_OK);
        auto wire = wire_of(pkt.get());
        Query query;
        REQUIRE(read(wire, query) == ReadStatus::ok);
        CHECK(query.edns.present);
        CHECK(query.tsig_offset == unsigned_wire.size());
    }

    TEST_CASE("a TSIG that is not the last record of the additional section is FORMERR") {
        auto signed_wire = ldns_signed_query(sha256_key);
        std::size_t tsig_at = wire_of(unsigned_query().get()).size();
        std::vector<std::uint8_t> tsig_rr(signed_wire.begin() + static_cast<std::ptrdiff_t>(tsig_at), signed_wire.end());
        Query query;

        SUBCASE("a record after it") {
            auto wire = signed_wire;
            wire.insert(wire.end(), opt_rr.begin(), opt_rr.end());
            add_to_count(wire, arcount_at, 1);
            CHECK(read(wire, query) == ReadStatus::formerr);
        }
        SUBCASE("two of them") {
            auto wire = signed_wire;
            wire.insert(wire.end(), tsig_rr.begin(), tsig_rr.end());
            add_to_count(wire, arcount_at, 1);
            CHECK(read(wire, query) == ReadStatus::formerr);
        }
        SUBCASE("in the answer section") {
            auto wire = signed_wire;
            add_to_count(wire, arcount_at, -1);
            add_to_count(wire, ancount_at, 1);
            CHECK(read(wire, query) == ReadStatus::formerr);
        }
        SUBCASE("in the authority section") {
            auto wire = signed_wire;
            add_to_count(wire, arcount_at, -1);
            add_to_count(wire, nscount_at, 1);
            CHECK(read(wire, query) == ReadStatus::formerr);
        }
        CHECK(query.has_question);  // the FORMERR echoes the question
    }

    TEST_CASE("a TSIG of a class other than ANY, or a TTL other than 0, is FORMERR") {
        auto signed_wire = ldns_signed_query(sha256_key);
        std::size_t tsig_at = wire_of(unsigned_query().get()).size();
        std::size_t owner_size = std::string_view("\3xfr\7example").size() + 1;
        std::size_t class_at = tsig_at + owner_size + 2, ttl_at = class_at + 2;
        Query query;
        REQUIRE(read(signed_wire, query) == ReadStatus::ok);

        auto in_class = signed_wire;
        write_u16(&in_class[class_at], 1);
        CHECK(read(in_class, query) == ReadStatus::formerr);
        auto ttl = signed_wire;
        write_u32(&ttl[ttl_at], 1);
        CHECK(read(ttl, query) == ReadStatus::formerr);
        auto ttl_high = signed_wire;
        write_u32(&ttl_high[ttl_at], 0x80000000);
        CHECK(read(ttl_high, query) == ReadStatus::formerr);
    }
}

TEST_SUITE("query reader: COOKIE") {
    TEST_CASE("no COOKIE option: none read") {
        Query query;
        REQUIRE(read(query_with_options({}), query) == ReadStatus::ok);
        CHECK(query.edns.present);
        CHECK_FALSE(query.edns.cookie.present);
    }

    TEST_CASE("a Client Cookie alone (8 bytes): read, with no Server Cookie") {
        Query query;
        REQUIRE(read(query_with_options({{edns_option::cookie, counting(8, 1)}}), query) == ReadStatus::ok);
        const DnsCookie& cookie = query.edns.cookie;
        REQUIRE(cookie.present);
        CHECK(std::vector<std::uint8_t>(cookie.client.begin(), cookie.client.end()) == counting(8, 1));
        CHECK(cookie.server_length == 0);
        CHECK(cookie.server_cookie().empty());
    }

    TEST_CASE("a Client Cookie with a Server Cookie of 8, 16 and 32 bytes: both read whole") {
        for (std::size_t server : {8, 16, 32}) {
            CAPTURE(server);
            auto option = counting(8, 1);
            const auto server_bytes = counting(server, 100);
            option.insert(option.end(), server_bytes.begin(), server_bytes.end());
            Query query;
            REQUIRE(read(query_with_options({{edns_option::cookie, option}}), query) == ReadStatus::ok);
            const DnsCookie& cookie = query.edns.cookie;
            REQUIRE(cookie.present);
            CHECK(std::vector<std::uint8_t>(cookie.client.begin(), cookie.client.end()) == counting(8, 1));
            CHECK(cookie.server_length == server);
            CHECK(bytes_of(cookie.server_cookie()) == server_bytes);
        }
    }

    TEST_CASE("a COOKIE option of 0-7, 9-15 or more than 40 bytes is FORMERR (RFC 7873 section 5.2.2)") {
        for (std::size_t length : {0, 1, 7, 9, 12, 15, 41, 48}) {
            CAPTURE(length);
            Query query;
            CHECK(read(query_with_options({{edns_option::cookie, counting(length, 1)}}), query) == ReadStatus::formerr);
            CHECK(query.has_question);  // the FORMERR echoes the question
        }
        for (std::size_t length : {8, 16, 24, 40}) {
            CAPTURE(length);
            Query query;
            CHECK(read(query_with_options({{edns_option::cookie, counting(length, 1)}}), query) == ReadStatus::ok);
        }
    }

    TEST_CASE("several COOKIE options: the first counts, the others are ignored but must be well formed") {
        Query query;
        auto first = counting(24, 1), second = counting(8, 50);
        REQUIRE(read(query_with_options({{edns_option::cookie, first}, {edns_option::cookie, second}}), query) ==
                ReadStatus::ok);
        CHECK(std::vector<std::uint8_t>(query.edns.cookie.client.begin(), query.edns.cookie.client.end()) ==
              counting(8, 1));
        CHECK(bytes_of(query.edns.cookie.server_cookie()) == counting(16, 9));

        CHECK(read(query_with_options({{edns_option::cookie, first}, {edns_option::cookie, counting(7, 1)}}), query) ==
              ReadStatus::formerr);
    }

    TEST_CASE("COOKIE read in the same pass as NSID and ECS, in any order") {
        const std::vector<std::uint8_t> subnet{0, 1, 24, 0, 192, 0, 2};
        Query query;
        REQUIRE(read(query_with_options({{edns_option::client_subnet, subnet},
                                         {edns_option::cookie, counting(8, 1)},
                                         {edns_option::nsid, {}}}),
                     query) == ReadStatus::ok);
        CHECK(query.edns.cookie.present);
        CHECK(query.edns.client_subnet.present);
        CHECK(query.edns.nsid_requested);
    }

    TEST_CASE("a Query read again forgets the previous query's cookie") {
        Query query;
        REQUIRE(read(query_with_options({{edns_option::cookie, counting(24, 1)}}), query) == ReadStatus::ok);
        REQUIRE(query.edns.cookie.present);
        REQUIRE(read(query_with_options({}), query) == ReadStatus::ok);
        CHECK_FALSE(query.edns.cookie.present);
        CHECK(query.edns.cookie.server_cookie().empty());
    }
}

TEST_CASE("rcode_name: IANA's names, BADVERS for the extended 16, RCODEn for one without a name") {
    CHECK(rcode_name(rcode::noerror) == "NOERROR");
    CHECK(rcode_name(rcode::notauth) == "NOTAUTH");
    CHECK(rcode_name(11) == "DSOTYPENI");
    CHECK(rcode_name(13) == "RCODE13");
    CHECK(rcode_name(rcode::badvers) == "BADVERS");
    CHECK(rcode_name(4095) == "RCODE4095");
}
