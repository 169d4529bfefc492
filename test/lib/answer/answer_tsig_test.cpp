// AnswerEngine::answer with a published TransferState (docs/transfers.md):
// TSIG on any signed query (ldns signs the queries and checks the answers),
// transfers asked over UDP, and the filtered serial in SOA answers.
#include "answer_engine.hpp"

#include "transfer_state_test_support.hpp"

using namespace azdns;
using namespace azdns::transfer_test;
using namespace azdns::tsig_test;

namespace {

constexpr std::uint32_t file_serial = 2024010101;

// What a publisher holding this tracker would publish for `config` and `view`.
struct Published {
    TransferTracker tracker;
    std::shared_ptr<const HealthView> health;
    std::shared_ptr<const TransferState> state;

    void publish(const Config& config, std::shared_ptr<const HealthView> view) {
        health = std::move(view);
        state = tracker.advance(config, health_zones(), health);
    }
};

// The client_over() address, 192.0.2.53, may transfer `view`, signed or not.
Published published(TransferView view, bool keyed = false) {
    Published p;
    p.publish(transfer_config({transfer_rule("192.0.2.53/32", view, keyed)}), all_up());
    return p;
}

// The filtered view after one health change: its serial is the file's + 1.
Published after_health_change(TransferView view = TransferView::filtered) {
    Published p = published(view);
    p.publish(transfer_config({transfer_rule("192.0.2.53/32", view)}), www_a_down());
    return p;
}

Reply ask_with(const std::vector<std::uint8_t>& query, const Published* p, Transport transport = Transport::udp,
               const ZoneSet& zones = health_zones(), const AnswerOptions& options = {}) {
    return ask_zones(query, zones, transport, options, p != nullptr ? p->health.get() : nullptr,
                     p != nullptr ? p->state.get() : nullptr);
}

// The TSIG error of a reply's TSIG record (RFC 8945 section 4.2), and its MAC's size.
struct TsigOfReply {
    std::uint16_t error = 0;
    std::size_t mac_size = 0;
};

TsigOfReply tsig_of(const Reply& reply) {
    ldns_rr* tsig = ldns_pkt_tsig(reply.pkt.get());
    REQUIRE(tsig != nullptr);
    return {ldns_rdf2native_int16(ldns_rr_rdf(tsig, 5)), ldns_rdf_size(ldns_rr_rdf(tsig, 3)) - 2};
}

// Whether ldns verifies `reply` as the answer to the signed `query`.
bool ldns_verifies_answer(const Reply& reply, const std::vector<std::uint8_t>& query) {
    Packet request = packet_of(query);
    ldns_rr* tsig = ldns_pkt_tsig(request.get());
    REQUIRE(tsig != nullptr);
    return ldns_pkt_tsig_verify(reply.pkt.get(), reply.wire.data(), reply.wire.size(), sha256_key.name,
                                sha256_key.secret, ldns_rr_rdf(tsig, 3));
}

std::string soa_line(std::uint32_t ttl, std::uint32_t serial) {
    return "example.com. " + std::to_string(ttl) + " IN SOA ns1.example.com. hostmaster.example.com. " +
           std::to_string(serial) + " 7200 3600 1209600 300";
}

// A query signed by ldns, its MAC then changed in one byte.
std::vector<std::uint8_t> with_bad_mac(std::vector<std::uint8_t> wire) {
    // The MAC ends 6 bytes (original id, error, other len) before the end.
    wire[wire.size() - 7] ^= 0x01;
    return wire;
}

}  // namespace

