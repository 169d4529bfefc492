// What real tools see: kdig (Knot) and dig (BIND) against azdns, asserting on
// the text they print (status, flags, answer lines).
#include <doctest/doctest.h>

#include <regex>
#include <sstream>

#include "e2e_fixture.hpp"
#include "process.hpp"

using namespace azdns::e2e;
using azdns::test::run_process;

namespace {

struct ToolOutput {
    std::string text;
    std::string status;                   // "NOERROR", "NXDOMAIN", ...
    std::vector<std::string> flags;       // "qr", "aa", ...
    std::vector<std::string> answer;      // lines of the ANSWER SECTION, single-spaced
    std::vector<std::string> authority;
    [[nodiscard]] bool has_flag(const std::string& flag) const {
        return std::find(flags.begin(), flags.end(), flag) != flags.end();
    }
};

std::vector<std::string> section(const std::string& text, const std::string& title) {
    std::vector<std::string> lines;
    std::istringstream in(text);
    bool inside = false;
    for (std::string line; std::getline(in, line);) {
        if (line.find(";; " + title + " SECTION:") == 0) {
            inside = true;
            continue;
        }
        if (!inside) continue;
        if (line.empty() || line[0] == ';') break;
        std::istringstream words(line);
        std::string word, joined;
        while (words >> word) joined += (joined.empty() ? "" : " ") + word;
        lines.push_back(lower(joined));
    }
    std::sort(lines.begin(), lines.end());
    return lines;
}

ToolOutput run_tool(std::vector<std::string> argv) {
    auto result = run_process(argv, std::chrono::seconds(15));
    ToolOutput output;
    output.text = result.out + result.err;
    REQUIRE_MESSAGE(!result.timed_out, argv[0], " timed out:\n", output.text);
    std::smatch match;
    if (std::regex_search(output.text, match, std::regex("status: ([A-Z]+)"))) output.status = match[1];
    if (std::regex_search(output.text, match, std::regex(";; [Ff]lags: ?([a-z ]*);"))) {
        std::istringstream words(match[1].str());
        for (std::string flag; words >> flag;) output.flags.push_back(flag);
    }
    output.answer = section(output.text, "ANSWER");
    output.authority = section(output.text, "AUTHORITY");
    return output;
}

ToolOutput kdig(const Endpoint& server, std::vector<std::string> args) {
    std::vector<std::string> argv = {"/usr/bin/kdig", "@" + server.address, "-p", std::to_string(server.port),
                                     "+norec", "+timeout=2", "+retry=0"};
    argv.insert(argv.end(), args.begin(), args.end());
    return run_tool(argv);
}

ToolOutput dig(const Endpoint& server, std::vector<std::string> args) {
    std::vector<std::string> argv = {"/usr/bin/dig", "@" + server.address, "-p", std::to_string(server.port),
                                     "+norec", "+time=2", "+tries=1"};
    argv.insert(argv.end(), args.begin(), args.end());
    return run_tool(argv);
}

const std::vector<std::string> www_a = {"www.example.com. 300 in a 192.0.2.10", "www.example.com. 300 in a 192.0.2.11"};

}  // namespace

TEST_CASE("kdig: A over UDP and TCP, IPv4 and IPv6") {
    auto& server = shared_server();
    REQUIRE_SERVER(server);
    for (const auto& endpoint : both_families(server)) {
        for (std::string transport : {"+notcp", "+tcp"}) {
            auto out = kdig(endpoint, {transport, "www.example.com.", "A"});
            INFO(out.text);
            CHECK(out.status == "NOERROR");
            CHECK(out.has_flag("qr"));
            CHECK(out.has_flag("aa"));
            CHECK_FALSE(out.has_flag("ra"));
            CHECK_FALSE(out.has_flag("rd"));
            CHECK(out.answer == www_a);
        }
    }
}

TEST_CASE("kdig: NXDOMAIN with the SOA, NSID, wildcard CNAME") {
    auto& server = shared_server();
    REQUIRE_SERVER(server);
    auto nx = kdig(server.v4(), {"nope.example.com.", "A"});
    INFO(nx.text);
    CHECK(nx.status == "NXDOMAIN");
    CHECK(nx.answer.empty());
    CHECK(nx.authority == std::vector<std::string>{lower(com_soa_negative)});

    auto nsid = kdig(server.v6(), {"+nsid", "www.example.com.", "A"});
    INFO(nsid.text);
    CHECK(nsid.text.find("e2e-ns1") != std::string::npos);

    auto wc = kdig(server.v4(), {"Some.WC.example.com.", "A"});
    INFO(wc.text);
    CHECK(wc.status == "NOERROR");
    CHECK(wc.answer == sorted({"some.wc.example.com. 300 in cname www.example.com.", www_a[0], www_a[1]}));
}

TEST_CASE("dig: truncation makes dig retry over TCP and get the whole RRset") {
    auto& server = shared_server();
    REQUIRE_SERVER(server);
    auto truncated = dig(server.v4(), {"+ignore", "+noedns", "medium.example.com.", "TXT"});
    INFO(truncated.text);
    CHECK(truncated.has_flag("tc"));
    CHECK(truncated.answer.empty());
    auto retried = dig(server.v4(), {"+noedns", "medium.example.com.", "TXT"});
    INFO(retried.text);
    CHECK(retried.status == "NOERROR");
    CHECK_FALSE(retried.has_flag("tc"));
    CHECK(retried.answer.size() == 12);
}

TEST_CASE("dig: referral, REFUSED, CH TXT id.server, refused AXFR") {
    auto& server = shared_server();
    REQUIRE_SERVER(server);
    auto referral = dig(server.v6(), {"host.sub.example.com.", "A"});
    INFO(referral.text);
    CHECK(referral.status == "NOERROR");
    CHECK_FALSE(referral.has_flag("aa"));
    CHECK(referral.answer.empty());
    CHECK(referral.authority == sorted({"sub.example.com. 300 in ns ns.example.org.",
                                        "sub.example.com. 300 in ns ns.sub.example.com."}));

    auto refused = dig(server.v4(), {"www.example.org.", "A"});
    INFO(refused.text);
    CHECK(refused.status == "REFUSED");

    auto id = dig(server.v4(), {"id.server.", "CH", "TXT"});
    INFO(id.text);
    CHECK(id.status == "NOERROR");
    CHECK(id.text.find("\"e2e-ns1\"") != std::string::npos);

    auto axfr = dig(server.v4(), {"example.com.", "AXFR"});
    INFO(axfr.text);
    CHECK(axfr.text.find("Transfer failed") != std::string::npos);
    CHECK(axfr.text.find("IN\tSOA") == std::string::npos);
}
