#include "untrusted_json.hpp"

#include <set>
#include <vector>

namespace azdns {

namespace {

using Json = nlohmann::json;

// Whether `body` opens more than `max_depth` arrays and objects inside one
// another. Brackets inside strings do not count; the parser judges the rest.
bool nested_deeper_than(std::string_view body, std::size_t max_depth) {
    std::size_t depth = 0;
    bool in_string = false;
    bool escaped = false;
    for (char c : body) {
        if (in_string) {
            if (escaped) escaped = false;
            else if (c == '\\') escaped = true;
            else if (c == '"') in_string = false;
        } else if (c == '"') {
            in_string = true;
        } else if (c == '[' || c == '{') {
            if (++depth > max_depth) return true;
        } else if ((c == ']' || c == '}') && depth > 0) {
            --depth;
        }
    }
    return false;
}

// A key as it may appear in an error: quoted, escaped to ASCII, cut short.
std::string shown_key(const std::string& key) {
    constexpr std::size_t max_shown = 64;
    return Json(key.substr(0, max_shown)).dump(-1, ' ', true, Json::error_handler_t::replace);
}

}  // namespace

std::optional<Json> parse_untrusted_json(std::string_view body, std::size_t max_depth, std::string& error) {
    if (nested_deeper_than(body, max_depth)) {
        error = "nested deeper than " + std::to_string(max_depth) + " arrays and objects";
        return std::nullopt;
    }
    std::vector<std::set<std::string>> open_objects;  // the keys seen so far in each object being parsed
    std::string duplicate;
    Json::parser_callback_t note_keys = [&](int, Json::parse_event_t event, Json& parsed) {
        if (event == Json::parse_event_t::object_start) open_objects.emplace_back();
        else if (event == Json::parse_event_t::object_end) open_objects.pop_back();
        else if (event == Json::parse_event_t::key && !open_objects.back().insert(parsed.get<std::string>()).second &&
                 duplicate.empty())
            duplicate = parsed.get<std::string>();
        return true;
    };
    Json parsed;
    try {
        parsed = Json::parse(body.begin(), body.end(), note_keys);
    } catch (const Json::parse_error& problem) {
        error = "invalid JSON (at byte " + std::to_string(problem.byte) + ")";
        return std::nullopt;
    } catch (const Json::exception&) {
        error = "invalid JSON";
        return std::nullopt;
    }
    if (!duplicate.empty()) {
        error = shown_key(duplicate) + " given twice in one object";
        return std::nullopt;
    }
    return parsed;
}

JsonFields::JsonFields(const Json& value, std::string path) : value_(value), path_(std::move(path)) {
    if (!value_.is_object()) throw JsonFieldError((path_.empty() ? "the document" : path_) + ": expected an object");
}

bool JsonFields::has(std::string_view key) const { return value_.contains(key); }

std::string JsonFields::path(std::string_view key) const {
    return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
}

void JsonFields::fail(std::string_view key, const std::string& why) const {
    throw JsonFieldError(path(key) + ": " + why);
}

const Json& JsonFields::member(std::string_view key) const {
    const auto found = value_.find(key);
    if (found == value_.end()) fail(key, "missing");
    return *found;
}

std::uint64_t JsonFields::unsigned_integer(std::string_view key, std::uint64_t max) const {
    const Json& value = member(key);
    // nlohmann reads a non-negative integer that fits 64 bits as unsigned;
    // a negative one as signed, a larger one or a fraction as a float.
    if (!value.is_number_unsigned()) fail(key, "expected a non-negative integer");
    const auto number = value.get<std::uint64_t>();
    if (number > max) fail(key, "more than " + std::to_string(max));
    return number;
}

bool JsonFields::boolean(std::string_view key) const {
    const Json& value = member(key);
    if (!value.is_boolean()) fail(key, "expected true or false");
    return value.get<bool>();
}

std::string JsonFields::string(std::string_view key, std::size_t max_bytes) const {
    const Json& value = member(key);
    if (!value.is_string()) fail(key, "expected a string");
    const auto& text = value.get_ref<const std::string&>();
    if (text.size() > max_bytes) fail(key, "longer than " + std::to_string(max_bytes) + " bytes");
    return text;
}

const Json& JsonFields::array(std::string_view key, std::size_t max_items) const {
    const Json& value = member(key);
    if (!value.is_array()) fail(key, "expected an array");
    if (value.size() > max_items) fail(key, "more than " + std::to_string(max_items) + " entries");
    return value;
}

JsonFields JsonFields::object(std::string_view key) const { return JsonFields(member(key), path(key)); }

}  // namespace azdns
