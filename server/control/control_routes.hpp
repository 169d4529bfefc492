// The control API's routes: one HTTP request in, one response out, by
// calling the ControlBackend. Pure (no sockets, no threads), so every route
// and every error is unit-tested with a fake backend; ControlServer does the
// HTTP/1.1 framing, limits and authentication around it.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "control_backend.hpp"

namespace azdns {

struct ControlRequest {
    std::string method;  // "GET", "POST", ... as the parser names it
    std::string target;  // the request-target as sent: "/v1/explain?name=www.example.com.&type=AAAA"
    std::string body;
};

struct ControlResponse {
    int status = 200;
    std::string content_type = "application/json";
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers;  // extra ones, e.g. {"Allow", "GET"}
};

// Maps method and path to the backend:
//   GET /v1/status, POST|DELETE /v1/azs/NAME/fence, POST /v1/reload,
//   GET /v1/explain?name=N[&type=T][&client=ADDRESS], GET|POST /v1/fleet/state,
//   GET /metrics, GET /healthz.
// Unknown path: 404; known path, other method: 405 with Allow; bad input:
// 400. Every error body is {"error":"..."}. A backend that throws gives 500.
[[nodiscard]] ControlResponse route(const ControlRequest& request, ControlBackend& backend);

// A request-target's path and query string (without a fragment), from the
// origin form "/v1/explain?name=x" or the absolute form
// "http://host:8053/v1/explain?name=x"; nullopt for any other ("*").
struct RequestTarget {
    std::string_view path;
    std::string_view query;
};
[[nodiscard]] std::optional<RequestTarget> split_target(std::string_view target);

// A JSON response: body.dump(2) plus a newline.
[[nodiscard]] ControlResponse json_response(int status, const nlohmann::json& body);
// {"error": message}
[[nodiscard]] ControlResponse error_response(int status, const std::string& message);

// `text` as a JSON string, quotes and escapes included: how error messages quote what the client sent.
[[nodiscard]] std::string json_quoted(std::string_view text);

// Decodes %XX escapes (and '+' as a space when `plus_is_space`, as in query
// strings); nullopt on a malformed escape or a decoded NUL.
[[nodiscard]] std::optional<std::string> percent_decode(std::string_view text, bool plus_is_space);

// The response as HTTP/1.1 bytes: status line, Content-Type, Content-Length,
// Cache-Control, the extra headers, the body. `keep_alive` false adds
// "Connection: close"; true for an HTTP/1.0 client (`http10`) says
// "Connection: keep-alive", which HTTP/1.0 does not assume.
[[nodiscard]] std::string serialize_response(const ControlResponse& response, bool keep_alive, bool http10);

// "OK", "Not Found", ...; "Unknown" for a code this server never sends.
[[nodiscard]] const char* status_reason(int status);

}  // namespace azdns
