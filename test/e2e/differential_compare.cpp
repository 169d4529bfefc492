#include "differential_compare.hpp"

#include <algorithm>
#include <set>
#include <sstream>

#include "e2e_fixture.hpp"

namespace azdns::e2e {

namespace {

std::vector<std::string> words_of(const std::string& line) {
    std::istringstream in(line);
    std::vector<std::string> words;
    for (std::string word; in >> word;) words.push_back(word);
    return words;
}

// " opt=v0 nsid=... ede=20": the OPT as compared (rule 5).
std::string opt_text(const Response& response) {
    if (!response.opt) return " opt=none";
    std::string text = " opt=v" + std::to_string(response.opt->version);
    if (response.opt->nsid) text += " nsid=" + *response.opt->nsid;
    if (response.opt->extended_error) text += " ede=" + std::to_string(response.opt->extended_error->info_code);
    return text;
}

std::string header_line(const Response& response) {
    if (response.tc) return "header: tc=1" + opt_text(response);  // rule 4
    std::ostringstream header;
    header << "header: rcode=" << response.rcode << " aa=" << response.aa << " tc=0 ra=" << response.ra
           << " rd=" << response.rd << opt_text(response);
    return header.str();
}

// Rule 2: the zone's NS RRset beside a positive answer.
void drop_authority_ns(std::vector<std::string>& authority) {
    std::erase_if(authority, [](const std::string& line) {
        auto words = words_of(line);
        return words.size() >= 4 && words[3] == "ns";
    });
}

// Rule 3: additional data other than addresses of NS, MX and SRV targets.
void keep_target_addresses(const std::vector<std::string>& answer, const std::vector<std::string>& authority,
                           std::vector<std::string>& additional) {
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
        return words.size() < 4 || !targets.count(words[0]) || (words[3] != "a" && words[3] != "aaaa");
    });
}

// Rule 6: a referral's addresses of name servers beside the cut, as one line.
void fold_sibling_glue(const std::vector<std::string>& authority, std::vector<std::string>& additional) {
    const std::string cut = words_of(authority.front()).front();
    auto beside_cut = [&](const std::string& line) { return !words_of(line).front().ends_with("." + cut); };
    if (std::erase_if(additional, beside_cut) > 0) additional.push_back("(addresses of name servers beside the cut)");
}

// Rule 7: an answer to ANY as the names it holds RRsets for.
void fold_any(std::vector<std::string>& answer, std::vector<std::string>& additional) {
    std::set<std::string> owners;
    for (const auto& line : answer) owners.insert(words_of(line).front());
    answer.clear();
    for (const auto& owner : owners) answer.push_back(owner + " (RRsets of the server's choice)");
    additional.clear();
}

// "rcode=0" -> {"rcode", "0"} for each field of a header line.
std::map<std::string, std::string> header_fields(const std::string& header) {
    std::map<std::string, std::string> fields;
    for (const auto& word : words_of(header)) {
        auto equals = word.find('=');
        if (equals != std::string::npos) fields[word.substr(0, equals)] = word.substr(equals + 1);
    }
    return fields;
}

}  // namespace

