#include "transfer_query.hpp"

#include <algorithm>

#include "query_reader.hpp"
#include "wire_integers.hpp"
#include "wire_names.hpp"

namespace azdns {

namespace {

// An uncompressed SOA RDATA: MNAME, RNAME, then SERIAL and four more 32-bit fields.
bool is_soa_rdata(const std::string& rdata) {
    const std::span<const std::uint8_t> bytes(reinterpret_cast<const std::uint8_t*>(rdata.data()), rdata.size());
    std::size_t at = 0;
    bool root = false;
    return skip_name(bytes, at, root) && skip_name(bytes, at, root) && at + 20 == bytes.size();
}

}  // namespace

TransferRequest TransferRequest::soa(std::string origin) { return {std::move(origin), rr_type::soa, 0, {}}; }

TransferRequest TransferRequest::axfr(std::string origin) { return {std::move(origin), rr_type::axfr, 0, {}}; }

TransferRequest TransferRequest::ixfr(std::string origin, std::uint32_t soa_ttl, std::string soa_rdata) {
    return {std::move(origin), rr_type::ixfr, soa_ttl, std::move(soa_rdata)};
}

std::size_t write_transfer_query(std::span<std::uint8_t> buffer, std::uint16_t id, const TransferRequest& request) {
    const bool ixfr = request.qtype == rr_type::ixfr;
    if (ixfr && !is_soa_rdata(request.soa_rdata)) return 0;
    const std::size_t question = request.origin.size() + 4;
    // The authority SOA's owner is a pointer to the question's name.
    const std::size_t authority = ixfr ? 2 + 10 + request.soa_rdata.size() : 0;
    const std::size_t length = header_size + question + authority;
    if (buffer.size() < length) return 0;
    std::uint8_t* out = buffer.data();
    std::fill(out, out + header_size, std::uint8_t{0});
    write_u16(out, id);
    write_u16(out + 4, 1);           // QDCOUNT
    write_u16(out + 8, ixfr ? 1 : 0);  // NSCOUNT
    std::uint8_t* at = std::copy(request.origin.begin(), request.origin.end(), out + header_size);
    write_u16(at, request.qtype);
    write_u16(at + 2, rr_class::in);
    at += 4;
    if (ixfr) {
        write_u16(at, 0xC000 | header_size);
        write_u16(at + 2, rr_type::soa);
        write_u16(at + 4, rr_class::in);
        write_u32(at + 6, request.soa_ttl);
        write_u16(at + 10, static_cast<std::uint16_t>(request.soa_rdata.size()));
        std::copy(request.soa_rdata.begin(), request.soa_rdata.end(), at + 12);
    }
    return length;
}

}  // namespace azdns