TEST_SUITE("answer_tsig") {
    TEST_CASE("a signed query with a known key gets its answer signed, and ldns verifies it") {
        Published p = published(TransferView::filtered, true);
        auto query = ldns_signed_query(sha256_key, "www.example.com.", LDNS_RR_TYPE_A);
        Reply reply = ask_with(query, &p);
        REQUIRE(reply.pkt);
        CHECK(reply.rcode() == LDNS_RCODE_NOERROR);
        CHECK(reply.aa());
        CHECK(reply.answer.size() == 2);
        CHECK(tsig_of(reply).error == 0);
        CHECK(ldns_verifies_answer(reply, query));
    }

    TEST_CASE("a signed answer that would not fit with its TSIG is truncated, signed, within the client's size") {
        ZoneSet zones = load_example_zone("answer/example.zone");
        Published p;
        p.state = p.tracker.advance(transfer_config({}), zones, nullptr);
        const AnswerOptions options{.edns_udp_size = 4096};
        // The client offers a few bytes more than the unsigned answer needs: not enough for the TSIG.
        Packet unsigned_big = unsigned_query("big.example.com.", LDNS_RR_TYPE_TXT);
        ldns_pkt_set_edns_udp_size(unsigned_big.get(), 4096);
        Reply whole = ask_with(wire_of(unsigned_big.get()), &p, Transport::udp, zones, options);
        REQUIRE(whole.pkt);
        REQUIRE_FALSE(whole.tc());
        const std::size_t client_size = whole.wire.size() + 20;

        Packet signed_big = unsigned_query("big.example.com.", LDNS_RR_TYPE_TXT);
        ldns_pkt_set_edns_udp_size(signed_big.get(), static_cast<std::uint16_t>(client_size));
        REQUIRE(ldns_pkt_tsig_sign(signed_big.get(), sha256_key.name, sha256_key.secret, 300, sha256_key.algorithm,
                                   nullptr) == LDNS_STATUS_OK);
        auto query = wire_of(signed_big.get());
        Reply reply = ask_with(query, &p, Transport::udp, zones, options);
        REQUIRE(reply.pkt);
        CHECK(reply.tc());
        CHECK(reply.wire.size() <= client_size);
        CHECK(ldns_verifies_answer(reply, query));
    }

    TEST_CASE("a key we do not know: NOTAUTH with BADKEY, unsigned") {
        Published p = published(TransferView::filtered);
        const SharedKey other{"other.example.", "hmac-sha256.", sha256_key.secret};
        Reply reply = ask_with(ldns_signed_query(other), &p);
        REQUIRE(reply.pkt);
        CHECK(reply.rcode() == LDNS_RCODE_NOTAUTH);
        CHECK(reply.answer.empty());
        CHECK(tsig_of(reply).error == tsig_error::badkey);
        CHECK(tsig_of(reply).mac_size == 0);
    }

    TEST_CASE("no TransferState at all: every signed query is BADKEY") {
        Reply reply = ask_with(ldns_signed_query(sha256_key), nullptr);
        REQUIRE(reply.pkt);
        CHECK(reply.rcode() == LDNS_RCODE_NOTAUTH);
        CHECK(tsig_of(reply).error == tsig_error::badkey);
    }

    TEST_CASE("a wrong MAC: NOTAUTH with BADSIG, unsigned") {
        Published p = published(TransferView::filtered);
        Reply reply = ask_with(with_bad_mac(ldns_signed_query(sha256_key)), &p);
        REQUIRE(reply.pkt);
        CHECK(reply.rcode() == LDNS_RCODE_NOTAUTH);
        CHECK(reply.answer.empty());
        CHECK(tsig_of(reply).error == tsig_error::badsig);
        CHECK(tsig_of(reply).mac_size == 0);
    }

    TEST_CASE("a time further than the fudge from ours: NOTAUTH with BADTIME, signed") {
        Published p = published(TransferView::filtered);
        auto query = ldns_signed_query(sha256_key);
        const AnswerOptions an_hour_late{.wall_seconds = [] { return wall_clock() + 3600; }};
        Reply reply = ask_with(query, &p, Transport::udp, health_zones(), an_hour_late);
        REQUIRE(reply.pkt);
        CHECK(reply.rcode() == LDNS_RCODE_NOTAUTH);
        CHECK(tsig_of(reply).error == tsig_error::badtime);
        CHECK(ldns_verifies_answer(reply, query));
    }

    TEST_CASE("a TSIG that is not the last record: FORMERR") {
        Published p = published(TransferView::filtered);
        Packet pkt = unsigned_query();
        REQUIRE(ldns_pkt_tsig_sign(pkt.get(), sha256_key.name, sha256_key.secret, 300, sha256_key.algorithm,
                                   nullptr) == LDNS_STATUS_OK);
        // Move the TSIG ahead of another additional record (the packet owns it again once pushed).
        ldns_rr* tsig = ldns_pkt_tsig(pkt.get());
        ldns_pkt_set_tsig(pkt.get(), nullptr);
        ldns_rr* a = nullptr;
        REQUIRE(ldns_rr_new_frm_str(&a, "x.example.com. 0 IN A 192.0.2.9", 0, nullptr, nullptr) == LDNS_STATUS_OK);
        ldns_pkt_push_rr(pkt.get(), LDNS_SECTION_ADDITIONAL, tsig);
        ldns_pkt_push_rr(pkt.get(), LDNS_SECTION_ADDITIONAL, a);
        Reply reply = ask_with(wire_of(pkt.get()), &p);
        REQUIRE(reply.pkt);
        CHECK(reply.rcode() == LDNS_RCODE_FORMERR);
    }

    TEST_CASE("IXFR over UDP from an allowed client: AA and the view's SOA alone") {
        SUBCASE("filtered: the tracker's serial") {
            Published p = after_health_change(TransferView::filtered);
            Reply reply = ask_with(make_query("example.com.", IXFR), &p);
            REQUIRE(reply.pkt);
            CHECK(reply.rcode() == LDNS_RCODE_NOERROR);
            CHECK(reply.aa());
            CHECK(reply.answer == Lines{soa_line(3600, file_serial + 1)});
        }
        SUBCASE("raw: the file's") {
            Published p = after_health_change(TransferView::raw);
            Reply reply = ask_with(make_query("example.com.", IXFR), &p);
            REQUIRE(reply.pkt);
            CHECK(reply.aa());
            CHECK(reply.answer == Lines{soa_line(3600, file_serial)});
        }
    }

    TEST_CASE("IXFR over UDP from a client no rule allows: REFUSED with EDE 18") {
        Published p;
        p.publish(transfer_config({transfer_rule("198.51.100.0/24", TransferView::filtered)}), all_up());
        Reply reply = ask_with(make_query("example.com.", IXFR, {.edns = true}), &p);
        REQUIRE(reply.pkt);
        CHECK(reply.rcode() == LDNS_RCODE_REFUSED);
        CHECK(reply.answer.empty());
        CHECK(extended_error(reply).starts_with("18"));
    }

    TEST_CASE("AXFR over UDP: NOTIMP, even from an allowed client") {
        Published p = published(TransferView::filtered);
        Reply reply = ask_with(make_query("example.com.", AXFR), &p);
        REQUIRE(reply.pkt);
        CHECK(reply.rcode() == LDNS_RCODE_NOTIMPL);
        CHECK(reply.answer.empty());
    }

    TEST_CASE("a zone some rule transfers filtered answers with the filtered serial") {
        Published p = after_health_change(TransferView::filtered);
        CHECK(ask_with(make_query("example.com.", SOA), &p).answer == Lines{soa_line(3600, file_serial + 1)});
        SUBCASE("NXDOMAIN keeps the negative TTL") {
            Reply reply = ask_with(make_query("nosuch.example.com.", A), &p);
            CHECK(reply.rcode() == LDNS_RCODE_NXDOMAIN);
            CHECK(reply.authority == Lines{soa_line(300, file_serial + 1)});
        }
        SUBCASE("NODATA keeps the negative TTL") {
            Reply reply = ask_with(make_query("www.example.com.", TXT), &p);
            CHECK(reply.rcode() == LDNS_RCODE_NOERROR);
            CHECK(reply.answer.empty());
            CHECK(reply.authority == Lines{soa_line(300, file_serial + 1)});
        }
    }

    TEST_CASE("a zone with only raw rules answers the file's serial") {
        Published p = after_health_change(TransferView::raw);
        CHECK(ask_with(make_query("example.com.", SOA), &p).answer == Lines{soa_line(3600, file_serial)});
        CHECK(ask_with(make_query("nosuch.example.com.", A), &p).authority == Lines{soa_line(300, file_serial)});
    }
}
