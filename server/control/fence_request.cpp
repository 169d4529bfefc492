#include "fence_request.hpp"

#include <nlohmann/json.hpp>

#include "control_routes.hpp"
#include "untrusted_json.hpp"

namespace azdns {

namespace {

using nlohmann::json;

// C0 controls, DEL and C1 controls (U+0080..U+009F, "\xC2\x80".."\xC2\x9F" in
// UTF-8): a newline would split a log line, an escape would reach a terminal.
bool has_control_character(std::string_view text) {
    for (std::size_t i = 0; i < text.size(); ++i) {
        const auto byte = static_cast<unsigned char>(text[i]);
        if (byte < 0x20 || byte == 0x7f) return true;
        if (byte == 0xc2 && i + 1 < text.size() && static_cast<unsigned char>(text[i + 1]) <= 0x9f) return true;
    }
    return false;
}

bool read_reason(const json& value, std::string& reason, std::string& error) {
    if (!value.is_string()) {
        error = "\"reason\" must be a string";
        return false;
    }
    const auto& text = value.get_ref<const std::string&>();
    if (text.size() > max_fence_reason_bytes) {
        error = "\"reason\" is longer than " + std::to_string(max_fence_reason_bytes) + " bytes (it has " +
                std::to_string(text.size()) + ")";
        return false;
    }
    if (has_control_character(text)) {
        error = "\"reason\" must be one line of text: it holds a control character (a newline, a tab, an escape...)";
        return false;
    }
    reason = text;
    return true;
}

bool read_for(const json& value, std::optional<Duration>& for_duration, std::string& error) {
    if (!value.is_string()) {
        error = "\"for\" must be a duration string like \"30m\" or \"2h\"";
        return false;
    }
    const auto& text = value.get_ref<const std::string&>();
    for_duration = parse_duration(text);
    if (!for_duration) {
        error = "invalid \"for\" " + json_quoted(text) +
                ": expected a number and a unit (ms, s, m, h), like \"30m\" or \"1h30m\"";
        return false;
    }
    if (for_duration->count() <= 0) {
        error = "\"for\" must be longer than zero";
        return false;
    }
    return true;
}

}  // namespace

std::optional<FenceRequest> parse_fence_request(std::string_view body, std::string& error) {
    FenceRequest request;
    // nlohmann skips a UTF-8 byte-order mark; RFC 8259 section 8.1 says not to send one.
    if (body.starts_with("\xEF\xBB\xBF")) {
        error = "the fence request body starts with a byte-order mark; send the JSON without it";
        return std::nullopt;
    }
    // nlohmann ends the input at a NUL byte and would ignore what follows; JSON never holds one raw.
    if (body.find('\0') != std::string_view::npos) {
        error = "invalid JSON body: it holds a NUL byte";
        return std::nullopt;
    }
    if (body.find_first_not_of(" \t\r\n") == std::string_view::npos) return request;
    // Nesting deeper than 8 cannot be a fence request: its fields are flat.
    std::optional<json> parsed = parse_untrusted_json(body, 8, error);
    if (!parsed) {
        error = "the fence request body: " + error;
        return std::nullopt;
    }
    if (!parsed->is_object()) {
        error = "the fence request body must be a JSON object like "
                "{\"reason\":\"maintenance\",\"for\":\"2h\",\"force\":false}";
        return std::nullopt;
    }
    for (const auto& [key, value] : parsed->items()) {
        if (key != "reason" && key != "for" && key != "force") {
            error = "unknown field " + json_quoted(key) + " in the fence request (expected \"reason\", \"for\", \"force\")";
            return std::nullopt;
        }
        if (value.is_null()) continue;
        if (key == "reason" && !read_reason(value, request.reason, error)) return std::nullopt;
        if (key == "for" && !read_for(value, request.for_duration, error)) return std::nullopt;
        if (key == "force") {
            if (!value.is_boolean()) {
                error = "\"force\" must be true or false";
                return std::nullopt;
            }
            request.force = value.get<bool>();
        }
    }
    return request;
}

}  // namespace azdns
