// Shared by the e2e suites: one azdns per test executable for the read-only
// answer tests, and assertion helpers that print whole responses on failure.
#pragma once

#include <doctest/doctest.h>

#include <algorithm>
#include <cctype>
#include <string>
#include <vector>

#include "dns_client.hpp"
#include "server_process.hpp"

namespace azdns::e2e {

// Started on first use, stopped (SIGTERM by PID) when the test program exits.
inline AzdnsServer& shared_server() {
    static AzdnsServer server;
    return server;
}

// Fails the current test (with the server's log) unless the shared server is up.
#define REQUIRE_SERVER(server) REQUIRE_MESSAGE((server).ready(), "azdns did not start and answer:\n", (server).log())

inline std::string lower(std::string text) {
    std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
    return text;
}

// Sorted and lowercased: a section compared as a set of RRs, names case-insensitively.
inline std::vector<std::string> normal(std::vector<std::string> lines) {
    for (auto& line : lines) line = lower(line);
    std::sort(lines.begin(), lines.end());
    return lines;
}

inline std::string join(const std::vector<std::string>& lines) {
    std::string text;
    for (const auto& line : lines) text += "  " + line + "\n";
    return text;
}

// The negative-answer SOA of example.com.: TTL min(3600, MINIMUM 600) = 600.
inline const std::string com_soa_negative =
    "example.com. 600 IN SOA ns1.example.com. hostmaster.example.com. 2026010101 7200 900 1209600 600";
inline const std::string com_soa =
    "example.com. 3600 IN SOA ns1.example.com. hostmaster.example.com. 2026010101 7200 900 1209600 600";
// example.net.: TTL min(SOA TTL 120, MINIMUM 900) = 120.
inline const std::string net_soa_negative =
    "example.net. 120 IN SOA ns1.example.com. hostmaster.example.com. 7 7200 900 1209600 900";

inline std::vector<Endpoint> both_families(const AzdnsServer& server) { return {server.v4(), server.v6()}; }

}  // namespace azdns::e2e
