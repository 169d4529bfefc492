// The engine's share of a query, without the kernel: loads a zone and a
// dnsperf query file (make_zone.py writes both), then answers every query
// of the mix ROUNDS times through AnswerEngine::answer, as the UDP listener
// does (no EDNS, like dnsperf by default), with the health view the server
// builds for a config without health checks. Prints ns per query; run it under
// `valgrind --tool=callgrind` for instructions per query.
//   answer_cost ZONE_FILE QUERY_FILE [ROUNDS]     (origin: bench.example.)
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
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

}  // namespace

int main(int argc, char** argv) {
    if (argc < 3) {
        std::fprintf(stderr, "usage: answer_cost ZONE_FILE QUERY_FILE [ROUNDS]\n");
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
    auto health = azdns::HealthView::build(zones, azdns::Config{}, azdns::HealthSnapshot{});
    auto queries = read_queries(argv[2]);
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
