#include "health_world.hpp"

#include <poll.h>

#include <sstream>

namespace azdns::e2e {

EndpointFarm::EndpointFarm(const std::vector<std::string>& addresses, testing::FakeEndpointOptions base) {
    for (const std::string& address : addresses) {
        testing::FakeEndpointOptions options = base;
        options.address = address;
        options.port = port_;  // 0 for the first: it picks the port the others share
        auto endpoint = std::make_unique<FakeHttpEndpoint>(options);
        std::string error;
        if (!endpoint->start(error)) {
            error_ = address + ": " + error;
            return;
        }
        port_ = endpoint->port();
        endpoints_.emplace(address, std::move(endpoint));
    }
}

std::set<std::string> addresses_in(const Response& response) {
    std::set<std::string> out;
    for (const std::string& line : response.answer) {
        std::istringstream fields(line);
        std::string owner, ttl, klass, type, data;
        fields >> owner >> ttl >> klass >> type >> data;
        if (type == "A" || type == "AAAA") out.insert(data);
    }
    return out;
}

std::optional<std::uint32_t> answer_ttl(const Response& response) {
    if (response.answer.empty()) return std::nullopt;
    std::istringstream fields(response.answer.front());
    std::string owner;
    std::uint32_t ttl = 0;
    fields >> owner >> ttl;
    return ttl;
}

Waited wait_for_answer(const Endpoint& server, const std::string& name, std::uint16_t type,
                       const std::function<bool(const Response&)>& want, std::chrono::milliseconds wait, bool rd,
                       const std::string& source) {
    using Clock = std::chrono::steady_clock;
    Waited out;
    const auto start = Clock::now();
    while (Clock::now() - start < wait) {
        Query query{.name = name, .type = type, .rd = rd, .source = source};
        if (auto response = ask_udp(server, query, std::chrono::milliseconds(200))) {
            if (want(*response)) {
                out.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
                out.response = response;
                return out;
            }
            out.last = response;
        }
        poll(nullptr, 0, 5);  // a bounded pace between queries, not a wait for an event
    }
    return out;
}

bool with(const Response& response, const std::string& address) { return addresses_in(response).contains(address); }
bool without(const Response& response, const std::string& address) { return !with(response, address); }

std::string describe(const Waited& waited, const AzdnsServer& server) {
    return (waited.last ? waited.last->dump() : std::string("no answer\n")) + server.log();
}

std::set<std::string> answered(const Endpoint& server, const std::string& name, std::uint16_t type) {
    Query query{.name = name, .type = type};
    auto response = ask_udp(server, query);
    return response ? addresses_in(*response) : std::set<std::string>{"(no answer)"};
}

std::string zone_with(const std::vector<std::pair<std::string, std::string>>& records) {
    std::string text =
        "$ORIGIN health.test.\n$TTL 300\n"
        "@ IN SOA ns1 hostmaster 1 3600 600 86400 60\n@ IN NS ns1\nns1 IN A 127.0.0.1\n";
    for (const auto& [owner, address] : records) text += owner + " IN A " + address + "\n";
    return text;
}

std::string az(const std::string& name, const std::vector<std::string>& addresses, const std::string& restore_after,
               double fence_below) {
    std::ostringstream out;
    out << "[[az]]\nname = \"" << name << "\"\nregion = \"test-1\"\nprefixes = [";
    for (std::size_t i = 0; i < addresses.size(); ++i) out << (i ? ", " : "") << '"' << addresses[i] << "/32\"";
    out << "]\nfence_below = " << fence_below << "\nrestore_after = \"" << restore_after << "\"\n\n";
    return out.str();
}

std::string web_check(std::uint16_t port, const std::string& extra) {
    return "[[check]]\nname = \"web\"\ntype = \"http\"\nport = " + std::to_string(port) +
           "\npath = \"/healthz\"\ninterval = \"200ms\"\ntimeout = \"150ms\"\nrise = 2\nfall = 2\n" + extra + "\n";
}

std::string service(const std::string& name, const std::string& policy, const std::string& prefer) {
    return "[[service]]\nname = \"" + name + "\"\ncheck = \"web\"\npolicy = \"" + policy + "\"\n" +
           (prefer.empty() ? "" : "prefer = " + prefer + "\n") + "\n";
}

ServerOptions options_for(const std::string& zone, const std::string& config, const std::string& ttl) {
    ServerOptions options;
    options.zones.clear();
    options.zone_texts = {{"health.test.", zone}};
    options.extra_config = "[ttl]\n" + ttl + "\n" + config;
    return options;
}

test::ProcessResult ctl(const AzdnsServer& server, const std::vector<std::string>& args) {
    std::vector<std::string> argv{AZDNS_BINARY, "ctl", "-s", "http://127.0.0.1:" + std::to_string(server.control_port())};
    argv.insert(argv.end(), args.begin(), args.end());
    return test::run_process(argv, std::chrono::seconds(15));
}

}  // namespace azdns::e2e
