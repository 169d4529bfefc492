// AXFR and IXFR responses as messages (transfer_messages.hpp), each parsed
// back by ldns: headers, the question in the first message only, owner
// compression, size limits with a TSIG reservation, and the record
// sequences of RFC 5936 and RFC 1995.
#include "transfer_messages.hpp"

#include <cstdio>

#include "transfer_test_support.hpp"
#include "zone_diff.hpp"
#include "zone_test_support.hpp"

using namespace azdns;
using namespace azdns::transfer_test;
using namespace azdns::health_test;

namespace {

const Zone& health_zone() { return *health_zones().find(wire_name("example.com.")); }

std::string soa_line(std::uint32_t serial) {
    return "example.com. 3600 IN SOA ns1.example.com. hostmaster.example.com. " + std::to_string(serial) +
           " 7200 3600 1209600 300";
}

Lines axfr_lines(const Zone& zone, const HealthView* view, std::uint32_t serial) {
    Lines lines = view_lines(zone, view, serial);
    lines.push_back(lines.front());
    return lines;
}

// A zone with one TXT record of about `size` bytes, beside small ones.
std::shared_ptr<const Zone> zone_with_big_txt(std::size_t size) {
    std::string text = "@ SOA ns1 hostmaster 1 7200 3600 1209600 300\n@ NS ns1\nns1 A 192.0.2.1\nbig TXT";
    for (std::size_t i = 0; i < (size + 255) / 256; ++i) text += " \"" + std::string(255, 'b') + "\"";
    text += "\nz A 192.0.2.2\n";
    std::string report;
    auto zone = test::build(text, report);
    REQUIRE_MESSAGE(zone, report);
    return zone;
}

// Three views of the health zone, serials 10, 11 and 12, and their journal.
struct HealthHistory {
    std::shared_ptr<const HealthView> views[3] = {view_of(Health{}), view_of(Health{}.fence("b")),
                                                  view_of(Health{}.fence("a"))};
    IxfrJournal journal;
    HealthHistory() {
        for (std::uint32_t step = 0; step < 2; ++step) {
            journal.add(SoaRecord(health_zone(), 10 + step), SoaRecord(health_zone(), 11 + step),
                        diff_views(health_zone(), views[step].get(), health_zone(), views[step + 1].get()));
        }
    }
};

}  // namespace

