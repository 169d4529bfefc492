// The files a config names: paths relative to the config file's folder, and
// only regular files read (spec: "Configuration (TOML)"). Internal to the
// config loader.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "config_toml.hpp"

namespace azdns {

class ConfigFolder {
public:
    explicit ConfigFolder(const std::string& config_file);

    // Relative paths are relative to the config file's folder.
    [[nodiscard]] std::string resolve(const std::string& path) const;
    // The resolved path; reports it at the key's value when it cannot be
    // read or holds more than `max_bytes`.
    std::string readable_file(ConfigSection& s, std::string_view key, const std::string& path,
                              std::uint64_t max_bytes = UINT64_MAX) const;

private:
    std::filesystem::path folder_;
};

}  // namespace azdns
