#include "differential_queries.hpp"

#include <ldns/ldns.h>

#include <cctype>
#include <cstdio>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <stdexcept>

#include "e2e_fixture.hpp"
#include "zone_file_tokenizer.hpp"

namespace azdns::e2e {

namespace {

using OwnerTypes = std::map<std::string, std::set<std::uint16_t>>;

// `name` as written in a zone file, absolute and lowercased.
std::string absolute_name(std::string_view name, const std::string& origin) {
    if (name == "@") return origin;
    std::string text = lower(std::string(name));
    return text.ends_with('.') ? text : text + "." + origin;
}

// Each owner name of the zone file, lowercased, with the types it holds.
// Only owners and types are read (with azdns's tokenizer, not ldns), so a
// record whose RDATA a reader refuses still gets its questions.
void add_owners(const ZoneFile& zone_file, OwnerTypes& owners) {
    std::unique_ptr<FILE, decltype(&fclose)> file(fopen(zone_file.path.c_str(), "r"), fclose);
    if (!file) throw std::runtime_error("cannot open " + zone_file.path.string());
    Diagnostics diags;
    ZoneTokenizer tokenizer(file.get(), zone_file.path.string(), diags);
    std::string origin = lower(zone_file.origin), owner = origin;
    for (ZoneEntry entry; tokenizer.next(entry);) {
        const auto& tokens = entry.tokens;
        if (tokens[0].text == "$ORIGIN" && tokens.size() > 1) origin = absolute_name(tokens[1].text, origin);
        if (tokens[0].text.starts_with('$')) continue;
        std::size_t at = 0;
        if (!entry.blank_owner) owner = absolute_name(tokens[at++].text, origin);
        // Then TTL and class in either order, then the type: the first word ldns knows as a type.
        for (; at < tokens.size(); ++at) {
            auto type = ldns_get_rr_type_by_name(std::string(tokens[at].text).c_str());
            if (type == 0) continue;
            owners[owner].insert(static_cast<std::uint16_t>(type));
            break;
        }
    }
    if (diags.has_errors()) throw std::runtime_error("cannot read " + zone_file.path.string());
}

// Every ancestor of `owner` below `apex`: the empty non-terminals among them
// exist without owning anything. An escaped dot ("\.") is inside a label.
std::vector<std::string> ancestors_below(const std::string& owner, const std::string& apex) {
    std::vector<std::string> names;
    for (std::size_t i = 0; i + 1 < owner.size(); ++i) {
        if (owner[i] == '\\') {
            ++i;
            continue;
        }
        if (owner[i] != '.') continue;
        std::string ancestor = owner.substr(i + 1);
        if (ancestor.size() <= apex.size()) break;
        names.push_back(ancestor);
    }
    return names;
}

std::string random_case(std::string name, std::mt19937& random) {
    for (auto& c : name)
        if (std::isalpha(static_cast<unsigned char>(c)) && random() % 2) c = static_cast<char>(std::toupper(c));
    return name;
}

}  // namespace

std::string type_text(std::uint16_t type) {
    char* text = ldns_rr_type2str(static_cast<ldns_rr_type>(type));
    std::string name = text ? text : "TYPE" + std::to_string(type);
    free(text);
    return name;
}

std::string GeneratedQuery::describe() const {
    static const char* const vias[] = {"UDP+EDNS", "UDP", "TCP"};
    std::string text = query.name + " " + type_text(query.type) + " over " + vias[static_cast<int>(via)];
    if (query.edns) text += " (EDNS size " + std::to_string(query.udp_size) + ")";
    return text + (query.cd ? " CD" : "");
}

std::vector<GeneratedQuery> generate_queries(const std::vector<ZoneFile>& zones,
                                             const std::vector<std::pair<std::string, std::uint16_t>>& extra,
                                             unsigned count, unsigned seed) {
    OwnerTypes owners;
    std::set<std::string> names;
    for (const auto& zone : zones) {
        OwnerTypes of_zone;
        add_owners(zone, of_zone);
        for (const auto& [owner, types] : of_zone) {
            names.insert(owner);
            for (const auto& ancestor : ancestors_below(owner, lower(zone.origin))) names.insert(ancestor);
            owners[owner].insert(types.begin(), types.end());
        }
    }
    // Names that do not exist: below each name (NXDOMAIN, wildcard, or below a cut).
    std::vector<std::string> all(names.begin(), names.end());
    for (const auto& name : std::vector<std::string>(all)) {
        all.push_back("nx." + name);
        all.push_back("a.b." + name);
    }
    for (std::string outside : {"example.org.", "www.example.org.", "com.", ".", "xexample.com."}) all.push_back(outside);

    // Besides the zones' own types: NSEC3PARAM (51), which no zone holds, ANY and an unknown type. Not
    // RRSIG or NSEC: at a CNAME of an unsigned zone NSD follows the CNAME and Knot does not (RFC 4035
    // lets both types sit beside a CNAME), so the peers never agree there.
    std::set<std::uint16_t> type_set = {rrtype::A,   rrtype::AAAA,  rrtype::MX,  rrtype::TXT, rrtype::NS,
                                        rrtype::SOA, rrtype::CNAME, rrtype::SRV, rrtype::PTR, rrtype::CAA,
                                        rrtype::DS,  51,            rrtype::ANY, 65400,       99};
    for (const auto& [owner, types] : owners) type_set.insert(types.begin(), types.end());
    const std::vector<std::uint16_t> types(type_set.begin(), type_set.end());

    std::mt19937 random(seed);
    std::vector<GeneratedQuery> queries;
    auto add = [&](const std::string& name, std::uint16_t type) {
        GeneratedQuery generated;
        generated.query = Query{.name = random_case(name, random), .type = type};
        unsigned roll = random() % 10;
        generated.via = roll < 7 ? Via::udp : roll < 9 ? Via::udp_no_edns : Via::tcp;
        generated.query.edns = generated.via != Via::udp_no_edns;
        generated.query.nsid = generated.query.edns && random() % 4 == 0;
        // Mostly the common 1232; sometimes the 512 floor, a size below it (which counts as 512,
        // RFC 6891 §6.2.5) or one above every server's limit.
        static constexpr std::uint16_t udp_sizes[] = {1232, 1232, 512, 256, 4096};
        generated.query.udp_size = udp_sizes[random() % 5];
        generated.query.rd = random() % 2 == 0;
        generated.query.cd = random() % 8 == 0;
        queries.push_back(generated);
    };
    for (const auto& name : all) add(name, rrtype::A);
    for (const auto& [owner, held] : owners)
        for (auto type : held) add(owner, type);
    for (const auto& [name, type] : extra) {
        add(name, type);
        all.push_back(name);
    }
    while (queries.size() < count) add(all[random() % all.size()], types[random() % types.size()]);
    return queries;
}

}  // namespace azdns::e2e
