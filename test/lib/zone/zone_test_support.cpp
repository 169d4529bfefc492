#include "zone_test_support.hpp"

#include <doctest/doctest.h>

#include <sstream>

// Last: ldns's C headers redefine `false` and `true`.
#include <ldns/ldns.h>

namespace azdns::test {


std::string wire(const char* text) { return name_canonical(name_from_text(text).value()); }

namespace {

template <auto free_fn>
struct Free {
    template <typename T>
    void operator()(T* p) const { free_fn(p); }
};
using RdfPtr = std::unique_ptr<ldns_rdf, Free<ldns_rdf_deep_free>>;
using RrPtr = std::unique_ptr<ldns_rr, Free<ldns_rr_free>>;
using BufferPtr = std::unique_ptr<ldns_buffer, Free<ldns_buffer_free>>;

}  // namespace

TextRecords::operator ZoneRecords() const {
    ZoneRecords records;
    for (const TextRecord& r : *this) records.add({r.owner, r.type, r.rclass, r.ttl, r.rdata, r.where});
    return records;
}

TextRecords records_from_text(const std::string& file, std::string_view text, const char* origin) {
    RdfPtr origin_rdf(ldns_dname_new_frm_str(origin));
    TextRecords records;
    std::istringstream lines{std::string(text)};
    std::string line;
    for (std::uint32_t number = 1; std::getline(lines, line); ++number) {
        std::size_t start = line.find_first_not_of(" \t");
        if (start == std::string::npos || line[start] == ';') continue;
        ldns_rr* parsed = nullptr;
        ldns_status status = ldns_rr_new_frm_str(&parsed, line.c_str() + start, 3600, origin_rdf.get(), nullptr);
        RrPtr rr(parsed);
        REQUIRE_MESSAGE(status == LDNS_STATUS_OK, line);
        TextRecord record;
        const ldns_rdf* owner = ldns_rr_owner(rr.get());
        record.owner = name_canonical({reinterpret_cast<const char*>(ldns_rdf_data(owner)), ldns_rdf_size(owner)});
        record.type = static_cast<std::uint16_t>(ldns_rr_get_type(rr.get()));
        record.rclass = static_cast<std::uint16_t>(ldns_rr_get_class(rr.get()));
        record.ttl = ldns_rr_ttl(rr.get());
        BufferPtr buffer(ldns_buffer_new(512));
        REQUIRE(ldns_rr_rdata2buffer_wire(buffer.get(), rr.get()) == LDNS_STATUS_OK);
        record.rdata.assign(reinterpret_cast<const char*>(ldns_buffer_begin(buffer.get())),
                            ldns_buffer_position(buffer.get()));
        record.where = {file, number, static_cast<std::uint32_t>(start + 1)};
        records.push_back(std::move(record));
    }
    return records;
}

const SourceLocation declared_at{"azdns.toml", 7, 10};

std::shared_ptr<const Zone> build(std::string_view text, std::string& report) {
    Diagnostics diags;
    auto zone = build_zone(wire("example.com."), records_from_text("zone.db", text), declared_at, diags);
    report.clear();
    for (const Diagnostic& d : diags.all()) report += d.to_string() + "\n";
    return zone;
}

const std::string good = R"(
@    SOA  ns1 hostmaster 1 7200 3600 1209600 300
@    NS   ns1
ns1  A    192.0.2.1
)";

std::vector<std::uint8_t> rdata_of(const RRsetView& rrset) {
    std::vector<std::uint8_t> out;
    for (RdataView rr : rrset) out.insert(out.end(), rr.rdata().begin(), rr.rdata().end());
    return out;
}

}  // namespace azdns::test
