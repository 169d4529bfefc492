#include "config_files.hpp"

#include "regular_file.hpp"

namespace azdns {

ConfigFolder::ConfigFolder(const std::string& config_file)
    : folder_(std::filesystem::absolute(config_file).parent_path()) {}

std::string ConfigFolder::resolve(const std::string& path) const {
    if (std::filesystem::path(path).is_absolute()) return path;
    return (folder_ / path).lexically_normal().string();
}

std::string ConfigFolder::readable_file(ConfigSection& s, std::string_view key, const std::string& path) const {
    auto resolved = resolve(path);
    // Only regular files: opening a FIFO would wait for a writer, a device may never end.
    if (const RegularFile file = open_regular_file(resolved); !file.error.empty())
        s.error(s.where(key), "cannot read " + s.name(key) + " \"" + resolved + "\": " + file.error);
    return resolved;
}

}  // namespace azdns
