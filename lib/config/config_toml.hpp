// Exact, located access to one table of the parsed config (the top level,
// [server], one [[zone]] entry...). Internal to the config loader.
//
// toml++'s value_or() falls back to the default on a type mismatch, which
// would let `workers = "4"` silently mean 0. Every accessor here checks the
// type exactly, reports a mistake at the value's position and returns
// nullopt; it also records the key, so report_unknown_keys() can name every
// key nobody asked for (a typo must not silently change behaviour).
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <toml++/toml.h>

#include "config.hpp"
#include "diagnostics.hpp"

namespace azdns {

template <typename T>
struct Located {
    T value;
    SourceLocation where;
};

class ConfigSection {
public:
    // `path` prefixes key names in messages ("server" gives "server.workers");
    // `header` names the table in them ("[server]", "[[zone]]"). Both empty
    // for the top level.
    ConfigSection(const toml::table& table, std::string path, std::string header, const std::string& file,
                  Diagnostics& diags);

    // A table inside this one (a `[[fleet.peer]]` entry of [fleet]), reported
    // to the same file and diagnostics.
    [[nodiscard]] ConfigSection nested(const toml::table& table, std::string path, std::string header) const {
        return ConfigSection(table, std::move(path), std::move(header), file_, diags_);
    }

    [[nodiscard]] bool has(std::string_view key);
    // Where the key's value is, or the table itself when the key is absent.
    [[nodiscard]] SourceLocation where(std::string_view key) const;
    [[nodiscard]] SourceLocation where() const { return at(table_); }
    [[nodiscard]] SourceLocation at(const toml::node& node) const;
    // "server.workers".
    [[nodiscard]] std::string name(std::string_view key) const;

    // nullopt when absent (and reported if `required`) or mistyped (reported).
    [[nodiscard]] std::optional<std::string> string(std::string_view key, bool required = false);
    [[nodiscard]] std::optional<bool> boolean(std::string_view key);
    [[nodiscard]] std::optional<std::int64_t> integer(std::string_view key, std::int64_t min, std::int64_t max);
    // Accepts an integer too: `fence_below = 1` means 1.0.
    [[nodiscard]] std::optional<double> number(std::string_view key, double min, double max);
    [[nodiscard]] std::optional<Duration> duration(std::string_view key, bool zero_allowed);
    // "512M", "1G" (see byte_size.hpp); above zero.
    [[nodiscard]] std::optional<std::uint64_t> byte_size(std::string_view key);

    // nullopt when absent, not an array, or any element is mistyped or out of
    // range (each reported).
    [[nodiscard]] std::optional<std::vector<Located<std::string>>> strings(std::string_view key);
    [[nodiscard]] std::optional<std::vector<Located<std::int64_t>>> integers(std::string_view key, std::int64_t min,
                                                                            std::int64_t max);

    [[nodiscard]] const toml::table* table(std::string_view key);
    // The entries of `[[key]]`.
    [[nodiscard]] std::vector<const toml::table*> tables(std::string_view key);

    // One of `choices`, by its spelling in the file.
    template <typename Enum>
    [[nodiscard]] std::optional<Enum> choice(std::string_view key,
                                             std::initializer_list<std::pair<std::string_view, Enum>> choices) {
        const auto text = string(key);
        if (!text) return std::nullopt;
        std::string expected;
        for (const auto& [spelling, value] : choices) {
            if (*text == spelling) return value;
            expected += (expected.empty() ? "\"" : ", \"") + std::string(spelling) + "\"";
        }
        error(where(key), name(key) + " must be one of " + expected + ", not \"" + *text + "\"");
        return std::nullopt;
    }

    void missing(std::string_view key, std::string_view why = {});
    void error(SourceLocation where, std::string message) { diags_.error(std::move(where), std::move(message)); }
    void warning(SourceLocation where, std::string message) { diags_.warning(std::move(where), std::move(message)); }
    void report_unknown_keys();

private:
    const toml::node* find(std::string_view key);
    void wrong_type(const toml::node& node, const std::string& name, std::string_view expected);

    const toml::table& table_;
    std::string path_;
    std::string header_;
    const std::string& file_;
    Diagnostics& diags_;
    std::set<std::string, std::less<>> known_;
};

}  // namespace azdns
