// Shared by the transfer suites: records turned into presentation lines by
// ldns (an independent reader of the wire format).
#pragma once

#include <algorithm>
#include <string>
#include <vector>

#include "health_test_support.hpp"
#include "transfer_records.hpp"

namespace azdns::transfer_test {

using namespace azdns::answer_test;

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

}  // namespace azdns::transfer_test
