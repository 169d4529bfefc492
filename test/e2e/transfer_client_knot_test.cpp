// The transfer client (azdns as a secondary, server/transfer) against a real
// Knot primary over TSIG: the SOA serial, an AXFR of a zone too big for one
// message (ldns counts its records), an IXFR after an edit (its incremental
// shape), and a wrong key or none (the refusal reported). The scripted
// failures are test/server/transfer/transfer_client_test.cpp's.
#include <doctest/doctest.h>

#include <cstdlib>

#include "base64.hpp"
#include "dns_name.hpp"
#include "transfer_client.hpp"
#include "transfer_peers.hpp"

// After the C++ headers: ldns defines `false` and `true` when stdbool.h is absent.
#include <ldns/ldns.h>

using namespace azdns;
using namespace azdns::e2e;
using namespace std::chrono_literals;

namespace {

const std::string origin = "xfr.test.";
const std::string origin_wire = *name_from_text(origin);
const TsigSpec key_spec{"xfr", "hmac-sha256", "tdJOktiIvzY6+7HFbbTVprKEr7B1OTOKWFBXVFcSgZo="};

TsigKey key_with(const std::string& secret) {
    return TsigKey{*name_from_text("xfr."), TsigAlgorithm::hmac_sha256, *decode_base64(secret)};
}
const TsigKey key = key_with(key_spec.secret_base64);
const TsigKey wrong_key = key_with("D5d50ZK9tJ5xaiqspO2jLdt9HbHsyFWLwgZKGhFqnho=");  // same name, another secret

// A busy machine is slow: a transfer is given this long.
const TransferLimits limits{.deadline = 60s, .idle_timeout = 20s, .max_bytes = 1 << 26};

// SOA, NS, two A and `texts` TXT records of 100 bytes each.
constexpr int texts = 3000;
std::string zone_text(int serial, const std::string& www) {
    std::string text = "$ORIGIN " + origin + "\n$TTL 300\n@ IN SOA ns1 hostmaster " + std::to_string(serial) +
                       " 3600 600 86400 300\n@ IN NS ns1\nns1 IN A 192.0.2.1\nwww IN A " + www + "\n";
    for (int i = 0; i < texts; ++i) text += "t" + std::to_string(i) + " IN TXT \"" + std::string(99, 'x') + "\"\n";
    return text;
}

// The SOA of zone_text(serial) as a zone holds its RDATA.
std::string soa_rdata(std::uint32_t serial) {
    std::string rdata = *name_from_text("ns1." + origin) + *name_from_text("hostmaster." + origin);
    for (std::uint32_t field : {serial, 3600u, 600u, 86400u, 300u})
        for (int shift : {24, 16, 8, 0}) rdata.push_back(static_cast<char>(field >> shift));
    return rdata;
}

using Packet = std::unique_ptr<ldns_pkt, decltype(&ldns_pkt_free)>;

// The answer records of a transfer, as ldns reads each message, and a
// stand-in for the secondary's reader: the stream is complete when the
// first SOA has come back `soa_returns` more times (AXFR: 1; IXFR of one
// step: 2, after the old SOA and the step's new one).
struct StreamRecords {
    explicit StreamRecords(int returns) : soa_returns(returns) {}

    int soa_returns;
    std::vector<std::string> records;  // presentation form, one per record
    std::vector<std::uint32_t> soa_serials;
    int first_soa_seen = 0;

    TransferMessageHandler handler() {
        return [this](std::span<const std::uint8_t> message) {
            ldns_pkt* pkt = nullptr;
            REQUIRE(ldns_wire2pkt(&pkt, message.data(), message.size()) == LDNS_STATUS_OK);
            const Packet owned(pkt, ldns_pkt_free);
            const ldns_rr_list* answers = ldns_pkt_answer(pkt);
            for (std::size_t i = 0; i < ldns_rr_list_rr_count(answers); ++i) {
                const ldns_rr* rr = ldns_rr_list_rr(answers, i);
                char* text = ldns_rr2str(rr);
                records.emplace_back(text);
                std::free(text);
                if (ldns_rr_get_type(rr) != LDNS_RR_TYPE_SOA) continue;
                soa_serials.push_back(ldns_rdf2native_int32(ldns_rr_rdf(rr, 2)));
                if (soa_serials.back() == soa_serials.front()) ++first_soa_seen;
            }
            return first_soa_seen < 1 + soa_returns;
        };
    }
};

void require_knot() { REQUIRE_MESSAGE(std::filesystem::exists(peer_binary(Peer::knot)), "knotd is not installed"); }

}  // namespace

