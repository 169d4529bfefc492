// The response reader on answers ldns writes (names compressed, signed by
// ldns): what a client checks before trusting a response, and every way a
// response can be cut or misplaced.
#include <doctest/doctest.h>

#include "response_reader.hpp"
#include "tsig_test_support.hpp"
#include "wire_integers.hpp"

using namespace azdns;
using namespace azdns::tsig_test;

namespace {

constexpr std::size_t arcount_at = 10;

std::vector<std::uint8_t> signed_answer(std::uint32_t serial) {
    Packet pkt = answer_packet(serial);
    REQUIRE(ldns_pkt_tsig_sign(pkt.get(), sha256_key.name, sha256_key.secret, 300, sha256_key.algorithm, nullptr) ==
            LDNS_STATUS_OK);
    return wire_of(pkt.get());
}

}  // namespace

TEST_SUITE("response reader") {
    TEST_CASE("an authoritative SOA answer: header, question, the serial behind a compressed owner") {
        Packet pkt = answer_packet(2026120301);
        ldns_pkt_set_tc(pkt.get(), true);
        const auto wire = wire_of(pkt.get());
        REQUIRE(wire[header_size + 17] == 0xC0);  // ldns compressed the SOA's owner to the question
        ResponseOutline outline;
        REQUIRE(read_response(wire, outline));
        CHECK(outline.id == 0x1234);
        CHECK(outline.opcode == 0);
        CHECK(outline.authoritative);
        CHECK(outline.truncated);
        CHECK(outline.rcode == rcode::noerror);
        REQUIRE(outline.has_question);
        CHECK(outline.question.name() == *name_from_text("example.com."));
        CHECK(outline.question.qtype == 6);
        CHECK(outline.answer_soa_serial == 2026120301u);
        CHECK(outline.tsig_offset == 0);
    }

    TEST_CASE("an SOA of another owner is not the zone's serial") {
        Packet pkt = unsigned_query("www.example.com.");
        ldns_pkt_set_qr(pkt.get(), true);
        ldns_rr* soa = nullptr;
        REQUIRE(ldns_rr_new_frm_str(&soa, "example.com. 300 IN SOA ns1.example.com. h.example.com. 9 1 1 1 1", 300,
                                    nullptr, nullptr) == LDNS_STATUS_OK);
        ldns_pkt_push_rr(pkt.get(), LDNS_SECTION_ANSWER, soa);
        ResponseOutline outline;
        REQUIRE(read_response(wire_of(pkt.get()), outline));
        CHECK_FALSE(outline.answer_soa_serial.has_value());
    }

    TEST_CASE("a signed answer says where its TSIG starts") {
        const auto plain = wire_of(answer_packet(5).get());
        const auto wire = signed_answer(5);
        ResponseOutline outline;
        REQUIRE(read_response(wire, outline));
        CHECK(outline.tsig_offset == plain.size());
        CHECK(read_tsig(wire, outline.tsig_offset).has_value());
    }

    TEST_CASE("a TSIG record that is not the last record is malformed") {
        auto wire = signed_answer(5);
        const std::vector<std::uint8_t> opt_rr{0, 0, 41, 0x04, 0xD0, 0, 0, 0, 0, 0, 0};
        wire.insert(wire.end(), opt_rr.begin(), opt_rr.end());
        write_u16(&wire[arcount_at], static_cast<std::uint16_t>(read_u16(&wire[arcount_at]) + 1));
        ResponseOutline outline;
        CHECK_FALSE(read_response(wire, outline));
    }

    TEST_CASE("a query, trailing bytes, two questions and every cut of an answer are refused") {
        ResponseOutline outline;
        CHECK_FALSE(read_response(wire_of(unsigned_query().get()), outline));
        auto wire = signed_answer(5);
        wire.push_back(0);
        CHECK_FALSE(read_response(wire, outline));
        wire.pop_back();
        auto two_questions = wire;
        write_u16(&two_questions[4], 2);
        CHECK_FALSE(read_response(two_questions, outline));
        // Each cut copied to a buffer of its own size, so a sanitizer sees any read past it.
        for (std::size_t length = 0; length < wire.size(); ++length) {
            const std::vector<std::uint8_t> cut(wire.begin(), wire.begin() + static_cast<std::ptrdiff_t>(length));
            CHECK_MESSAGE(!read_response(cut, outline), "cut at ", length);
        }
    }
}
