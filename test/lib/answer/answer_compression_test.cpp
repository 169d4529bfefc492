// Names inside RDATA, compressed where RFC 1035 allows it (NS, CNAME, PTR,
// MX, SOA) and nowhere else (RFC 3597 section 4), over every shape of answer:
// each response is decoded with ldns and every RR compared with the zone
// file, and the raw RDATA is checked where compression must not happen.
#include <set>

#include "answer_test_support.hpp"

using namespace azdns;
using namespace azdns::answer_test;

namespace {

constexpr std::uint16_t PTR = 12, UNKNOWN = 65400;

const ZoneSet& compression_zones() {
    static const ZoneSet set = load_example_zone("answer/compression.zone");
    return set;
}

std::string zone_file() { return std::string(AZDNS_TEST_DATA_DIR) + "/answer/compression.zone"; }

// An RR as text in canonical form (names lowercased) with TTL 0: the same
// RR from the zone file and from a response compare equal.
std::string canonical_text(const ldns_rr* rr) {
    ldns_rr* copy = ldns_rr_clone(rr);
    ldns_rr2canonical(copy);
    ldns_rr_set_ttl(copy, 0);
    std::string text = rr_text(copy);
    ldns_rr_free(copy);
    return text;
}

// Every RR of the zone file, as canonical_text, read by ldns (not by azdns).
const std::set<std::string>& zone_rrs() {
    static const std::set<std::string> rrs = [] {
        std::set<std::string> out;
        FILE* file = std::fopen(zone_file().c_str(), "r");
        REQUIRE(file != nullptr);
        ldns_rdf* origin = ldns_dname_new_frm_str("example.com.");
        ldns_zone* zone = nullptr;
        int line = 0;
        REQUIRE(ldns_zone_new_frm_fp_l(&zone, file, origin, 3600, LDNS_RR_CLASS_IN, &line) == LDNS_STATUS_OK);
        std::fclose(file);
        out.insert(canonical_text(ldns_zone_soa(zone)));
        ldns_rr_list* list = ldns_zone_rrs(zone);
        for (size_t i = 0; i < ldns_rr_list_rr_count(list); ++i) out.insert(canonical_text(ldns_rr_list_rr(list, i)));
        ldns_zone_deep_free(zone);
        ldns_rdf_deep_free(origin);
        return out;
    }();
    return rrs;
}

// The RDATA of a decoded RR, uncompressed, as ldns writes it.
std::vector<std::uint8_t> uncompressed_rdata(const ldns_rr* rr) {
    ldns_buffer* buffer = ldns_buffer_new(512);
    REQUIRE(ldns_rr_rdata2buffer_wire(buffer, rr) == LDNS_STATUS_OK);
    std::vector<std::uint8_t> out(ldns_buffer_begin(buffer), ldns_buffer_begin(buffer) + ldns_buffer_position(buffer));
    ldns_buffer_free(buffer);
    return out;
}

// RFC 3597 section 4: only these well-known types may have names in their
// RDATA compressed (the obsolete MD, MF, MB, MG, MR, MINFO aside).
bool may_compress(std::uint16_t type) {
    return type == NS || type == CNAME || type == PTR || type == MX || type == SOA;
}

// One RR of a response as it lies in the message.
struct RawRR {
    std::size_t start = 0;  // the owner name
    std::uint16_t type = 0;
    std::size_t rdata_at = 0;
    std::size_t rdlength = 0;
};

// Steps over a possibly compressed name; false when it leaves `end`.
bool skip_name(const std::vector<std::uint8_t>& m, std::size_t& at, std::size_t end) {
    while (at < end) {
        std::uint8_t label = m[at];
        if ((label & 0xC0) == 0xC0) {
            at += 2;
            return at <= end;
        }
        at += 1u + label;
        if (label == 0) return at <= end;
    }
    return false;
}

// Every RR after the question, in message order (OPT included).
std::vector<RawRR> raw_records(const std::vector<std::uint8_t>& m) {
    std::vector<RawRR> out;
    std::size_t at = 12;
    REQUIRE(skip_name(m, at, m.size()));
    at += 4;
    std::size_t count = std::size_t{m[6]} << 8 | m[7];
    count += (std::size_t{m[8]} << 8 | m[9]) + (std::size_t{m[10]} << 8 | m[11]);
    for (std::size_t i = 0; i < count; ++i) {
        std::size_t start = at;
        REQUIRE(skip_name(m, at, m.size()));
        REQUIRE(at + 10 <= m.size());
        RawRR rr{start, static_cast<std::uint16_t>(m[at] << 8 | m[at + 1]), at + 10,
                 std::size_t{m[at + 8]} << 8 | m[at + 9]};
        at = rr.rdata_at + rr.rdlength;
        REQUIRE(at <= m.size());
        out.push_back(rr);
    }
    CHECK(at == m.size());
    return out;
}

// RDLENGTH is what the RDATA takes in the message: its names, each ending
// in a pointer or the root, fill it exactly (RFC 1035 section 3.3).
void check_rdlength(const std::vector<std::uint8_t>& m, const RawRR& rr) {
    std::size_t at = rr.rdata_at, end = rr.rdata_at + rr.rdlength;
    auto name = [&] { REQUIRE(skip_name(m, at, end)); };
    switch (rr.type) {
        case NS:
        case CNAME:
        case PTR: name(); break;
        case MX: at += 2; name(); break;
        case SOA: name(); name(); at += 20; break;
        default: return;
    }
    CHECK(at == end);
}

// Answers `name`/`type` and checks the whole response: ldns decodes it, every
// RR is one of the zone file's, RDLENGTHs are exact, and the RDATA of every
// type but the five compressed ones is byte for byte the zone's.
Reply ask_checked(const char* name, std::uint16_t type, Transport transport = Transport::udp,
                  QueryOptions query = {.edns = true, .udp_size = 1232}) {
    CAPTURE(name);
    CAPTURE(type);
    Reply reply = ask_zones(make_query(name, type, query), compression_zones(), transport);
    REQUIRE(reply.pkt);
    std::vector<ldns_rr*> decoded;
    for (ldns_rr_list* list : {ldns_pkt_answer(reply.pkt.get()), ldns_pkt_authority(reply.pkt.get()),
                               ldns_pkt_additional(reply.pkt.get())}) {
        for (size_t i = 0; i < ldns_rr_list_rr_count(list); ++i) decoded.push_back(ldns_rr_list_rr(list, i));
    }
    std::vector<RawRR> raw = raw_records(reply.wire);
    REQUIRE(raw.size() == decoded.size() + (reply.has_opt() ? 1 : 0));
    for (std::size_t i = 0; i < decoded.size(); ++i) {
        std::string text = canonical_text(decoded[i]);
        CHECK_MESSAGE(zone_rrs().count(text) == 1, "not in the zone file: ", text);
        check_rdlength(reply.wire, raw[i]);
        if (!may_compress(raw[i].type)) {
            auto at = reply.wire.begin() + static_cast<std::ptrdiff_t>(raw[i].rdata_at);
            std::vector<std::uint8_t> sent(at, at + static_cast<std::ptrdiff_t>(raw[i].rdlength));
            CHECK_MESSAGE(sent == uncompressed_rdata(decoded[i]), "RDATA changed: ", rr_text(decoded[i]));
        }
    }
    return reply;
}

// The three sections as sorted canonical_text lines.
std::vector<std::vector<std::string>> canonical_sections(const Reply& reply) {
    std::vector<std::vector<std::string>> out;
    for (ldns_rr_list* list : {ldns_pkt_answer(reply.pkt.get()), ldns_pkt_authority(reply.pkt.get()),
                               ldns_pkt_additional(reply.pkt.get())}) {
        std::vector<std::string> lines;
        for (size_t i = 0; i < ldns_rr_list_rr_count(list); ++i) {
            lines.push_back(canonical_text(ldns_rr_list_rr(list, i)));
        }
        std::sort(lines.begin(), lines.end());
        out.push_back(lines);
    }
    return out;
}

std::size_t count_type(const Lines& lines, const std::string& type) {
    return static_cast<std::size_t>(std::count_if(lines.begin(), lines.end(), [&](const std::string& line) {
        return line.find(" IN " + type + " ") != std::string::npos;
    }));
}

}  // namespace

