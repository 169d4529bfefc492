// Shared by the transfer suites: records and transfer messages turned into
// presentation lines by ldns (an independent reader of the wire format), and
// queries as a server would read them.
#pragma once

#include <algorithm>
#include <string>
#include <vector>

#include "health_test_support.hpp"
#include "query_reader.hpp"
#include "transfer_messages.hpp"
#include "transfer_records.hpp"
#include "zone_test_support.hpp"

namespace azdns::transfer_test {

using namespace azdns::answer_test;

// example.com. built from `text` (test::build), in a ZoneSet of its own,
// with the health test config's views of it.
struct BuiltZone {
    ZoneSet set;
    std::shared_ptr<const Zone> zone;
    explicit BuiltZone(std::string_view text) {
        std::string report;
        zone = test::build(text, report);
        REQUIRE_MESSAGE(zone, report);
        REQUIRE(set.add(zone));
    }
    [[nodiscard]] std::shared_ptr<const HealthView> view(const health_test::Health& health) const {
        return HealthView::build(set, health_test::make_config(), health.snapshot);
    }
};

// One record in presentation form, as ldns reads it from the wire.
inline std::string record_text(const TransferRecord& record) {
    std::vector<std::uint8_t> wire(record.owner.begin(), record.owner.end());
    put16(wire, record.type);
    put16(wire, IN);
    put16(wire, static_cast<std::uint16_t>(record.ttl >> 16));
    put16(wire, static_cast<std::uint16_t>(record.ttl));
    put16(wire, static_cast<std::uint16_t>(record.rdata.size()));
    wire.insert(wire.end(), record.rdata.begin(), record.rdata.end());
    ldns_rr* rr = nullptr;
    std::size_t at = 0;
    REQUIRE(ldns_wire2rr(&rr, wire.data(), wire.size(), &at, LDNS_SECTION_ANSWER) == LDNS_STATUS_OK);
    CHECK(at == wire.size());
    std::string text = rr_text(rr);
    ldns_rr_free(rr);
    return text;
}

inline Lines view_lines(const Zone& zone, const HealthView* view, std::uint32_t serial) {
    Lines lines;
    for_each_record(zone, view, serial, [&](const TransferRecord& r) { lines.push_back(record_text(r)); });
    return lines;
}

inline Lines list_lines(const TransferRecords& records) {
    Lines lines;
    for (std::size_t i = 0; i < records.size(); ++i) lines.push_back(record_text(records[i]));
    return lines;
}

inline Lines sorted(Lines lines) {
    std::sort(lines.begin(), lines.end());
    return lines;
}

// A query read as the server reads it; `packet` outlives `query`'s views.
struct ReadQuery {
    std::vector<std::uint8_t> packet;
    Query query;
    ReadQuery(const char* name, std::uint16_t qtype, const QueryOptions& options = {})
        : packet(make_query(name, qtype, options)) {
        REQUIRE(read_query(packet, query) == ReadStatus::ok);
    }
};

// Every message of a transfer, parsed by ldns, and all their answer RRs.
struct Transfer {
    std::vector<std::vector<std::uint8_t>> wires;
    std::vector<Reply> messages;
    Lines records;
};

inline Transfer run(TransferMessages& generator, std::size_t buffer_size = 65535) {
    Transfer transfer;
    std::vector<std::uint8_t> buffer(buffer_size);
    // Bounded: a transfer in the tests is far below this many messages.
    for (int i = 0; i < 100000; ++i) {
        std::size_t length = generator.next_message(buffer);
        if (length == 0) break;
        REQUIRE(length <= buffer.size());
        Reply reply;
        reply.wire.assign(buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(length));
        ldns_pkt* pkt = nullptr;
        REQUIRE(ldns_wire2pkt(&pkt, reply.wire.data(), reply.wire.size()) == LDNS_STATUS_OK);
        reply.pkt.reset(pkt);
        reply.answer = section(ldns_pkt_answer(pkt));
        transfer.records.insert(transfer.records.end(), reply.answer.begin(), reply.answer.end());
        transfer.wires.push_back(reply.wire);
        transfer.messages.push_back(std::move(reply));
    }
    return transfer;
}

}  // namespace azdns::transfer_test
