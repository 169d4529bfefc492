// The serial a secondary holds, read from its IXFR query (ixfr_request.hpp,
// RFC 1995 section 3): queries built by ldns, which compresses the names of
// the authority SOA against the question; and every malformation and
// truncation gives nullopt without reading outside the message.
#include "ixfr_request.hpp"

#include <optional>

#include "tsig_test_support.hpp"

using namespace azdns;
using namespace azdns::tsig_test;

namespace {

ldns_rr* rr_of(const char* text) {
    ldns_rr* rr = nullptr;
    REQUIRE(ldns_rr_new_frm_str(&rr, text, 0, nullptr, nullptr) == LDNS_STATUS_OK);
    return rr;
}

const char* const soa_42 = "example.com. 0 IN SOA ns1.example.com. hostmaster.example.com. 42 7200 3600 1209600 300";

// An IXFR query for example.com. with `authority` records, as a secondary sends it.
std::vector<std::uint8_t> ixfr_query(std::initializer_list<const char*> authority = {soa_42}) {
    Packet pkt = unsigned_query("example.com.", LDNS_RR_TYPE_IXFR);
    for (const char* text : authority) ldns_pkt_push_rr(pkt.get(), LDNS_SECTION_AUTHORITY, rr_of(text));
    return wire_of(pkt.get());
}

std::optional<std::uint32_t> serial_of(const std::vector<std::uint8_t>& wire) { return ixfr_client_serial(wire); }

bool has_compression_pointer(const std::vector<std::uint8_t>& wire) {
    // Past the header and the question (example.com. IXFR IN): the authority SOA.
    for (std::size_t i = 12 + 13 + 4; i < wire.size(); ++i)
        if ((wire[i] & 0xC0) == 0xC0) return true;
    return false;
}

}  // namespace

TEST_SUITE("ixfr request") {
    TEST_CASE("the serial of the authority SOA, its names compressed") {
        auto wire = ixfr_query();
        REQUIRE(has_compression_pointer(wire));
        CHECK(serial_of(wire) == 42u);
    }

    TEST_CASE("the serial of a signed query, and of one whose serial has its top bit set") {
        Packet pkt = unsigned_query("example.com.", LDNS_RR_TYPE_IXFR);
        ldns_pkt_push_rr(pkt.get(), LDNS_SECTION_AUTHORITY,
                         rr_of("example.com. 0 IN SOA ns1.example.com. hostmaster.example.com. 4294967295 1 2 3 4"));
        REQUIRE(ldns_pkt_tsig_sign(pkt.get(), sha256_key.name, sha256_key.secret, 300, sha256_key.algorithm,
                                   nullptr) == LDNS_STATUS_OK);
        CHECK(serial_of(wire_of(pkt.get())) == 4294967295u);
    }

    TEST_CASE("nullopt without exactly one authority SOA") {
        CHECK(serial_of(ixfr_query({})) == std::nullopt);
        CHECK(serial_of(ixfr_query({soa_42, soa_42})) == std::nullopt);
        CHECK(serial_of(ixfr_query({"example.com. 0 IN NS ns1.example.com."})) == std::nullopt);
        // Another type whose RDATA an SOA reader would take: two names, then 20 bytes.
        const char* const soa_shaped = "example.com. 0 IN TYPE65280 \\# 22 0000 0000002a 00000001 00000002 00000003 00000004";
        CHECK(serial_of(ixfr_query({soa_shaped})) == std::nullopt);
    }

    TEST_CASE("nullopt for an SOA whose RDATA is cut short, its RDLENGTH agreeing") {
        auto wire = ixfr_query();
        // The SOA is the last record: drop MINIMUM and make RDLENGTH say so.
        wire.resize(wire.size() - 4);
        const std::size_t rdlength_at = 12 + 13 + 4 + 2 + 2 + 2 + 4;  // owner is a 2-byte pointer
        REQUIRE(wire[12 + 13 + 4] == 0xC0);
        const std::size_t rdlength = std::size_t{wire[rdlength_at]} << 8 | wire[rdlength_at + 1];
        wire[rdlength_at] = static_cast<std::uint8_t>((rdlength - 4) >> 8);
        wire[rdlength_at + 1] = static_cast<std::uint8_t>(rdlength - 4);
        CHECK(serial_of(wire) == std::nullopt);
    }

    TEST_CASE("every truncation of a valid query: nullopt, reading nothing past its end") {
        const auto whole = ixfr_query();
        for (std::size_t size = 0; size < whole.size(); ++size) {
            CAPTURE(size);
            // A buffer of exactly `size` bytes, so that ASan sees any read past it.
            const std::vector<std::uint8_t> cut(whole.begin(), whole.begin() + static_cast<std::ptrdiff_t>(size));
            CHECK(serial_of(cut) == std::nullopt);
        }
    }
}
