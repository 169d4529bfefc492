// The engine's share of a query, without the kernel: loads a zone and a
// dnsperf query file (make_zone.py writes both), then answers every query
// of the mix ROUNDS times through AnswerEngine::answer, as the UDP listener
// does (no EDNS, like dnsperf by default), with the health view the server
// builds for a config without health checks. Prints ns per query; run it under
// `valgrind --tool=callgrind` for instructions per query.
//   answer_cost ZONE_FILE QUERY_FILE [ROUNDS]     (origin: bench.example.)
// With --locality NETWORKS (a zone of `make_zone.py --azs 2`), it measures
// the cost of placing clients instead: every host is a service of two AZs,
// asked from clients spread over 2 x NETWORKS /24s of the AZs' `clients`
// and outside them, half the queries with EDNS. It prints ns per query with
// `failover` services and no client networks (the path before locality)
// and with `nearest` services, the EDNS half carrying a client subnet,
// alternating the two over ROUNDS rounds, and their medians. With ONLY
// ("before" or "after") it runs that one alone: under callgrind, the
// instructions per query of each, which the machine's noise does not move.
//   answer_cost ZONE_FILE QUERY_FILE ROUNDS --locality NETWORKS [ONLY]
// With --rrl it measures response rate limiting's cost when nobody is
// limited: every query answered without a guard ("before") and with a rate
// limiter of 1,000,000 responses a second per bucket ("after"), from 256
// client networks; ONLY as above.
//   answer_cost ZONE_FILE QUERY_FILE ROUNDS --rrl [ONLY]
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "answer_engine.hpp"
#include "config.hpp"
#include "dns_name.hpp"
#include "health_view.hpp"
#include "zone_load.hpp"

