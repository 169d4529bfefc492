#include "differential_queries.hpp"

#include <ldns/ldns.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <memory>
#include <random>
#include <set>
#include <sstream>
#include <stdexcept>

namespace azdns::e2e {

namespace {

std::string lowercase(std::string text) {
    std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
    return text;
}

std::vector<std::string> words_of(const std::string& line) {
    std::istringstream in(line);
    std::vector<std::string> words;
    for (std::string word; in >> word;) words.push_back(word);
    return words;
}

// Owner names of the zone file, lowercased, as ldns reads them.
std::set<std::string> zone_owners(const std::filesystem::path& zone_file, const std::string& origin) {
    std::unique_ptr<FILE, decltype(&fclose)> file(fopen(zone_file.c_str(), "r"), fclose);
    if (!file) throw std::runtime_error("cannot open " + zone_file.string());
    ldns_rdf* origin_rdf = ldns_dname_new_frm_str(origin.c_str());
    ldns_zone* zone = nullptr;
    int line = 0;
    ldns_status status = ldns_zone_new_frm_fp_l(&zone, file.get(), origin_rdf, 300, LDNS_RR_CLASS_IN, &line);
    ldns_rdf_deep_free(origin_rdf);
    if (status != LDNS_STATUS_OK) throw std::runtime_error("ldns cannot read " + zone_file.string());
    std::set<std::string> owners;
    auto add = [&](const ldns_rr* rr) {
        char* text = ldns_rdf2str(ldns_rr_owner(rr));
        owners.insert(lowercase(text));
        free(text);
    };
    add(ldns_zone_soa(zone));
    for (std::size_t i = 0; i < ldns_rr_list_rr_count(ldns_zone_rrs(zone)); ++i)
        add(ldns_rr_list_rr(ldns_zone_rrs(zone), i));
    ldns_zone_deep_free(zone);
    return owners;
}

std::string random_case(std::string name, std::mt19937& random) {
    for (auto& c : name)
        if (std::isalpha(static_cast<unsigned char>(c)) && random() % 2) c = static_cast<char>(std::toupper(c));
    return name;
}

}  // namespace

std::string GeneratedQuery::describe() const {
    static const char* const vias[] = {"UDP+EDNS", "UDP", "TCP"};
    return query.name + " type " + std::to_string(query.type) + " over " + vias[static_cast<int>(via)];
}

std::vector<GeneratedQuery> generate_queries(const std::vector<std::pair<std::filesystem::path, std::string>>& zone_files,
                                             unsigned count, unsigned seed) {
    std::set<std::string> names;
    for (const auto& [zone_file, origin] : zone_files) {
        const std::string apex = lowercase(origin);
        for (const auto& owner : zone_owners(zone_file, origin)) {
            names.insert(owner);
            // Empty non-terminals: every ancestor of an owner, down to the apex.
            for (auto dot = owner.find('.'); dot != std::string::npos && dot + 1 < owner.size();
                 dot = owner.find('.', dot + 1)) {
                std::string ancestor = owner.substr(dot + 1);
                if (ancestor.size() <= apex.size()) break;
                names.insert(ancestor);
            }
        }
    }
    // Names that do not exist: below each name (NXDOMAIN, wildcard, or below a cut).
    std::vector<std::string> all(names.begin(), names.end());
    for (const auto& name : std::vector<std::string>(all)) {
        all.push_back("nx." + name);
        all.push_back("a.b." + name);
    }
    for (std::string outside : {"example.org.", "www.example.org.", "com.", ".", "xexample.com."}) all.push_back(outside);

    const std::vector<std::uint16_t> types = {rrtype::A,   rrtype::AAAA, rrtype::MX,  rrtype::TXT, rrtype::NS,
                                              rrtype::SOA, rrtype::CNAME, rrtype::SRV, rrtype::PTR, rrtype::CAA,
                                              rrtype::DS,  65400,        99};
    std::mt19937 random(seed);
    std::vector<GeneratedQuery> queries;
    auto add = [&](const std::string& name, std::uint16_t type) {
        GeneratedQuery generated;
        generated.query = Query{.name = random_case(name, random), .type = type};
        unsigned roll = random() % 10;
        generated.via = roll < 7 ? Via::udp : roll < 9 ? Via::udp_no_edns : Via::tcp;
        generated.query.edns = generated.via != Via::udp_no_edns;
        generated.query.nsid = generated.query.edns && random() % 4 == 0;
        generated.query.rd = random() % 2 == 0;
        queries.push_back(generated);
    };
    for (const auto& name : all) add(name, rrtype::A);  // every name at least once
    while (queries.size() < count) add(all[random() % all.size()], types[random() % types.size()]);
    return queries;
}

// Normalisation rules, each a difference the RFCs leave to the server:
//  1. Names compare case-insensitively (RFC 4343); RRs within a section
//     compare as a set (RFC 2181 §5: an RRset has no order).
//  2. A positive authoritative answer may or may not carry the zone's NS RRset
//     in authority (RFC 1034 §4.3.2 step 3 allows it; NSD adds it, Knot and
//     "minimal responses" servers do not): that NS RRset is dropped.
//  3. Additional data is a courtesy (RFC 1034 §4.3.2 step 6, RFC 2181 §5.4.1):
//     only address records for names that the remaining answer and authority
//     sections point at (NS, MX, SRV targets) are compared.
//  4. With TC=1 only the header is compared: what fits is up to the server
//     (RFC 2181 §9 only forbids partial RRsets, checked in protocol_test).
//  5. The OPT's payload size is the server's own choice (RFC 6891 §6.2.3):
//     only its presence and version are compared.
std::vector<std::string> normalise(const Response& response) {
    std::vector<std::string> out;
    std::ostringstream header;
    header << "header: rcode=" << response.rcode << " aa=" << response.aa << " tc=" << response.tc
           << " ra=" << response.ra << " rd=" << response.rd
           << " opt=" << (response.opt ? "v" + std::to_string(response.opt->version) : "none")
           << (response.opt && response.opt->nsid ? " nsid=" + *response.opt->nsid : "");
    out.push_back(header.str());
    if (response.tc) return out;

    auto lower_all = [](std::vector<std::string> lines) {
        for (auto& line : lines) line = lowercase(line);
        std::sort(lines.begin(), lines.end());
        return lines;
    };
    auto answer = lower_all(response.answer);
    auto authority = lower_all(response.authority);
    auto additional = lower_all(response.additional);

    bool positive = response.aa && response.rcode == 0 && !answer.empty();
    if (positive)
        std::erase_if(authority, [](const std::string& line) {
            auto words = words_of(line);
            return words.size() >= 4 && words[3] == "ns";
        });

    std::set<std::string> targets;
    for (const auto* section : {&answer, &authority}) {
        for (const auto& line : *section) {
            auto words = words_of(line);
            if (words.size() < 5) continue;
            if (words[3] == "ns") targets.insert(words[4]);
            if (words[3] == "mx" && words.size() >= 6) targets.insert(words[5]);
            if (words[3] == "srv" && words.size() >= 8) targets.insert(words[7]);
        }
    }
    std::erase_if(additional, [&](const std::string& line) {
        auto words = words_of(line);
        return words.empty() || !targets.count(words[0]) || (words[3] != "a" && words[3] != "aaaa");
    });

    for (const auto& line : answer) out.push_back("answer: " + line);
    for (const auto& line : authority) out.push_back("authority: " + line);
    for (const auto& line : additional) out.push_back("additional: " + line);
    return out;
}

std::string diff(const std::vector<std::string>& left, const std::vector<std::string>& right) {
    std::set<std::string> in_left(left.begin(), left.end()), in_right(right.begin(), right.end());
    if (in_left == in_right) return {};
    std::set<std::string> every(in_left);
    every.insert(in_right.begin(), in_right.end());
    std::string text;
    for (const auto& line : left) text += (in_right.count(line) ? "    " : "  - ") + line + "\n";
    for (const auto& line : right)
        if (!in_left.count(line)) text += "  + " + line + "\n";
    return text;
}

}  // namespace azdns::e2e
