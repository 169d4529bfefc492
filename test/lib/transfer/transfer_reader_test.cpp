// Reading transfers in (transfer_reader.hpp): AXFR and IXFR streams made by
// TransferMessages and by ldns read back into the records they carry, and
// every kind of bad stream refused with its reason.
#include "transfer_reader.hpp"

#include <algorithm>
#include <fstream>

#include "temp_dir.hpp"
#include "transfer_in_test_support.hpp"
#include "zone_diff.hpp"
#include "zone_file.hpp"
#include "zone_test_support.hpp"

using namespace azdns;
using namespace azdns::transfer_in_test;
using namespace azdns::health_test;

namespace {

const Zone& example_zone() { return *zones().find(wire_name("example.com.")); }
const Zone& health_zone() { return *health_zones().find(wire_name("example.com.")); }

std::vector<std::vector<std::uint8_t>> axfr_messages(const Zone& zone, std::uint32_t serial,
                                                     TransferLimits limits = {512, 0}) {
    ReadQuery q("example.com.", AXFR);
    auto axfr = TransferMessages::axfr(q.query, zone, nullptr, serial, limits);
    return run(axfr).wires;
}

// A zone of every common type over many names, so its AXFR takes many messages.
std::shared_ptr<const Zone> generated_zone() {
    std::string text = "@ SOA ns1 hostmaster 7 7200 3600 1209600 300\n@ NS ns1\nns1 A 192.0.2.1\n"
                       "@ MX 10 mail\nmail A 192.0.2.25\nsub NS ns.sub\nns.sub A 192.0.2.53\n";
    for (int i = 0; i < 400; ++i) {
        const std::string host = "h" + std::to_string(i);
        text += host + " A 10.0." + std::to_string(i / 256) + "." + std::to_string(i % 256) + "\n";
        text += host + " AAAA 2001:db8::" + std::to_string(i) + "\n";
        text += host + " MX " + std::to_string(i % 50) + " mail\n";
        text += host + " TXT \"v=spf1 -all\" \"" + host + "\"\n";
        text += "_sip._tcp." + host + " SRV 1 2 5060 " + host + "\n";
        text += "alias" + std::to_string(i) + " CNAME " + host + "\n";
    }
    std::string report;
    auto zone = test::build(text, report);
    REQUIRE_MESSAGE(zone, report);
    return zone;
}

std::string read_error(const std::vector<std::vector<std::uint8_t>>& messages, TransferQuestion question = asked(AXFR),
                       TransferReadLimits limits = {}) {
    TransferReader reader(std::move(question), limits);
    for (const auto& message : messages) {
        if (!reader.add_message(message)) {
            CHECK(reader.failed());
            CHECK(reader.finish().error == reader.error());
            return reader.error();
        }
    }
    TransferContent content = reader.finish();
    CHECK(content.zone.empty());
    return content.error;
}

const std::vector<std::string> small_zone = {soa(10), "example.com. 3600 IN NS ns1.example.com.",
                                             "ns1.example.com. 3600 IN A 192.0.2.1"};

std::vector<std::string> with(std::vector<std::string> records, const std::vector<std::string>& more) {
    records.insert(records.end(), more.begin(), more.end());
    return records;
}

// `message` with one more additional record: owner the root, `rdata_size` zero bytes.
std::vector<std::uint8_t> with_additional(std::vector<std::uint8_t> message, std::uint16_t type,
                                          std::uint16_t rdata_size) {
    message.push_back(0);
    put16(message, type);
    put16(message, type == 250 ? 255 : IN);  // TSIG: class ANY
    put16(message, 0);
    put16(message, 0);
    put16(message, rdata_size);
    message.resize(message.size() + rdata_size);
    message[11] = static_cast<std::uint8_t>(message[11] + 1);  // ARCOUNT, below 256 here
    return message;
}

bool contains(const std::vector<std::uint8_t>& bytes, const std::vector<std::uint8_t>& part) {
    return std::search(bytes.begin(), bytes.end(), part.begin(), part.end()) != bytes.end();
}

}  // namespace