TEST_SUITE("transfer messages") {
    TEST_CASE("AXFR: SOA, every record, SOA, in messages within the limit minus the TSIG room") {
        QueryOptions options;
        options.id = 0xBEEF;
        options.rd = true;
        ReadQuery q("example.com.", AXFR, options);
        auto view = view_of(Health{}.fence("b"));
        auto axfr = TransferMessages::axfr(q.query, health_zone(), view.get(), 77, {512, 100});
        CHECK(axfr.kind() == TransferMessages::Kind::axfr);
        Transfer t = run(axfr);
        CHECK_FALSE(axfr.failed());
        CHECK(t.records == axfr_lines(health_zone(), view.get(), 77));
        REQUIRE(t.messages.size() > 1);
        for (std::size_t i = 0; i < t.messages.size(); ++i) {
            ldns_pkt* pkt = t.messages[i].pkt.get();
            CHECK(t.wires[i].size() <= 512 - 100);
            CHECK(ldns_pkt_id(pkt) == 0xBEEF);
            CHECK(ldns_pkt_qr(pkt));
            CHECK(ldns_pkt_aa(pkt));
            CHECK(ldns_pkt_rd(pkt));
            CHECK_FALSE(ldns_pkt_tc(pkt));
            CHECK(ldns_pkt_get_opcode(pkt) == LDNS_PACKET_QUERY);
            CHECK(ldns_pkt_get_rcode(pkt) == LDNS_RCODE_NOERROR);
            CHECK(ldns_pkt_nscount(pkt) == 0);
            CHECK(ldns_pkt_arcount(pkt) == 0);
            // RFC 5936 section 2.2.1: the question in the first message only.
            CHECK(ldns_pkt_qdcount(pkt) == (i == 0 ? 1 : 0));
        }
        CHECK(section(ldns_pkt_question(t.messages[0].pkt.get())) == Lines{"example.com. IN AXFR"});
    }

    TEST_CASE("owners are compressed: against the question's name, then against the origin written once") {
        ReadQuery q("example.com.", AXFR);
        auto axfr = TransferMessages::axfr(q.query, health_zone(), nullptr, 1, {300, 0});
        Transfer t = run(axfr);
        REQUIRE(t.messages.size() >= 2);
        CHECK(t.records == axfr_lines(health_zone(), nullptr, 1));
        // First message: the SOA's owner is the apex, a pointer to the question (offset 12).
        const std::size_t first_rr = header_size + wire_name("example.com.").size() + 4;
        CHECK(t.wires[0][first_rr] == 0xC0);
        CHECK(t.wires[0][first_rr + 1] == 12);
        // Later messages have no question: the first owner carries the origin in full.
        const std::vector<std::uint8_t>& second = t.wires[1];
        const std::string first_owner = wire_name(t.messages[1].answer[0].substr(0, t.messages[1].answer[0].find(' ')).c_str());
        CHECK(std::string(second.begin() + header_size, second.begin() + header_size + first_owner.size()) ==
              first_owner);
        // Every owner after it is its own labels and a two-byte pointer: the
        // message is smaller than its records written out in full.
        std::size_t uncompressed = header_size;
        for (std::size_t i = 0; i < ldns_pkt_ancount(t.messages[1].pkt.get()); ++i) {
            uncompressed += ldns_rr_uncompressed_size(ldns_rr_list_rr(ldns_pkt_answer(t.messages[1].pkt.get()), i));
        }
        CHECK(second.size() < uncompressed);
    }

    TEST_CASE("the AXFR of a zone file's zone holds what ldns reads from that file") {
        const std::string path = std::string(AZDNS_TEST_DATA_DIR) + "/answer/example.zone";
        FILE* file = std::fopen(path.c_str(), "r");
        REQUIRE(file != nullptr);
        ldns_zone* read = nullptr;
        ldns_rdf* origin = ldns_dname_new_frm_str("example.com.");
        ldns_status status = ldns_zone_new_frm_fp(&read, file, origin, 3600, LDNS_RR_CLASS_IN);
        std::fclose(file);
        ldns_rdf_deep_free(origin);
        REQUIRE(status == LDNS_STATUS_OK);
        Lines expected{rr_text(ldns_zone_soa(read))};
        for (const std::string& line : section(ldns_zone_rrs(read))) expected.push_back(line);
        ldns_zone_deep_free(read);

        const Zone& zone = *zones().find(wire_name("example.com."));
        ReadQuery q("example.com.", AXFR);
        auto axfr = TransferMessages::axfr(q.query, zone, nullptr, zone.serial());
        Transfer t = run(axfr);
        REQUIRE(t.records.size() == expected.size() + 1);
        CHECK(t.records.front() == t.records.back());
        CHECK(t.records.front() == expected.front());
        t.records.pop_back();
        CHECK(sorted(t.records) == sorted(expected));
    }

    TEST_CASE("a record too big for a message with the TSIG room goes alone; one too big for any fails") {
        auto zone = zone_with_big_txt(1000);
        ReadQuery q("example.com.", AXFR);
        auto axfr = TransferMessages::axfr(q.query, *zone, nullptr, 1, {1200, 300});
        Transfer t = run(axfr);
        CHECK_FALSE(axfr.failed());
        CHECK(t.records == axfr_lines(*zone, nullptr, 1));
        int alone = 0;
        for (std::size_t i = 0; i < t.messages.size(); ++i) {
            if (t.wires[i].size() <= 900) continue;
            ++alone;
            CHECK(t.wires[i].size() <= 1200);
            CHECK(t.messages[i].answer.size() == 1);
            CHECK(t.messages[i].answer[0].starts_with("big.example.com. 3600 IN TXT"));
        }
        CHECK(alone == 1);

        auto too_small = TransferMessages::axfr(q.query, *zone, nullptr, 1, {900, 0});
        Transfer cut = run(too_small);
        CHECK(too_small.failed());
        CHECK(cut.records.size() == 3);  // SOA, NS, A: then the TXT cannot go
        std::vector<std::uint8_t> buffer(900);
        CHECK(too_small.next_message(buffer) == 0);
    }

    TEST_CASE("IXFR from the current serial, or a newer one: the single current SOA") {
        HealthHistory h;
        ReadQuery q("example.com.", IXFR);
        for (std::uint32_t client : {12u, 13u, 12u + 0x7FFFFFFFu}) {
            auto ixfr = TransferMessages::ixfr(q.query, health_zone(), h.views[2].get(), 12, client, h.journal);
            CHECK(ixfr.kind() == TransferMessages::Kind::up_to_date);
            Transfer t = run(ixfr);
            REQUIRE(t.messages.size() == 1);
            CHECK(t.records == Lines{soa_line(12)});
            CHECK(section(ldns_pkt_question(t.messages[0].pkt.get())) == Lines{"example.com. IN IXFR"});
        }
    }

    TEST_CASE("IXFR from a serial in the journal: each step's old SOA, removals, new SOA, additions") {
        HealthHistory h;
        ReadQuery q("example.com.", IXFR);
        auto ixfr = TransferMessages::ixfr(q.query, health_zone(), h.views[2].get(), 12, 11, h.journal);
        CHECK(ixfr.kind() == TransferMessages::Kind::incremental);
        Transfer t = run(ixfr, 65535);
        ZoneDelta step = diff_views(health_zone(), h.views[1].get(), health_zone(), h.views[2].get());
        Lines expected{soa_line(12), soa_line(11)};
        for (const std::string& line : list_lines(step.removed)) expected.push_back(line);
        expected.push_back(soa_line(12));
        for (const std::string& line : list_lines(step.added)) expected.push_back(line);
        expected.push_back(soa_line(12));
        CHECK(t.records == expected);
        CHECK(t.records.size() > 5);

        // Two steps, in small messages: applied to the view at 10, they make the view at 12.
        auto two = TransferMessages::ixfr(q.query, health_zone(), h.views[2].get(), 12, 10, h.journal, {256, 0});
        Transfer t2 = run(two);
        REQUIRE(t2.messages.size() > 1);
        REQUIRE(t2.records.size() > 4);
        CHECK(t2.records.front() == soa_line(12));
        CHECK(t2.records.back() == soa_line(12));
        CHECK(t2.records[1] == soa_line(10));
        Lines contents = view_lines(health_zone(), h.views[0].get(), 10);
        contents.erase(contents.begin());
        bool removing = true;
        int soas = 0;
        for (std::size_t i = 1; i + 1 < t2.records.size(); ++i) {
            const std::string& line = t2.records[i];
            if (line.find(" IN SOA ") != std::string::npos) {
                removing = ++soas % 2 == 1;  // an old SOA opens removals, a new one additions
                continue;
            }
            if (removing) {
                auto at = std::find(contents.begin(), contents.end(), line);
                REQUIRE_MESSAGE(at != contents.end(), line);
                contents.erase(at);
            } else {
                contents.push_back(line);
            }
        }
        CHECK(soas == 4);
        Lines now = view_lines(health_zone(), h.views[2].get(), 12);
        now.erase(now.begin());
        CHECK(sorted(contents) == sorted(now));
    }

    TEST_CASE("IXFR: a step that changed nothing is its two SOAs alone") {
        IxfrJournal journal;
        journal.add(SoaRecord(health_zone(), 3), SoaRecord(health_zone(), 4), ZoneDelta{});
        ReadQuery q("example.com.", IXFR);
        auto ixfr = TransferMessages::ixfr(q.query, health_zone(), nullptr, 4, 3, journal);
        CHECK(run(ixfr).records == Lines{soa_line(4), soa_line(3), soa_line(4), soa_line(4)});
    }

    TEST_CASE("IXFR from a serial the journal does not reach: the whole zone, as AXFR sends it") {
        HealthHistory h;
        ReadQuery q("example.com.", IXFR);
        for (std::uint32_t client : {9u, 1u, 12u + 0x80000000u}) {
            auto ixfr = TransferMessages::ixfr(q.query, health_zone(), h.views[2].get(), 12, client, h.journal);
            CHECK(ixfr.kind() == TransferMessages::Kind::axfr);
            CHECK(run(ixfr).records == axfr_lines(health_zone(), h.views[2].get(), 12));
        }
        // A journal that ends elsewhere than the serial served is not used.
        auto ahead = TransferMessages::ixfr(q.query, health_zone(), h.views[2].get(), 13, 10, h.journal);
        CHECK(ahead.kind() == TransferMessages::Kind::axfr);
    }
}