TEST_SUITE("e2e_transfer_client") {
    TEST_CASE("from a Knot primary over TSIG: the serial, an AXFR, then an IXFR after an edit") {
        require_knot();
        KnotPrimary knot(origin, zone_text(1, "192.0.2.10"), {}, key_spec, 30s);
        REQUIRE_MESSAGE(knot.ready(), knot.log());
        const PrimaryServer primary{{*IpAddress::parse("127.0.0.1"), knot.v4().port}, &key};
        TransferCancel cancel;

        const auto soa = query_soa(primary, origin_wire, 10s, cancel);
        REQUIRE_MESSAGE(soa.ok(), soa.reason);
        CHECK(soa.serial == 1u);

        StreamRecords axfr{1};
        const auto whole = fetch_zone(primary, TransferRequest::axfr(origin_wire), limits, cancel, axfr.handler());
        REQUIRE_MESSAGE(whole.ok(), whole.reason, "\n", knot.log());
        CHECK(whole.messages > 1);  // 300 KB of TXT: more than one message, each signed by Knot
        CHECK(axfr.records.size() == 4 + texts + 1);  // the zone, and its SOA again at the end
        CHECK(axfr.soa_serials == std::vector<std::uint32_t>{1, 1});
        CHECK(knot.last_transfer_kind_served_to("127.0.0.1") == "axfr");

        REQUIRE_MESSAGE(knot.edit(zone_text(2, "192.0.2.11")), knot.log());
        StreamRecords ixfr{2};
        const auto step = fetch_zone(primary, TransferRequest::ixfr(origin_wire, 300, soa_rdata(1)), limits, cancel,
                                     ixfr.handler());
        REQUIRE_MESSAGE(step.ok(), step.reason, "\n", knot.log());
        // RFC 1995 section 4: the new SOA, the old SOA and what went, the new SOA and what came, the new SOA.
        CHECK(ixfr.soa_serials == std::vector<std::uint32_t>{2, 1, 2, 2});
        CHECK(ixfr.records.size() == 6);
        CHECK(ixfr.records[2] == "www.xfr.test.\t300\tIN\tA\t192.0.2.10\n");
        CHECK(ixfr.records[4] == "www.xfr.test.\t300\tIN\tA\t192.0.2.11\n");
        CHECK(knot.last_transfer_kind_served_to("127.0.0.1") == "ixfr");
    }

    TEST_CASE("a wrong key, or none, where Knot wants one: the refusal reported, nothing handed over") {
        require_knot();
        KnotPrimary knot(origin, zone_text(1, "192.0.2.10"), {}, key_spec, 30s);
        REQUIRE_MESSAGE(knot.ready(), knot.log());
        const SocketAddress address{*IpAddress::parse("127.0.0.1"), knot.v4().port};
        TransferCancel cancel;

        const auto soa = query_soa({address, &wrong_key}, origin_wire, 10s, cancel);
        CHECK(soa.error == TransferError::tsig);
        CHECK(soa.reason == "the primary rejected our signature: NOTAUTH, TSIG error BADSIG");

        StreamRecords wrong{1};
        const auto signed_wrong =
            fetch_zone({address, &wrong_key}, TransferRequest::axfr(origin_wire), limits, cancel, wrong.handler());
        CHECK(signed_wrong.error == TransferError::tsig);
        CHECK(signed_wrong.reason == "the primary rejected our signature: NOTAUTH, TSIG error BADSIG");
        CHECK(wrong.records.empty());

        StreamRecords none{1};
        const auto unsigned_request =
            fetch_zone({address, nullptr}, TransferRequest::axfr(origin_wire), limits, cancel, none.handler());
        CHECK(unsigned_request.error == TransferError::refused);
        CHECK(unsigned_request.reason == "the primary answered NOTAUTH");
        CHECK(none.records.empty());
    }
}