namespace {

std::uint16_t type_code(const std::string& type) {
    static const std::pair<const char*, std::uint16_t> known[] = {
        {"A", 1}, {"NS", 2}, {"CNAME", 5}, {"SOA", 6}, {"MX", 15}, {"TXT", 16}, {"AAAA", 28}, {"ANY", 255}};
    for (const auto& [name, code] : known)
        if (type == name) return code;
    return 0;
}

// One query message per "NAME TYPE" line, in the wire form dnsperf sends.
std::vector<std::vector<std::uint8_t>> read_queries(const char* path) {
    std::vector<std::vector<std::uint8_t>> queries;
    std::ifstream in(path);
    std::string line;
    while (std::getline(in, line)) {
        std::istringstream fields(line);
        std::string name, type;
        if (!(fields >> name >> type)) continue;
        auto wire = azdns::name_from_text(name);
        std::uint16_t code = type_code(type);
        if (!wire || code == 0) continue;
        auto id = static_cast<std::uint16_t>(queries.size());
        std::vector<std::uint8_t> q = {static_cast<std::uint8_t>(id >> 8), static_cast<std::uint8_t>(id), 0x01, 0, 0, 1,
                                       0, 0, 0, 0, 0, 0};
        q.insert(q.end(), wire->begin(), wire->end());
        q.insert(q.end(), {static_cast<std::uint8_t>(code >> 8), static_cast<std::uint8_t>(code), 0, 1});
        queries.push_back(std::move(q));
    }
    return queries;
}

// Two AZs, whose addresses make_zone.py --azs 2 puts in 10.0/12 and 10.16/12;
// every A/AAAA name "hostN" a service of `policy`; with `networks`, each AZ
// lists that many /24s of clients (AZ a's in 172.16/12, b's in 172.32/12).
azdns::Config locality_config(const azdns::ZoneSet& zones, azdns::ServicePolicy policy, int networks) {
    azdns::Config config;
    azdns::CheckConfig check;
    check.name = "web";
    config.checks.push_back(check);
    for (int k = 0; k < 2; ++k) {
        azdns::AzConfig az;
        az.name = k == 0 ? "a" : "b";
        az.prefixes = {*azdns::IpPrefix::parse(k == 0 ? "10.0.0.0/12" : "10.16.0.0/12")};
        for (int n = 0; n < networks; ++n)
            az.clients.push_back(*azdns::IpPrefix::parse("172." + std::to_string(16 * (k + 1) + (n >> 8)) + "." +
                                                         std::to_string(n & 255) + ".0/24"));
        config.azs.push_back(az);
    }
    const azdns::Zone& zone = *zones.all().front();
    for (std::size_t n = 0; n < zone.node_count(); ++n) {
        azdns::NodeView node = zone.node(n);
        if (node.rrset(1).empty()) continue;
        azdns::ServiceConfig service;
        service.name = std::string(node.name());
        service.check = "web";
        service.policy = policy;
        service.prefer = {"b", "a"};
        config.services.push_back(service);
    }
    return config;
}

// `query` with an OPT record: plain, or with a client subnet of `client`'s /24.
std::vector<std::uint8_t> with_edns(std::vector<std::uint8_t> query, const azdns::IpAddress* client) {
    query[11] = 1;  // ARCOUNT
    query.insert(query.end(), {0, 0, 41, 0x04, 0xd0, 0, 0, 0, 0});
    if (client == nullptr) {
        query.insert(query.end(), {0, 0});
        return query;
    }
    query.insert(query.end(), {0, 11, 0, 8, 0, 7, 0, 1, 24, 0, client->bytes[0], client->bytes[1], client->bytes[2]});
    return query;
}

double median(std::vector<double> values) {
    std::sort(values.begin(), values.end());
    return values[values.size() / 2];
}

int locality_cost(const azdns::ZoneSet& zones, const std::vector<std::vector<std::uint8_t>>& plain, int rounds,
                  int networks, std::string_view only) {
    struct Mode {
        const char* name;
        std::shared_ptr<const azdns::HealthView> health;
        std::vector<std::vector<std::uint8_t>> queries;
        std::vector<double> ns;
    };
    Mode before{"failover, no client networks", azdns::HealthView::build(zones, locality_config(zones, azdns::ServicePolicy::failover, 0), {}), {}, {}};
    Mode after{"nearest, client networks", azdns::HealthView::build(zones, locality_config(zones, azdns::ServicePolicy::nearest, networks), {}), {}, {}};
    // Query i comes from client i: in a's networks, b's, or outside them (192.0.2.x), in turn.
    std::vector<azdns::Client> clients;
    for (std::size_t i = 0; i < plain.size(); ++i) {
        const int n = static_cast<int>(i / 3) % networks;
        const std::string address = i % 3 == 2 ? "192.0.2." + std::to_string(i & 255)
                                                : "172." + std::to_string(16 * (1 + i % 3) + (n >> 8)) + "." +
                                                      std::to_string(n & 255) + "." + std::to_string(1 + i % 250);
        clients.push_back({*azdns::IpAddress::parse(address), 40053, azdns::Transport::udp});
        const bool edns = i % 2 == 1;
        before.queries.push_back(edns ? with_edns(plain[i], nullptr) : plain[i]);
        after.queries.push_back(edns ? with_edns(plain[i], &clients.back().address) : plain[i]);
    }
    azdns::AnswerEngine engine(azdns::AnswerOptions{});
    std::vector<std::uint8_t> response(engine.max_response_size(azdns::Transport::udp));
    std::size_t bytes = 0;
    std::vector<Mode*> modes;
    if (only != "after") modes.push_back(&before);
    if (only != "before") modes.push_back(&after);
    for (int round = 0; round < rounds; ++round) {
        for (Mode* mode : modes) {
            auto start = std::chrono::steady_clock::now();
            for (std::size_t i = 0; i < mode->queries.size(); ++i)
                bytes += engine.answer(mode->queries[i], zones, clients[i], response, mode->health.get());
            std::chrono::duration<double, std::nano> elapsed = std::chrono::steady_clock::now() - start;
            mode->ns.push_back(elapsed.count() / static_cast<double>(mode->queries.size()));
        }
    }
    for (const Mode* mode : modes)
        std::printf("%-30s %.1f ns/query (median of %d rounds of %zu queries)\n", mode->name, median(mode->ns), rounds,
                    mode->queries.size());
    if (modes.size() == 2)
        std::printf("locality costs %+.1f %% (%zu response bytes in all)\n",
                    100.0 * (median(after.ns) / median(before.ns) - 1.0), bytes);
    return 0;
}

int rrl_cost(const azdns::ZoneSet& zones, const std::vector<std::vector<std::uint8_t>>& queries, int rounds,
             std::string_view only) {
    azdns::RateLimitSettings settings;
    settings.responses_per_second = 1'000'000;  // every response counted in its bucket, none limited
    azdns::ClientGuard guard;
    guard.limiter = std::make_shared<azdns::ResponseRateLimiter>(settings, 0x5eed);
    azdns::RateLimitCounters counters;
    const azdns::GuardContext limiting{&guard, &counters, 1};
    std::vector<azdns::Client> clients;
    for (std::size_t i = 0; i < queries.size(); ++i)
        clients.push_back({*azdns::IpAddress::parse("10." + std::to_string(i % 256) + ".0.1"), 40053,
                           azdns::Transport::udp});
    const auto health = azdns::HealthView::build(zones, azdns::Config{}, azdns::HealthSnapshot{});
    azdns::AnswerEngine engine(azdns::AnswerOptions{});
    std::vector<std::uint8_t> response(engine.max_response_size(azdns::Transport::udp));
    std::size_t answered = 0;
    std::vector<double> before, after;
    for (int round = 0; round < rounds; ++round) {
        for (const bool on : {false, true}) {
            if ((on ? "before" : "after") == only) continue;
            const auto start = std::chrono::steady_clock::now();
            for (std::size_t i = 0; i < queries.size(); ++i)
                answered += engine.answer(queries[i], zones, clients[i], response, health.get(), nullptr, nullptr,
                                          on ? &limiting : nullptr) != 0;
            const std::chrono::duration<double, std::nano> elapsed = std::chrono::steady_clock::now() - start;
            (on ? after : before).push_back(elapsed.count() / static_cast<double>(queries.size()));
        }
    }
    if (!before.empty()) std::printf("%-30s %.1f ns/query\n", "no rate limit", median(before));
    if (!after.empty()) std::printf("%-30s %.1f ns/query\n", "rate limit, none limited", median(after));
    if (!before.empty() && !after.empty())
        std::printf("rate limiting costs %+.1f %% (%zu answered)\n", 100.0 * (median(after) / median(before) - 1.0),
                    answered);
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 3) {
        std::fprintf(stderr, "usage: answer_cost ZONE_FILE QUERY_FILE [ROUNDS [--locality NETWORKS]]\n");
        return 2;
    }
    int rounds = argc > 3 ? std::atoi(argv[3]) : 1;
    azdns::Diagnostics diags;
    auto zone = azdns::load_zone(*azdns::name_from_text("bench.example."), argv[1], {}, diags);
    if (!zone) {
        std::fprintf(stderr, "answer_cost: cannot load %s\n", argv[1]);
        return 1;
    }
    azdns::ZoneSet zones;
    zones.add(zone);
    auto queries = read_queries(argv[2]);
    if (argc > 4 && std::string_view(argv[4]) == "--rrl")
        return rrl_cost(zones, queries, rounds, argc > 5 ? argv[5] : "");
    if (argc > 5 && std::string_view(argv[4]) == "--locality")
        return locality_cost(zones, queries, rounds, std::max(1, std::atoi(argv[5])), argc > 6 ? argv[6] : "");
    auto health = azdns::HealthView::build(zones, azdns::Config{}, azdns::HealthSnapshot{});
    azdns::AnswerEngine engine(azdns::AnswerOptions{});
    std::vector<std::uint8_t> response(engine.max_response_size(azdns::Transport::udp));

    // As a UDP listener fills it from the datagram's source.
    azdns::Client client{*azdns::IpAddress::parse("192.0.2.53"), 40053, azdns::Transport::udp};

    std::size_t bytes = 0;
    auto start = std::chrono::steady_clock::now();
    for (int round = 0; round < rounds; ++round)
        for (const auto& q : queries) bytes += engine.answer(q, zones, client, response, health.get());
    std::chrono::duration<double, std::nano> elapsed = std::chrono::steady_clock::now() - start;
    double answered = static_cast<double>(queries.size()) * rounds;
    std::printf("%zu queries x %d rounds: %.1f ns/query, %.1f response bytes/query\n", queries.size(), rounds,
                elapsed.count() / answered, static_cast<double>(bytes) / answered);
    return 0;
}