// Normalisation rules, each a difference the RFCs leave to the server:
//  1. Names compare case-insensitively (RFC 4343); RRs within a section
//     compare as a set (RFC 2181 §5: an RRset has no order).
//  2. A positive authoritative answer may or may not carry the zone's NS RRset
//     in authority (RFC 1034 §4.3.2 step 3 allows it; NSD adds it, Knot and
//     "minimal responses" servers do not): that NS RRset is dropped.
//  3. Additional data is a courtesy (RFC 1034 §4.3.2 step 6, RFC 2181 §5.4.1):
//     only address records for names that the remaining answer and authority
//     sections point at (NS, MX, SRV targets) are compared.
//  4. With TC=1 only TC and the OPT are compared: the client uses nothing
//     else and asks again over TCP (RFC 2181 §9, RFC 7766 §5); what fits,
//     and the RCODE of a part answer, are up to the server (NSD and Knot differ).
//  5. The OPT's payload size is the server's own choice (RFC 6891 §6.2.3):
//     only its presence and version are compared, with NSID and the Extended
//     DNS Error codes (RFC 8914); an EDE's text is free-form and not compared.
//  6. In a referral, addresses of name servers that are not below the cut
//     (sibling glue) are optional: a server adds those that fit, without
//     setting TC (RFC 9471 §3 demands TC only for glue below the cut), and
//     NSD and Knot fill a small message differently. They are compared as
//     present or absent, not one by one.
//  7. Which RRsets answer QTYPE ANY is the server's choice (RFC 8482 §4):
//     NSD gives the SOA at an apex, Knot and azdns the lowest type. The answer
//     is compared as the names it holds RRsets for; additional data not at all.
std::vector<std::string> normalise(const Response& response) {
    std::vector<std::string> out = {header_line(response)};
    if (response.tc) return out;

    auto answer = normal(response.answer);
    auto authority = normal(response.authority);
    auto additional = normal(response.additional);
    if (response.aa && response.rcode == rcode::NOERROR && !answer.empty()) drop_authority_ns(authority);
    keep_target_addresses(answer, authority, additional);
    if (!response.aa && response.rcode == rcode::NOERROR && answer.empty() && !authority.empty())
        fold_sibling_glue(authority, additional);
    bool any = !response.question.empty() && words_of(response.question.front()).back() == "ANY";
    if (any && !answer.empty()) fold_any(answer, additional);

    for (const auto& line : answer) out.push_back("answer: " + line);
    for (const auto& line : authority) out.push_back("authority: " + line);
    for (const auto& line : additional) out.push_back("additional: " + line);
    return out;
}

std::string diff(const std::vector<std::string>& left, const std::vector<std::string>& right) {
    std::set<std::string> in_left(left.begin(), left.end()), in_right(right.begin(), right.end());
    if (in_left == in_right) return {};
    std::string text;
    for (const auto& line : left) text += (in_right.count(line) ? "    " : "  - ") + line + "\n";
    for (const auto& line : right)
        if (!in_left.count(line)) text += "  + " + line + "\n";
    return text;
}

std::string what_differs(const std::vector<std::string>& left, const std::vector<std::string>& right) {
    std::string text;
    auto ours = header_fields(left.front()), theirs = header_fields(right.front());
    std::set<std::string> keys;
    for (const auto* fields : {&ours, &theirs})
        for (const auto& [key, value] : *fields) keys.insert(key);
    // A truncated answer's header holds only TC and the OPT (rule 4): the rest is not a difference.
    if (ours["tc"] != theirs["tc"]) keys = {"tc"};
    for (const auto& key : keys) {
        auto value = [&](const std::map<std::string, std::string>& fields) {
            auto found = fields.find(key);
            return found == fields.end() ? std::string("-") : found->second;
        };
        if (value(ours) != value(theirs)) text += (text.empty() ? "" : " ") + key + "=" + value(ours) + "|" + value(theirs);
    }
    std::set<std::string> in_left(left.begin() + 1, left.end()), in_right(right.begin() + 1, right.end());
    std::set<std::string> sections;
    for (const auto& [mine, other] : {std::pair{&in_left, &in_right}, std::pair{&in_right, &in_left}})
        for (const auto& line : *mine)
            if (!other->count(line)) sections.insert(line.substr(0, line.find(':')));
    if (!sections.empty()) text += ";";
    for (const auto& section : sections) text += " " + section;
    return text;
}

void Findings::add(const std::string& kind, const std::string& text) {
    if (count_++ < shown_) first_ += text;
    ++by_kind_[kind];
}

std::string Findings::report() const {
    std::string text = first_;
    if (count_ > shown_) text += "  ... and " + std::to_string(count_ - shown_) + " more\n";
    text += "by kind:\n";
    for (const auto& [kind, times] : by_kind_) text += "  " + std::to_string(times) + " x " + kind + "\n";
    return text;
}

}  // namespace azdns::e2e
