// Shared by the config suites: loading a config that must be valid.
#pragma once

#include <doctest/doctest.h>

#include <string>

#include "config.hpp"

namespace azdns::test {

// Loads `path`, printing any diagnostic; fails the test unless it loads
// with none at all.
inline Config load_valid_config(const std::string& path) {
    Diagnostics diags;
    auto config = load_config(path, diags);
    for (const auto& diagnostic : diags.all()) MESSAGE(diagnostic.to_string());
    REQUIRE(config.has_value());
    CHECK(diags.all().empty());
    return std::move(*config);
}

// Every diagnostic of loading `path`, a line each as `azdns check` prints
// them; checks that the config loads, or not, as `loads` says.
inline std::string diagnostics_text(const std::string& path, bool loads) {
    Diagnostics diags;
    CHECK(load_config(path, diags).has_value() == loads);
    std::string out;
    for (const auto& diagnostic : diags.all()) out += diagnostic.to_string() + "\n";
    return out;
}

}  // namespace azdns::test
