#include "config_files.hpp"

#include "byte_size.hpp"
#include "regular_file.hpp"

namespace azdns {

ConfigFolder::ConfigFolder(const std::string& config_file)
    : folder_(std::filesystem::absolute(config_file).parent_path()) {}

std::string ConfigFolder::resolve(const std::string& path) const {
    if (std::filesystem::path(path).is_absolute()) return path;
    return (folder_ / path).lexically_normal().string();
}

std::string ConfigFolder::readable_file(ConfigSection& s, std::string_view key, const std::string& path,
                                        std::uint64_t max_bytes) const {
    auto resolved = resolve(path);
    // Only regular files: opening a FIFO would wait for a writer, a device may never end.
    const RegularFile file = open_regular_file(resolved);
    const std::string problem =
        !file.error.empty() ? file.error : file.size > max_bytes ? "larger than " + byte_size_text(max_bytes) : "";
    if (!problem.empty()) s.error(s.where(key), "cannot read " + s.name(key) + " \"" + resolved + "\": " + problem);
    return resolved;
}

}  // namespace azdns
