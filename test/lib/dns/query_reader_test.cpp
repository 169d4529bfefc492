// The query reader's judgement of TSIG placement (RFC 8945 section 5.1),
// on queries signed by ldns.
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

TEST_CASE("rcode_name: IANA's names, BADVERS for the extended 16, RCODEn for one without a name") {
    CHECK(rcode_name(rcode::noerror) == "NOERROR");
    CHECK(rcode_name(rcode::notauth) == "NOTAUTH");
    CHECK(rcode_name(11) == "DSOTYPENI");
    CHECK(rcode_name(13) == "RCODE13");
    CHECK(rcode_name(rcode::badvers) == "BADVERS");
    CHECK(rcode_name(4095) == "RCODE4095");
}
