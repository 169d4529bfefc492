// Messages signed and checked by ldns, the independent TSIG implementation
// that ours is held against (RFC 8945), and the keys both sides share.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <ctime>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "base64.hpp"
#include "dns_name.hpp"
#include "tsig.hpp"

// After the C++ headers: ldns defines `false` and `true` when stdbool.h is absent.
#include <ldns/ldns.h>

namespace azdns::tsig_test {

// A key as both sides spell it: ldns takes text, azdns the decoded form.
struct SharedKey {
    const char* name;       // presentation form, as ldns takes it
    const char* algorithm;  // the algorithm's name as a domain name
    const char* secret;     // base64, as tsig-keygen prints it

    [[nodiscard]] TsigKey ours() const {
        auto algorithm_text = std::string(this->algorithm);
        algorithm_text.pop_back();  // "hmac-sha256." -> "hmac-sha256", as the config spells it
        auto decoded = decode_base64(secret);
        REQUIRE(decoded.has_value());
        auto wire = name_from_text(name);
        REQUIRE(wire.has_value());
        auto algo = tsig_algorithm_from_name(algorithm_text);
        REQUIRE(algo.has_value());
        return TsigKey{name_canonical(*wire), *algo, *decoded};
    }
};

inline const SharedKey sha256_key{"xfr.example.", "hmac-sha256.", "5vrVJHx1vksUVgtmBst6IEzInzBkvtReRYSZKl310P0="};
inline const SharedKey sha512_key{
    "transfer.key.", "hmac-sha512.",
    "Av2vchpoKK4HqdQUngEhTvm00e6x5dFDXHXX9pZxxhX9KU0U+qoRVuGGko07QQpc9R5asHotFUKy3gQ6gblXAA=="};

using Packet = std::unique_ptr<ldns_pkt, decltype(&ldns_pkt_free)>;
using Rdf = std::unique_ptr<ldns_rdf, decltype(&ldns_rdf_deep_free)>;

inline std::vector<std::uint8_t> wire_of(const ldns_pkt* pkt) {
    std::uint8_t* data = nullptr;
    std::size_t size = 0;
    REQUIRE(ldns_pkt2wire(&data, pkt, &size) == LDNS_STATUS_OK);
    std::vector<std::uint8_t> wire(data, data + size);
    std::free(data);
    return wire;
}

inline Packet packet_of(const std::vector<std::uint8_t>& wire) {
    ldns_pkt* pkt = nullptr;
    REQUIRE(ldns_wire2pkt(&pkt, wire.data(), wire.size()) == LDNS_STATUS_OK);
    return Packet(pkt, ldns_pkt_free);
}

// A query with id 0x1234, unsigned.
inline Packet unsigned_query(const char* qname = "example.com.", ldns_rr_type qtype = LDNS_RR_TYPE_SOA) {
    ldns_pkt* pkt = ldns_pkt_query_new(ldns_dname_new_frm_str(qname), qtype, LDNS_RR_CLASS_IN, 0);
    REQUIRE(pkt != nullptr);
    ldns_pkt_set_id(pkt, 0x1234);
    return Packet(pkt, ldns_pkt_free);
}

// An authoritative answer to unsigned_query(), unsigned: one SOA record
// with `serial`, so that the messages of a stream differ.
inline Packet answer_packet(std::uint32_t serial = 7) {
    Packet pkt = unsigned_query();
    ldns_pkt_set_qr(pkt.get(), true);
    ldns_pkt_set_aa(pkt.get(), true);
    std::string text = "example.com. 300 IN SOA ns1.example.com. h.example.com. " + std::to_string(serial) +
                       " 7200 3600 1209600 300";
    ldns_rr* soa = nullptr;
    REQUIRE(ldns_rr_new_frm_str(&soa, text.c_str(), 300, nullptr, nullptr) == LDNS_STATUS_OK);
    ldns_pkt_push_rr(pkt.get(), LDNS_SECTION_ANSWER, soa);
    return pkt;
}

// The same query signed by ldns with `key`, at the clock's time.
inline std::vector<std::uint8_t> ldns_signed_query(const SharedKey& key, const char* qname = "example.com.",
                                                   ldns_rr_type qtype = LDNS_RR_TYPE_SOA) {
    Packet pkt = unsigned_query(qname, qtype);
    REQUIRE(ldns_pkt_tsig_sign(pkt.get(), key.name, key.secret, 300, key.algorithm, nullptr) == LDNS_STATUS_OK);
    return wire_of(pkt.get());
}

// A MAC as ldns passes it between messages: 16-bit length, then the bytes.
inline Rdf mac_rdf(std::span<const std::uint8_t> mac) {
    std::vector<std::uint8_t> data{static_cast<std::uint8_t>(mac.size() >> 8), static_cast<std::uint8_t>(mac.size())};
    data.insert(data.end(), mac.begin(), mac.end());
    return Rdf(ldns_rdf_new_frm_data(LDNS_RDF_TYPE_INT16_DATA, data.size(), data.data()), ldns_rdf_deep_free);
}

inline std::uint64_t wall_clock() { return static_cast<std::uint64_t>(std::time(nullptr)); }

}  // namespace azdns::tsig_test
