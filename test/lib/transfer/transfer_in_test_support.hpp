// Shared by the transfer-in suites: what a secondary asked, responses made
// by ldns (ldns_pkt2wire compresses names, as many primaries do), reading a
// whole stream, building what it read, and a zone's view as ZoneRecords.
#pragma once

#include <cstdlib>
#include <string>
#include <vector>

#include "ixfr_apply.hpp"
#include "transfer_reader.hpp"
#include "transfer_test_support.hpp"

namespace azdns::transfer_in_test {

using namespace azdns::transfer_test;

inline const char* const primary = "198.51.100.1:53";
inline constexpr std::uint16_t query_id = 0x1234;  // QueryOptions' default, as TransferMessages copies it

inline TransferQuestion asked(std::uint16_t qtype, std::uint16_t id = query_id) {
    return {wire_name("example.com."), id, qtype, primary};
}

inline std::string soa(std::uint32_t serial) {
    return "example.com. 3600 IN SOA ns1.example.com. hostmaster.example.com. " + std::to_string(serial) +
           " 7200 3600 1209600 300";
}

// A response (QR, AA) with `answers` in presentation form, absolute names.
inline std::vector<std::uint8_t> ldns_message(const std::vector<std::string>& answers, std::uint16_t qtype = AXFR,
                                              const char* qname = "example.com.") {
    ldns_pkt* pkt = ldns_pkt_new();
    REQUIRE(pkt != nullptr);
    ldns_pkt_set_id(pkt, query_id);
    ldns_pkt_set_qr(pkt, true);
    ldns_pkt_set_aa(pkt, true);
    ldns_rr* question = ldns_rr_new();
    ldns_rr_set_owner(question, ldns_dname_new_frm_str(qname));
    ldns_rr_set_type(question, static_cast<ldns_rr_type>(qtype));
    ldns_rr_set_class(question, LDNS_RR_CLASS_IN);
    ldns_rr_set_question(question, true);
    ldns_pkt_push_rr(pkt, LDNS_SECTION_QUESTION, question);
    for (const std::string& text : answers) {
        ldns_rr* rr = nullptr;
        REQUIRE_MESSAGE(ldns_rr_new_frm_str(&rr, text.c_str(), 3600, nullptr, nullptr) == LDNS_STATUS_OK, text);
        ldns_pkt_push_rr(pkt, LDNS_SECTION_ANSWER, rr);
    }
    std::uint8_t* wire = nullptr;
    std::size_t size = 0;
    REQUIRE(ldns_pkt2wire(&wire, pkt, &size) == LDNS_STATUS_OK);
    std::vector<std::uint8_t> out(wire, wire + size);
    std::free(wire);
    ldns_pkt_free(pkt);
    return out;
}

// Feeds every message; each must be taken.
inline TransferContent read_all(TransferReader& reader, const std::vector<std::vector<std::uint8_t>>& messages) {
    for (const auto& message : messages) {
        const bool taken = reader.add_message(message);
        REQUIRE_MESSAGE(taken, reader.error());
    }
    return reader.finish();
}

// The zone built from what a transfer read, with the zone-load checks.
inline std::shared_ptr<const Zone> built(ZoneRecords records) {
    Diagnostics diags;
    auto zone = build_zone(wire_name("example.com."), std::move(records), SourceLocation{"zone"}, diags);
    for (const Diagnostic& d : diags.all()) MESSAGE(d.to_string());
    REQUIRE(zone);
    return zone;
}

// A view of a zone as the records a secondary would hold.
inline ZoneRecords records_of(const Zone& zone, const HealthView* view, std::uint32_t serial) {
    ZoneRecords out;
    for_each_record(zone, view, serial, [&](const TransferRecord& r) {
        out.add({r.owner, r.type, IN, r.ttl, {reinterpret_cast<const char*>(r.rdata.data()), r.rdata.size()}, {}});
    });
    return out;
}

}  // namespace azdns::transfer_in_test
