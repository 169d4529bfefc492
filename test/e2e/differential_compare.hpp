// Comparing two servers' answers: a response as text with the differences
// the RFCs allow taken out, the line diff of two such texts, and findings
// listed (the first few in full) and counted by kind.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "dns_client.hpp"

namespace azdns::e2e {

// A response as text: a header line, then one line per RR ("answer: ...",
// "authority: ...", "additional: ..."), after the rules in the .cpp.
std::vector<std::string> normalise(const Response& response);

// Line-by-line difference of two normalised responses: "    " same, "  - "
// only in `left`, "  + " only in `right`. Empty when equal.
std::string diff(const std::vector<std::string>& left, const std::vector<std::string>& right);

// What differs, in a few words, for a summary: the header fields with both
// values, then the sections ("rcode=0|3 aa=1|0; answer authority").
std::string what_differs(const std::vector<std::string>& left, const std::vector<std::string>& right);

// Findings of one kind of check: counted per kind, the first `shown` in full.
class Findings {
public:
    explicit Findings(unsigned shown) : shown_(shown) {}
    void add(const std::string& kind, const std::string& text);
    [[nodiscard]] unsigned count() const { return count_; }
    // The first findings in full, then "  N x kind" lines.
    [[nodiscard]] std::string report() const;

private:
    unsigned shown_;
    unsigned count_ = 0;
    std::string first_;
    std::map<std::string, unsigned> by_kind_;
};

}  // namespace azdns::e2e
