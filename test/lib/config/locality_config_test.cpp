// Client locality in the config (docs/health.md, "The client's own AZ
// first"): [[az]] clients and the nearest policy, every mistake at the
// FILE:LINE:COL that `azdns check` prints, all in one run.
#include <doctest/doctest.h>

#include <initializer_list>
#include <string>

#include "config.hpp"
#include "config_test_support.hpp"

using namespace azdns;
using azdns::test::diagnostics_text;

namespace {

const std::string locality_dir = std::string(AZDNS_TEST_DATA_DIR) + "/config/locality/";

std::string located(const std::string& name, std::initializer_list<std::string> messages) {
    std::string out;
    for (const auto& message : messages) out += locality_dir + name + ":" + message + "\n";
    return out;
}

}  // namespace

TEST_CASE("az.clients and policy nearest") {
    const Config config = azdns::test::load_valid_config(locality_dir + "nearest.toml");
    REQUIRE(config.azs.size() == 2);
    CHECK(config.azs[0].clients == std::vector<IpPrefix>{*IpPrefix::parse("10.1.0.0/16"),
                                                         *IpPrefix::parse("2001:db8:a1::/48")});
    CHECK(config.azs[1].clients.size() == 2);  // 10.1.5.0/24 nests in the other AZ's /16: the longer wins
    REQUIRE(config.services.size() == 1);
    CHECK(config.services[0].policy == ServicePolicy::nearest);
    CHECK(config.services[0].prefer == std::vector<std::string>{"europe-se-1b", "europe-se-1a"});
}

TEST_CASE("bad client networks and nearest services are refused, each where it is") {
    CHECK(diagnostics_text(locality_dir + "bad_clients.toml", false) ==
          located("bad_clients.toml",
                  {"8:27: invalid az.clients \"10.1.2.3/16\": bits past /16 are set (did you mean 10.1.0.0/16?)",
                   "8:42: invalid az.clients \"banana\": expected ADDRESS/LENGTH, like \"192.0.2.0/25\"",
                   "13:12: client network 10.1.0.0/16 of az \"b\" is also listed for az \"a\"",
                   "20:1: missing key \"prefer\" in [[service]]: nearest services need at least one az",
                   "29:16: service.prefer names az \"c\", which is not defined"}));
}

TEST_CASE("a nearest service with no AZ listing clients is a warning: everyone is outside") {
    CHECK(diagnostics_text(locality_dir + "no_clients.toml", true) ==
          located("no_clients.toml", {"15:8: warning: service \"db.example.com.\" has policy \"nearest\" but no az "
                                      "lists clients: every client is outside, and gets the prefer order"}));
}