TEST_SUITE("answer compression") {
    TEST_CASE("a referral to 13 name servers with A and AAAA glue fits in 1232 bytes, TC=0") {
        for (const char* name : {"www.big.example.com.", "WwW.BiG.eXaMpLe.CoM.", "big.example.com."}) {
            CAPTURE(name);
            Reply r = ask_checked(name, A);
            CHECK_FALSE(r.tc());
            CHECK_FALSE(r.aa());
            CHECK(r.authority.size() == 13);
            CHECK(count_type(r.additional, "A") == 13);
            CHECK(count_type(r.additional, "AAAA") == 13);
            CHECK(r.wire.size() <= 1232);
        }
    }

    TEST_CASE("names in NS, MX, CNAME, PTR and SOA RDATA point at names already in the message") {
        // MX 10 mail.example.com.: preference, "mail", then a pointer to the question.
        Reply mx = ask_checked("example.com.", MX);
        std::vector<RawRR> raw = raw_records(mx.wire);
        REQUIRE(raw.size() >= 3);
        CHECK(raw[0].type == MX);
        CHECK(raw[0].rdlength == 2 + 5 + 2);
        CHECK(mx.answer.size() == 3);
        CHECK(count_type(mx.additional, "A") == 2);
        CHECK(count_type(mx.additional, "AAAA") == 1);
        // SOA in authority: "ns1" + pointer, "hostmaster" + pointer, 20 bytes.
        Reply negative = ask_checked("nope.example.com.", A);
        CHECK(negative.rcode() == LDNS_RCODE_NXDOMAIN);
        raw = raw_records(negative.wire);
        REQUIRE(raw.size() == 2);
        CHECK(raw[0].type == SOA);
        CHECK(raw[0].rdlength == (4 + 2) + (11 + 2) + 20);
        // CNAME and PTR: the target's labels that are not in the message yet, then a pointer.
        Reply ptr = ask_checked("ptr.example.com.", PTR);
        raw = raw_records(ptr.wire);
        REQUIRE(raw.size() == 2);
        CHECK(raw[0].rdlength == 4 + 2);
        Reply chain = ask_checked("c1.example.com.", A);
        CHECK(chain.answer.size() == 4);
        raw = raw_records(chain.wire);
        REQUIRE(raw.size() == 5);
        CHECK(raw[0].rdlength == 3 + 6 + 2);  // c2.chain + pointer
        CHECK(raw[1].rdlength == 3 + 5 + 2);  // c3.deep + pointer to chain.example.com.
        CHECK(raw[2].rdlength == 4 + 2);      // www + pointer
    }

    TEST_CASE("SRV, DNAME, TXT and unknown types keep their RDATA as the zone has it") {
        Reply srv = ask_checked("_sip._tcp.example.com.", SRV);
        CHECK(srv.answer.size() == 1);
        CHECK(srv.additional.size() == 1);  // sip's A: its owner may point into the SRV target
        CHECK(ask_checked("dn.example.com.", DNAME).answer.size() == 1);
        CHECK(ask_checked("unk.example.com.", UNKNOWN).answer.size() == 1);
        CHECK(ask_checked("www.example.com.", TXT).answer.size() == 1);
    }

    TEST_CASE("every shape, over UDP and TCP, with and without EDNS, in any letter case: every RR is the zone's") {
        const std::vector<std::pair<const char*, std::uint16_t>> shapes = {
            {"example.com.", SOA},
            {"example.com.", NS},
            {"example.com.", MX},
            {"example.com.", ANY},
            {"www.example.com.", A},
            {"c1.example.com.", A},
            {"c2.chain.example.com.", CNAME},
            {"ptr.example.com.", ANY},
            {"nope.example.com.", A},
            {"www.example.com.", AAAA},
            {"x.sib.example.com.", A},
            {"other.example.com.", NS},
            {"a.anycast-nameserver-pool.big.example.com.", AAAA},
            {"_sip._tcp.example.com.", SRV},
            {"sip.example.com.", A},
            {"dn.example.com.", DNAME},
        };
        for (const auto& [name, type] : shapes) {
            std::string upper = name;
            for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
            for (Transport transport : {Transport::udp, Transport::tcp}) {
                for (const QueryOptions& query : {QueryOptions{.edns = true, .udp_size = 1232}, QueryOptions{}}) {
                    Reply lower = ask_checked(name, type, transport, query);
                    Reply shouting = ask_checked(upper.c_str(), type, transport, query);
                    CHECK(lower.rcode() == shouting.rcode());
                    CHECK(lower.tc() == shouting.tc());
                    CHECK(canonical_sections(lower) == canonical_sections(shouting));
                }
            }
        }
    }

    TEST_CASE("whole RRsets or nothing, at every payload size from 512 up to the whole answer") {
        // The whole answer (TCP), then UDP at every size below it: the response
        // holds exactly the longest run of whole RRsets that fits with the OPT,
        // byte for byte the same, and TC=1 whenever an RRset is missing.
        AnswerOptions options;
        options.edns_udp_size = 4096;
        auto query = [](std::size_t size) {
            return make_query("www.big.example.com.", A, {.edns = true, .udp_size = static_cast<std::uint16_t>(size)});
        };
        Reply whole = ask_zones(query(4096), compression_zones(), Transport::tcp, options);
        REQUIRE_FALSE(whole.tc());
        std::vector<RawRR> raw = raw_records(whole.wire);
        REQUIRE(raw.size() == 13 + 26 + 1);
        REQUIRE(raw.back().type == OPT);
        constexpr std::size_t opt_bytes = 11;
        // Where the message ends after 0, 1, 2, ... whole RRsets: the question,
        // the 13 NS, then each glue RRset (one address each).
        std::vector<std::size_t> ends = {raw[0].start};
        for (std::size_t i = 12; i + 1 < raw.size(); ++i) ends.push_back(raw[i].rdata_at + raw[i].rdlength);
        for (std::size_t size = 512; size <= ends.back() + opt_bytes; ++size) {
            CAPTURE(size);
            Reply r = ask_zones(query(size), compression_zones(), Transport::udp, options);
            std::size_t fits = 0;
            while (fits + 1 < ends.size() && ends[fits + 1] + opt_bytes <= size) ++fits;
            REQUIRE(r.wire.size() == ends[fits] + opt_bytes);
            CHECK(r.tc() == (fits + 1 < ends.size()));
            CHECK(std::equal(r.wire.begin() + 12, r.wire.begin() + static_cast<std::ptrdiff_t>(ends[fits]),
                             whole.wire.begin() + 12));
        }
    }
}
