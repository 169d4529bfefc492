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

}  // namespace azdns::test
