// The world of an end-to-end health test: fake health endpoints on 127.0.0.x
// addresses (all on one port, as a [[check]] has one port), an azdns
// configured to probe them, and what a test needs to watch answers change:
// the addresses in an answer, its TTL, a bounded wait for a change, and
// `azdns ctl` against the server's control API.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "dns_client.hpp"
#include "fake_endpoint.hpp"
#include "process.hpp"
#include "server_process.hpp"

namespace azdns::e2e {

using testing::EndpointMode;
using testing::FakeHttpEndpoint;

// One fake HTTP endpoint per address, all on the same port, all answering.
class EndpointFarm {
public:
    explicit EndpointFarm(const std::vector<std::string>& addresses, testing::FakeEndpointOptions base = {});
    [[nodiscard]] bool ok() const { return error_.empty(); }
    [[nodiscard]] const std::string& error() const { return error_; }
    [[nodiscard]] std::uint16_t port() const { return port_; }
    FakeHttpEndpoint& at(const std::string& address) { return *endpoints_.at(address); }

private:
    std::map<std::string, std::unique_ptr<FakeHttpEndpoint>> endpoints_;
    std::uint16_t port_ = 0;
    std::string error_;
};

// The A/AAAA addresses in the answer section.
std::set<std::string> addresses_in(const Response& response);
// The TTL of the first answer record, if any.
std::optional<std::uint32_t> answer_ttl(const Response& response);

struct Waited {
    std::optional<Response> response;       // the first one that matched, nullopt on timeout
    std::chrono::milliseconds elapsed{0};   // from the call to that response
    std::optional<Response> last;           // the last one seen, for failure messages
};

// Asks (name, type) over UDP every few milliseconds until `want` holds or
// `wait` passes. `rd`: ask for recursion (a resolver refuses queries without).
// `source`: the local address to ask from (a client in some network).
Waited wait_for_answer(const Endpoint& server, const std::string& name, std::uint16_t type,
                       const std::function<bool(const Response&)>& want, std::chrono::milliseconds wait,
                       bool rd = false, const std::string& source = "");

bool with(const Response& response, const std::string& address);
bool without(const Response& response, const std::string& address);
// For failure messages: the last answer seen, then the server's log.
std::string describe(const Waited& waited, const AzdnsServer& server);

// The addresses of one answer (one query, bounded wait).
std::set<std::string> answered(const Endpoint& server, const std::string& name, std::uint16_t type = rrtype::A);

// Config and zone pieces for health tests: the zone health.test. with the
// given (owner, IPv4 address) records, [[az]] tables owning /32s, an http
// check "web" (interval 200ms, timeout 150ms, rise 2, fall 2; `extra` lines
// added), services using it, and options that serve all that with the
// [ttl] lines given (by default ttl.max 60, ttl.degraded 20, ttl.all_down 10).
std::string zone_with(const std::vector<std::pair<std::string, std::string>>& records);
std::string az(const std::string& name, const std::vector<std::string>& addresses,
               const std::string& restore_after = "500ms", double fence_below = 0.5);
std::string web_check(std::uint16_t port, const std::string& extra = "");
std::string service(const std::string& name, const std::string& policy = "all", const std::string& prefer = "");
ServerOptions options_for(const std::string& zone, const std::string& config,
                          const std::string& ttl = "max = 60\ndegraded = 20\nall_down = 10\n");

// `azdns ctl -s http://127.0.0.1:CONTROL ARGS...`
test::ProcessResult ctl(const AzdnsServer& server, const std::vector<std::string>& args);

}  // namespace azdns::e2e
