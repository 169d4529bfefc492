#include "config_toml.hpp"

#include <charconv>

#include "byte_size.hpp"

namespace azdns {

namespace {

std::string_view describe(toml::node_type type) {
    switch (type) {
        case toml::node_type::string: return "a string";
        case toml::node_type::integer: return "an integer";
        case toml::node_type::floating_point: return "a float";
        case toml::node_type::boolean: return "a boolean";
        case toml::node_type::date: return "a date";
        case toml::node_type::time: return "a time";
        case toml::node_type::date_time: return "a date-time";
        case toml::node_type::array: return "an array";
        case toml::node_type::table: return "a table";
        case toml::node_type::none: break;
    }
    return "nothing";
}

// Shortest text that reads back as the same double ("0.5", "1.5").
std::string number_text(double value) {
    char buffer[32];
    const auto end = std::to_chars(buffer, buffer + sizeof buffer, value).ptr;
    return std::string(buffer, end);
}

bool is_array_of_tables(const toml::node& node) {
    const auto* array = node.as_array();
    return array && !array->empty() && array->is_array_of_tables();
}

}  // namespace

ConfigSection::ConfigSection(const toml::table& table, std::string path, std::string header,
                             const std::string& file, Diagnostics& diags)
    : table_(table), path_(std::move(path)), header_(std::move(header)), file_(file), diags_(diags) {}

SourceLocation ConfigSection::at(const toml::node& node) const {
    const auto begin = node.source().begin;
    return {file_, begin.line, begin.column};
}

SourceLocation ConfigSection::where(std::string_view key) const {
    const auto* node = table_.get(key);
    return node ? at(*node) : where();
}

std::string ConfigSection::name(std::string_view key) const {
    return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
}

const toml::node* ConfigSection::find(std::string_view key) {
    known_.emplace(key);
    return table_.get(key);
}

bool ConfigSection::has(std::string_view key) { return find(key) != nullptr; }

void ConfigSection::wrong_type(const toml::node& node, const std::string& name, std::string_view expected) {
    error(at(node), name + " must be " + std::string(expected) + ", not " + std::string(describe(node.type())));
}

void ConfigSection::missing(std::string_view key, std::string_view why) {
    std::string message = "missing key \"" + std::string(key) + "\" in " + header_;
    if (!why.empty()) message += ": " + std::string(why);
    error(where(), std::move(message));
}

std::optional<std::string> ConfigSection::string(std::string_view key, bool required) {
    const auto* node = find(key);
    if (!node) {
        if (required) missing(key);
        return std::nullopt;
    }
    if (const auto* value = node->as_string()) return value->get();
    wrong_type(*node, name(key), "a string");
    return std::nullopt;
}

std::optional<bool> ConfigSection::boolean(std::string_view key) {
    const auto* node = find(key);
    if (!node) return std::nullopt;
    if (const auto* value = node->as_boolean()) return value->get();
    wrong_type(*node, name(key), "a boolean");
    return std::nullopt;
}

std::optional<std::int64_t> ConfigSection::integer(std::string_view key, std::int64_t min, std::int64_t max) {
    const auto* node = find(key);
    if (!node) return std::nullopt;
    const auto* value = node->as_integer();
    if (!value) {
        wrong_type(*node, name(key), "an integer");
        return std::nullopt;
    }
    if (value->get() < min || value->get() > max) {
        error(at(*node), name(key) + " must be between " + std::to_string(min) + " and " + std::to_string(max) +
                             ", not " + std::to_string(value->get()));
        return std::nullopt;
    }
    return value->get();
}

std::optional<double> ConfigSection::number(std::string_view key, double min, double max) {
    const auto* node = find(key);
    if (!node) return std::nullopt;
    std::optional<double> number;
    if (const auto* value = node->as_floating_point()) number = value->get();
    if (const auto* value = node->as_integer()) number = static_cast<double>(value->get());
    if (!number) {
        wrong_type(*node, name(key), "a number");
        return std::nullopt;
    }
    if (!(*number >= min && *number <= max)) {  // also catches nan
        error(at(*node), name(key) + " must be between " + number_text(min) + " and " + number_text(max) +
                             ", not " + number_text(*number));
        return std::nullopt;
    }
    return number;
}

std::optional<Duration> ConfigSection::duration(std::string_view key, bool zero_allowed) {
    const auto text = string(key);
    if (!text) return std::nullopt;
    const auto value = parse_duration(*text);
    if (!value) {
        error(where(key), "invalid " + name(key) + " \"" + *text +
                              "\": expected a number and a unit (ms, s, m, h), like \"500ms\" or \"1m30s\"");
        return std::nullopt;
    }
    if (!zero_allowed && value->count() == 0) {
        error(where(key), name(key) + " must be longer than zero");
        return std::nullopt;
    }
    return value;
}

std::optional<std::uint64_t> ConfigSection::byte_size(std::string_view key) {
    const auto text = string(key);
    if (!text) return std::nullopt;
    const auto value = parse_byte_size(*text);
    if (!value) {
        error(where(key), "invalid " + name(key) + " \"" + *text +
                              "\": expected a number and a unit (B, K, M, G; K = 1024 bytes), like \"512M\" or \"1G\"");
        return std::nullopt;
    }
    if (*value == 0) {
        error(where(key), name(key) + " must be larger than zero");
        return std::nullopt;
    }
    return value;
}

std::optional<std::vector<Located<std::string>>> ConfigSection::strings(std::string_view key) {
    const auto* node = find(key);
    if (!node) return std::nullopt;
    const auto* array = node->as_array();
    if (!array) {
        wrong_type(*node, name(key), "an array of strings");
        return std::nullopt;
    }
    std::vector<Located<std::string>> out;
    bool all_good = true;
    for (std::size_t i = 0; i < array->size(); ++i) {
        const auto& element = (*array)[i];
        if (const auto* value = element.as_string()) {
            out.push_back({value->get(), at(element)});
        } else {
            wrong_type(element, name(key) + "[" + std::to_string(i) + "]", "a string");
            all_good = false;
        }
    }
    if (!all_good) return std::nullopt;
    return out;
}

std::optional<std::vector<Located<std::int64_t>>> ConfigSection::integers(std::string_view key, std::int64_t min,
                                                                         std::int64_t max) {
    const auto* node = find(key);
    if (!node) return std::nullopt;
    const auto* array = node->as_array();
    if (!array) {
        wrong_type(*node, name(key), "an array of integers");
        return std::nullopt;
    }
    std::vector<Located<std::int64_t>> out;
    bool all_good = true;
    for (std::size_t i = 0; i < array->size(); ++i) {
        const auto& element = (*array)[i];
        const std::string element_name = name(key) + "[" + std::to_string(i) + "]";
        const auto* value = element.as_integer();
        if (value && value->get() >= min && value->get() <= max) {
            out.push_back({value->get(), at(element)});
            continue;
        }
        all_good = false;
        if (!value) wrong_type(element, element_name, "an integer");
        else error(at(element), element_name + " must be between " + std::to_string(min) + " and " +
                                    std::to_string(max) + ", not " + std::to_string(value->get()));
    }
    if (!all_good) return std::nullopt;
    return out;
}

const toml::table* ConfigSection::table(std::string_view key) {
    const auto* node = find(key);
    if (!node) return nullptr;
    if (const auto* value = node->as_table()) return value;
    wrong_type(*node, name(key), "a table ([" + name(key) + "])");
    return nullptr;
}

std::vector<const toml::table*> ConfigSection::tables(std::string_view key) {
    const auto* node = find(key);
    if (!node) return {};
    const auto* array = node->as_array();
    if (!array) {
        wrong_type(*node, name(key), "an array of tables ([[" + name(key) + "]])");
        return {};
    }
    std::vector<const toml::table*> out;
    for (std::size_t i = 0; i < array->size(); ++i) {
        const auto& element = (*array)[i];
        if (const auto* value = element.as_table()) out.push_back(value);
        else wrong_type(element, name(key) + "[" + std::to_string(i) + "]", "a table");
    }
    return out;
}

void ConfigSection::report_unknown_keys() {
    for (const auto& [key, node] : table_) {
        if (known_.contains(key.str())) continue;
        const SourceLocation location{file_, key.source().begin.line, key.source().begin.column};
        const std::string quoted = "\"" + std::string(key.str()) + "\"";
        if (!header_.empty()) error(location, "unknown key " + quoted + " in " + header_);
        else if (node.is_table()) error(location, "unknown table [" + std::string(key.str()) + "]");
        else if (is_array_of_tables(node)) error(location, "unknown table [[" + std::string(key.str()) + "]]");
        else error(location, "unknown key " + quoted + " at top level");
    }
}

}  // namespace azdns
