// Reading JSON that another machine sent (a fleet peer's report): parsed
// with bounded nesting and no key given twice, then read field by field,
// each of an exact type and within its bounds. Every problem is one line
// naming the field by its path ("endpoints[3].status: ...").
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace azdns {

// `body` parsed, or nullopt with `error` set: not JSON, nested deeper than
// `max_depth` arrays and objects, or an object with a key given twice.
// The depth is checked by a scan before parsing: 100,000 '[' cost no
// allocation, and no parsed value is deep enough for nlohmann's recursive
// copy, comparison and dump to exhaust the stack.
[[nodiscard]] std::optional<nlohmann::json> parse_untrusted_json(std::string_view body, std::size_t max_depth,
                                                                 std::string& error);

// Thrown by JsonFields; a decoder catches it at its boundary and returns
// what() as its error.
struct JsonFieldError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// The members of one JSON object at `path` ("" for the document itself).
// Keys the reader never asks for are ignored, so that a newer sender may
// add some.
class JsonFields {
public:
    // Throws JsonFieldError unless `value` is an object.
    JsonFields(const nlohmann::json& value, std::string path);

    [[nodiscard]] bool has(std::string_view key) const;
    // "PATH.KEY" (or "KEY" at the top), to name a member in an error.
    [[nodiscard]] std::string path(std::string_view key) const;
    [[noreturn]] void fail(std::string_view key, const std::string& why) const;

    // Each throws JsonFieldError when the member is missing, of another
    // type or out of bounds.
    [[nodiscard]] std::uint64_t unsigned_integer(std::string_view key, std::uint64_t max) const;
    [[nodiscard]] bool boolean(std::string_view key) const;
    [[nodiscard]] std::string string(std::string_view key, std::size_t max_bytes) const;
    [[nodiscard]] const nlohmann::json& array(std::string_view key, std::size_t max_items) const;
    [[nodiscard]] JsonFields object(std::string_view key) const;

private:
    [[nodiscard]] const nlohmann::json& member(std::string_view key) const;

    const nlohmann::json& value_;
    std::string path_;
};

}  // namespace azdns