TEST_SUITE("transfer reader") {
    TEST_CASE("an AXFR of example.zone, read back and built, is the same zone") {
        const auto messages = axfr_messages(example_zone(), example_zone().serial());
        REQUIRE(messages.size() > 1);
        TransferReader reader(asked(AXFR));
        TransferContent content = read_all(reader, messages);
        CHECK(reader.complete());
        CHECK(content.kind == TransferContent::Kind::axfr);
        CHECK(content.serial == example_zone().serial());
        auto zone = built(std::move(content.zone));
        CHECK(view_lines(*zone, nullptr, 1) == view_lines(example_zone(), nullptr, 1));
    }

    TEST_CASE("an AXFR of a generated zone of many messages is the same zone") {
        auto original = generated_zone();
        const auto messages = axfr_messages(*original, 7, {4096, 0});
        REQUIRE(messages.size() > 10);
        TransferReader reader(asked(AXFR));
        auto zone = built(read_all(reader, messages).zone);
        CHECK(view_lines(*zone, nullptr, 7) == view_lines(*original, nullptr, 7));
    }

    TEST_CASE("names compressed in RDATA read back as the zone-file reader stores them") {
        const std::vector<std::string> lines = {
            soa(3), "example.com. 3600 IN NS ns1.example.com.", "ns1.example.com. 3600 IN A 192.0.2.1",
            "example.com. 3600 IN MX 10 mail.example.com.", "example.com. 3600 IN MX 20 MX.Other.NET.",
            "WWW.example.com. 3600 IN CNAME example.com.", "1.example.com. 3600 IN PTR ns1.example.com.",
            "_x._tcp.example.com. 3600 IN SRV 1 2 3 ns1.example.com.", "example.com. 3600 IN TXT \"a b\""};
        const auto message = ldns_message(with(lines, {soa(3)}));
        // "mail" then a pointer: the MX's name is compressed (no owner is mail.example.com.).
        REQUIRE(contains(message, {4, 'm', 'a', 'i', 'l', 0xC0}));

        azdns::testing::TempDir dir("azdns-transfer-reader");
        const std::string path = (dir.path / "example.com.zone").string();
        {
            std::ofstream file(path);
            for (const std::string& line : lines) file << line << "\n";
        }
        Diagnostics diags;
        ZoneRecords from_file = read_zone_file(path, wire_name("example.com."), SourceLocation{}, diags);
        REQUIRE_FALSE(diags.has_errors());

        TransferReader reader(asked(AXFR));
        TransferContent content = read_all(reader, {message});
        REQUIRE(content.zone.size() == from_file.size());
        for (std::size_t i = 0; i < from_file.size(); ++i) {
            CAPTURE(lines[i]);
            CHECK(content.zone.owner(i) == from_file.owner(i));
            CHECK(content.zone.type(i) == from_file.type(i));
            CHECK(content.zone.ttl(i) == from_file.ttl(i));
            CHECK(content.zone.rdata(i) == from_file.rdata(i));
        }
    }

    TEST_CASE("each record says where it came from: the primary, the message and the record") {
        const auto message =
            ldns_message(with(small_zone, {"www.example.com. 3600 IN CNAME ns1.example.com.",
                                           "www.example.com. 3600 IN A 192.0.2.2", soa(10)}));
        TransferReader reader(asked(AXFR));
        Diagnostics diags;
        auto zone = build_zone(wire_name("example.com."), read_all(reader, {message}).zone, SourceLocation{}, diags);
        CHECK(zone == nullptr);
        REQUIRE(diags.has_errors());
        CHECK(diags.all().front().to_string().rfind("AXFR from 198.51.100.1:53:1:", 0) == 0);
    }

    TEST_CASE("IXFR: a journal's steps read back as steps, the SOAs first in each list") {
        auto views = std::vector{view_of(Health{}), view_of(Health{}.fence("b")), view_of(Health{}.fence("a"))};
        IxfrJournal journal;
        for (std::uint32_t step = 0; step < 2; ++step) {
            journal.add(SoaRecord(health_zone(), 10 + step), SoaRecord(health_zone(), 11 + step),
                        diff_views(health_zone(), views[step].get(), health_zone(), views[step + 1].get()));
        }
        ReadQuery q("example.com.", IXFR);
        auto ixfr = TransferMessages::ixfr(q.query, health_zone(), views[2].get(), 12, 10, journal, {512, 0});
        REQUIRE(ixfr.kind() == TransferMessages::Kind::incremental);
        TransferReader reader(asked(IXFR));
        TransferContent content = read_all(reader, run(ixfr).wires);
        CHECK(content.kind == TransferContent::Kind::incremental);
        CHECK(content.serial == 12);
        CHECK(content.zone.empty());
        REQUIRE(content.steps.size() == 2);
        for (std::uint32_t step = 0; step < 2; ++step) {
            CHECK(soa_rdata_serial(content.steps[step].removed.rdata(0)) == 10 + step);
            CHECK(soa_rdata_serial(content.steps[step].added.rdata(0)) == 11 + step);
            CHECK(content.steps[step].removed.size() > 1);
        }

        IxfrApplied applied = apply_ixfr(records_of(health_zone(), views[0].get(), 10), content.steps);
        REQUIRE_MESSAGE(applied.error.empty(), applied.error);
        auto zone = built(std::move(applied.zone));
        CHECK(sorted(view_lines(*zone, nullptr, 12)) == sorted(view_lines(health_zone(), views[2].get(), 12)));
    }

    TEST_CASE("IXFR: the single SOA is up to date; the whole zone is AXFR's shape") {
        IxfrJournal journal;
        ReadQuery q("example.com.", IXFR);
        auto up_to_date = TransferMessages::ixfr(q.query, health_zone(), nullptr, 12, 12, journal);
        TransferReader first(asked(IXFR));
        TransferContent content = read_all(first, run(up_to_date).wires);
        CHECK(content.kind == TransferContent::Kind::up_to_date);
        CHECK(content.serial == 12);

        auto whole = TransferMessages::ixfr(q.query, health_zone(), nullptr, 12, 5, journal, {512, 0});
        TransferReader second(asked(IXFR));
        content = read_all(second, run(whole).wires);
        CHECK(content.kind == TransferContent::Kind::axfr);
        auto zone = built(std::move(content.zone));
        CHECK(view_lines(*zone, nullptr, 12) == view_lines(health_zone(), nullptr, 12));
    }

    TEST_CASE("a bad header is refused with what is wrong") {
        auto messages = axfr_messages(health_zone(), 1);
        REQUIRE(messages.size() > 1);
        CHECK(read_error(messages, asked(AXFR, query_id + 1)) ==
              "AXFR from 198.51.100.1:53: message 1: ID 4660, the query's is 4661");

        auto notauth = messages;
        notauth[0][3] = static_cast<std::uint8_t>((notauth[0][3] & 0xF0) | 9);
        CHECK(read_error(notauth) == "AXFR from 198.51.100.1:53: message 1: the primary answered NOTAUTH");

        auto truncated = messages;
        truncated[1][2] |= 0x02;
        CHECK(read_error(truncated) ==
              "AXFR from 198.51.100.1:53: message 2: truncated (TC=1): a transfer is never truncated");

        auto query = messages;
        query[0][2] &= 0x7F;
        CHECK(read_error(query) == "AXFR from 198.51.100.1:53: message 1: not a response (QR=0)");

        CHECK(read_error({ldns_message(with(small_zone, {soa(10)}), AXFR, "example.org.")}).find("not the one asked") !=
              std::string::npos);
        CHECK(read_error({ldns_message(with(small_zone, {soa(10)}), IXFR)}).find("not the one asked") !=
              std::string::npos);
    }

    TEST_CASE("authority and additional records are walked: a TSIG's place is kept, bytes after the last refused") {
        const auto message = ldns_message(with(small_zone, {soa(10)}));
        TransferReader reader(asked(AXFR));
        CHECK(reader.add_message(with_additional(message, 250, 30)));
        CHECK(reader.last_tsig_offset() == message.size());
        CHECK(reader.complete());

        CHECK(read_error({with_additional(with_additional(message, 250, 30), TXT, 4)}) ==
              "AXFR from 198.51.100.1:53: message 1: a TSIG record that is not the last");
        auto trailing = message;
        trailing.push_back(0);
        CHECK(read_error({trailing}) == "AXFR from 198.51.100.1:53: message 1: bytes after the last record");
        TransferReader other_additional(asked(AXFR));
        CHECK(other_additional.add_message(with_additional(message, TXT, 40)));
        CHECK(other_additional.last_tsig_offset() == 0);
        CHECK(other_additional.complete());
    }

    TEST_CASE("a stream of the wrong shape is refused") {
        CHECK(read_error({ldns_message({"example.com. 3600 IN NS ns1.example.com.", soa(10), soa(10)})}) ==
              "AXFR from 198.51.100.1:53: message 1: record 1: the first record is not the zone's SOA");
        CHECK(read_error({ldns_message(with(small_zone, {soa(11)}))}) ==
              "AXFR from 198.51.100.1:53: message 1: record 4: the closing SOA (serial 11) differs from the first "
              "(serial 10)");
        CHECK(read_error({ldns_message(with(small_zone, {soa(10), "www.example.com. 3600 IN A 192.0.2.2"}))}) ==
              "AXFR from 198.51.100.1:53: message 1: record 5: a record after the closing SOA");
        CHECK(read_error({ldns_message(with(small_zone, {soa(10)})), ldns_message(small_zone)}) ==
              "AXFR from 198.51.100.1:53: message 2: a message after the closing SOA");
        CHECK(read_error({ldns_message(with(small_zone, {"sub.example.com. 3600 IN SOA a. b. 1 2 3 4 5", soa(10)}))})
                  .find("record 4: a SOA for sub.example.com., not the zone's origin") != std::string::npos);
    }

    TEST_CASE("the closing SOA may differ from the first in the letter case of its names only") {
        const std::string upper =
            "example.com. 3600 IN SOA NS1.example.COM. hostmaster.EXAMPLE.com. 10 7200 3600 1209600 300";
        // In a message of its own, so that its names are not compressed against the first SOA's.
        TransferReader reader(asked(AXFR));
        CHECK(read_all(reader, {ldns_message(small_zone), ldns_message({upper})}).error.empty());
        CHECK(read_error({ldns_message(with(small_zone, {"example.com. 3600 IN SOA ns1.example.com. "
                                                         "hostmaster.example.com. 10 7200 3600 1209600 301"}))})
                  .find("differs from the first") != std::string::npos);
    }

    TEST_CASE("a stream that ends before its closing SOA is an error at finish()") {
        auto messages = axfr_messages(health_zone(), 1);
        messages.pop_back();
        TransferReader reader(asked(AXFR));
        for (const auto& message : messages) CHECK(reader.add_message(message));
        CHECK_FALSE(reader.complete());
        TransferContent content = reader.finish();
        CHECK(content.error.find("the stream ended before its closing SOA") != std::string::npos);
        CHECK(content.zone.empty());
    }

    TEST_CASE("records outside the zone, of another class, or of a meta type are refused") {
        CHECK(read_error({ldns_message(with(small_zone, {"www.example.org. 3600 IN A 192.0.2.2", soa(10)}))}) ==
              "AXFR from 198.51.100.1:53: message 1: record 4: www.example.org. is outside the zone example.com.");
        CHECK(read_error({ldns_message(with(small_zone, {"www.example.com. 3600 CH TXT \"x\"", soa(10)}))}) ==
              "AXFR from 198.51.100.1:53: message 1: record 4: class CH; only IN");
        CHECK(read_error({ldns_message(with(small_zone, {"www.example.com. 0 IN TYPE251 \\# 0", soa(10)}))})
                  .find("record 4: type 251 is a query or meta type") != std::string::npos);
    }

    TEST_CASE("an address of the wrong size is refused: A is 4 bytes, AAAA 16, as in a zone file") {
        // ldns writes no A of 3 bytes: a private type's record is written, then its TYPE changed.
        const auto with_type = [](const char* rdata, std::uint16_t type) {
            auto message = ldns_message(with(small_zone, {std::string("www.example.com. 3600 IN TYPE65280 ") + rdata, soa(10)}));
            const std::uint8_t private_type[] = {0xFF, 0x00, 0x00, 0x01};  // TYPE65280, class IN
            auto at = std::search(message.begin(), message.end(), std::begin(private_type), std::end(private_type));
            REQUIRE(at != message.end());
            at[0] = static_cast<std::uint8_t>(type >> 8);
            at[1] = static_cast<std::uint8_t>(type);
            return message;
        };
        CHECK(read_error({with_type("\\# 3 c00002", A)}) ==
              "AXFR from 198.51.100.1:53: message 1: record 4: malformed RDATA");
        CHECK(read_error({with_type("\\# 4 20010db8", AAAA)}) ==
              "AXFR from 198.51.100.1:53: message 1: record 4: malformed RDATA");
    }

    TEST_CASE("RDATA that does not fit its type is refused at its record, as a zone file's would be") {
        // As above: written as a private type, then given the type it claims to be.
        const auto with_type = [](const char* rdata, std::uint16_t type) {
            auto message = ldns_message(with(small_zone, {std::string("www.example.com. 3600 IN TYPE65280 ") + rdata, soa(10)}));
            const std::uint8_t private_type[] = {0xFF, 0x00, 0x00, 0x01};
            auto at = std::search(message.begin(), message.end(), std::begin(private_type), std::end(private_type));
            REQUIRE(at != message.end());
            at[0] = static_cast<std::uint8_t>(type >> 8);
            at[1] = static_cast<std::uint8_t>(type);
            return message;
        };
        constexpr std::uint16_t TXT = 16, SSHFP = 44, CAA = 257;
        // A TXT string whose length byte says 9 bytes where 3 follow.
        CHECK(read_error({with_type("\\# 4 09616263", TXT)}) ==
              "AXFR from 198.51.100.1:53: message 1: record 4: RDATA does not fit TXT: a field runs past its end");
        // SSHFP needs algorithm, type and fingerprint: one byte is not one.
        CHECK(read_error({with_type("\\# 1 01", SSHFP)}) ==
              "AXFR from 198.51.100.1:53: message 1: record 4: RDATA does not fit SSHFP: 1 of its 3 fields");
        // A CAA whose tag length passes the RDATA.
        CHECK(read_error({with_type("\\# 3 00ff61", CAA)}).find("record 4: RDATA does not fit CAA") != std::string::npos);
        // Whole ones of the same types pass.
        for (const auto& [rdata, type] : {std::pair{"\\# 4 03616263", TXT}, std::pair{"\\# 4 01010aff", SSHFP},
                                          std::pair{"\\# 7 00016161626364", CAA}}) {
            TransferReader reader(asked(AXFR));
            CHECK_MESSAGE(reader.add_message(with_type(rdata, type)), rdata);
        }
    }

    TEST_CASE("every cut of a valid message is refused, never read past its end") {
        const std::vector<std::vector<std::uint8_t>> wholes = {
            axfr_messages(health_zone(), 1).front(),
            ldns_message(with(small_zone, {"example.com. 3600 IN MX 10 mail.example.com.", soa(10)}))};
        for (const auto& whole : wholes) {
            for (std::size_t cut = 0; cut < whole.size(); ++cut) {
                // A copy of exactly `cut` bytes: ASan sees any read past it.
                const std::vector<std::uint8_t> part(whole.begin(), whole.begin() + static_cast<std::ptrdiff_t>(cut));
                TransferReader reader(asked(AXFR));
                CAPTURE(cut);
                CHECK_FALSE(reader.add_message(part));
            }
            TransferReader reader(asked(AXFR));
            CHECK(reader.add_message(whole));
        }
    }

    TEST_CASE("a transfer past the record or byte limit is refused") {
        const auto messages = axfr_messages(health_zone(), 1);
        // The zone's records, not the stream's: its SOA comes twice.
        const std::size_t zone_records = health_zone().record_count();
        TransferReadLimits exactly;
        exactly.max_records = zone_records;
        TransferReader whole(asked(AXFR), exactly);
        CHECK(read_all(whole, messages).error.empty());
        TransferReadLimits one_fewer;
        one_fewer.max_records = zone_records - 1;
        CHECK(read_error(messages, asked(AXFR), one_fewer)
                  .find(": more than " + std::to_string(zone_records - 1) + " records (server.max_zone_records)") !=
              std::string::npos);
        TransferReadLimits few_bytes;
        few_bytes.max_bytes = 200;
        CHECK(read_error(messages, asked(AXFR), few_bytes).find("200 bytes, the zone size limit") != std::string::npos);
        // Bytes received count, also those of records the reader does not keep.
        const auto padded = with_additional(ldns_message(with(small_zone, {soa(10)})), TXT, 2000);
        TransferReadLimits under_padding;
        under_padding.max_bytes = 1000;
        CHECK(read_error({padded}, asked(AXFR), under_padding) ==
              "AXFR from 198.51.100.1:53: message 1: the transfer passes 1000 bytes, the zone size limit");
        // Names compressed in the messages count as the records hold them, uncompressed.
        const auto compressed =
            ldns_message(with(small_zone, {"www.example.com. 3600 IN CNAME ns1.example.com.", soa(10)}));
        TransferReadLimits message_size;
        message_size.max_bytes = compressed.size();
        CHECK(read_error({compressed}, asked(AXFR), message_size).find("the records pass") != std::string::npos);
        // Within both limits the same stream is read whole.
        TransferReadLimits enough;
        enough.max_records = 1000;
        enough.max_bytes = 100000;
        TransferReader reader(asked(AXFR), enough);
        CHECK(read_all(reader, messages).error.empty());
    }
}
