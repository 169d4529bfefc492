#include "control_routes.hpp"

#include <algorithm>
#include <exception>

#include "fence_request.hpp"

namespace azdns {

namespace {

using nlohmann::json;

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

std::vector<std::string_view> split(std::string_view text, char separator) {
    std::vector<std::string_view> parts;
    for (;;) {
        auto at = text.find(separator);
        parts.push_back(text.substr(0, at));
        if (at == std::string_view::npos) return parts;
        text.remove_prefix(at + 1);
    }
}

// Request text quoted in an error message. It may be any bytes (a query
// parameter's name): invalid UTF-8 is replaced, never thrown on.
std::string json_quoted(std::string_view text) {
    return json(std::string(text)).dump(-1, ' ', false, json::error_handler_t::replace);
}

ControlResponse method_not_allowed(const char* allow) {
    auto response = error_response(405, std::string("method not allowed; use ") + allow);
    response.headers.emplace_back("Allow", allow);
    return response;
}

// The backend's answer; an error without the {"error": ...} shape gets it.
ControlResponse from_reply(const ApiReply& reply) {
    if (reply.status >= 400 && !(reply.body.is_object() && reply.body.contains("error") && reply.body["error"].is_string()))
        return error_response(reply.status, reply.body.is_string() ? reply.body.get<std::string>()
                                                                   : std::string(status_reason(reply.status)));
    return json_response(reply.status, reply.body);
}

// "?scope=local" keeps a fence to this instance; nothing, or
// "?scope=fleet", is the whole fleet.
std::optional<FenceScope> fence_scope(std::string_view query) {
    if (query.empty() || query == "scope=fleet") return FenceScope::fleet;
    if (query == "scope=local") return FenceScope::local;
    return std::nullopt;
}

// DELETE's query: a scope as a fence's, and "now=true" to skip the ramp
// (docs/health.md, "A gentle return after restore"); each at most once.
ControlResponse unfence(const std::string& az, std::string_view query, ControlBackend& backend) {
    constexpr const char* expected = "a fence's lifting takes scope=local or scope=fleet, and now=true or now=false";
    std::optional<FenceScope> scope;
    std::optional<bool> now;
    for (auto parameter : split(query, '&')) {
        if (parameter.empty()) continue;
        if ((parameter == "scope=local" || parameter == "scope=fleet") && !scope)
            scope = parameter == "scope=local" ? FenceScope::local : FenceScope::fleet;
        else if ((parameter == "now=true" || parameter == "now=false") && !now)
            now = parameter == "now=true";
        else
            return error_response(400, expected);
    }
    return from_reply(backend.unfence(az, scope.value_or(FenceScope::fleet), now.value_or(false)));
}

ControlResponse fence(const std::string& az, std::string_view query, const std::string& body, ControlBackend& backend) {
    const std::optional<FenceScope> scope = fence_scope(query);
    if (!scope) return error_response(400, "the only query a fence takes is scope=local or scope=fleet");
    std::string error;
    std::optional<FenceRequest> request = parse_fence_request(body, error);
    if (!request) return error_response(400, error);
    return from_reply(backend.fence(az, request->reason, request->for_duration, request->force, *scope));
}

ControlResponse explain(std::string_view query, ControlBackend& backend) {
    std::optional<std::string> name;
    std::optional<std::string> type;
    std::optional<std::string> client;
    if (!query.empty()) {
        for (auto parameter : split(query, '&')) {
            if (parameter.empty()) continue;
            auto equals = parameter.find('=');
            auto key = percent_decode(parameter.substr(0, equals), true);
            auto value = percent_decode(equals == std::string_view::npos ? std::string_view{} : parameter.substr(equals + 1), true);
            if (!key || !value) return error_response(400, "malformed percent-encoding in the query string");
            std::optional<std::string>* slot = *key == "name"     ? &name
                                               : *key == "type"   ? &type
                                               : *key == "client" ? &client
                                                                  : nullptr;
            if (slot == nullptr)
                return error_response(400, "unknown query parameter " + json_quoted(*key) +
                                               " (expected \"name\", \"type\" and \"client\")");
            if (*slot) return error_response(400, "query parameter " + json_quoted(*key) + " given twice");
            *slot = std::move(*value);
        }
    }
    if (!name || name->empty()) return error_response(400, "missing query parameter \"name\", as in /v1/explain?name=www.example.com.&type=A");
    if (!type || type->empty()) type = "A";
    return from_reply(backend.explain(*name, *type, client.value_or("")));
}

ControlResponse dispatch(const ControlRequest& request, ControlBackend& backend) {
    auto parts = split_target(request.target);
    if (!parts) return error_response(400, "the request target must be a path like /v1/status");
    const std::string_view path = parts->path;
    const std::string_view query = parts->query;

    auto segments = split(path.substr(1), '/');
    const std::string& method = request.method;
    auto is = [&](std::initializer_list<std::string_view> expected) {
        return std::equal(segments.begin(), segments.end(), expected.begin(), expected.end());
    };

    if (is({"v1", "status"})) {
        if (method != "GET") return method_not_allowed("GET");
        return json_response(200, backend.status());
    }
    if (segments.size() == 4 && segments[0] == "v1" && segments[1] == "azs" && segments[3] == "fence") {
        if (method != "POST" && method != "DELETE") return method_not_allowed("POST, DELETE");
        auto az = percent_decode(segments[2], false);
        if (!az) return error_response(400, "malformed percent-encoding in the AZ name");
        if (az->empty()) return error_response(404, "no AZ named \"\"");
        if (method == "POST") return fence(*az, query, request.body, backend);
        return unfence(*az, query, backend);
    }
    if (is({"v1", "reload"})) {
        if (method != "POST") return method_not_allowed("POST");
        return from_reply(backend.reload());
    }
    if (is({"v1", "explain"})) {
        if (method != "GET") return method_not_allowed("GET");
        return explain(query, backend);
    }
    if (is({"v1", "fleet", "state"})) {
        if (method == "POST") return from_reply(backend.fleet_report(request.body));
        if (method == "GET") return from_reply(backend.fleet_state());
        return method_not_allowed("GET, POST");
    }
    if (is({"metrics"})) {
        if (method != "GET") return method_not_allowed("GET");
        ControlResponse response;
        response.content_type = "text/plain; version=0.0.4";
        response.body = backend.metrics();
        return response;
    }
    if (is({"healthz"})) {
        if (method != "GET") return method_not_allowed("GET");
        return json_response(200, json{{"status", "serving"}});
    }
    return error_response(404, "no such resource: " + json_quoted(path) +
                                   " (try /v1/status, /v1/azs/NAME/fence, /v1/reload, /v1/explain, /v1/fleet/state, /metrics, /healthz)");
}

}  // namespace

std::optional<RequestTarget> split_target(std::string_view target) {
    // absolute-form ("http://host:port/path"), which HTTP/1.1 servers must accept
    if (auto scheme = target.find("://"); scheme != std::string_view::npos && !target.starts_with("/")) {
        auto path = target.find('/', scheme + 3);
        target = path == std::string_view::npos ? std::string_view("/") : target.substr(path);
    }
    if (!target.starts_with("/")) return std::nullopt;
    auto question = target.find('?');
    RequestTarget parts{target.substr(0, question), {}};
    if (question != std::string_view::npos) parts.query = target.substr(question + 1);
    if (auto hash = parts.query.find('#'); hash != std::string_view::npos) parts.query = parts.query.substr(0, hash);
    return parts;
}

ControlResponse json_response(int status, const nlohmann::json& body) {
    ControlResponse response;
    response.status = status;
    response.body = body.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
    return response;
}

std::string json_quoted(std::string_view text) { return json(std::string(text)).dump(); }

ControlResponse error_response(int status, const std::string& message) {
    return json_response(status, json{{"error", message}});
}

std::optional<std::string> percent_decode(std::string_view text, bool plus_is_space) {
    std::string decoded;
    decoded.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        if (c == '%') {
            if (i + 2 >= text.size()) return std::nullopt;
            int high = hex_value(text[i + 1]);
            int low = hex_value(text[i + 2]);
            if (high < 0 || low < 0) return std::nullopt;
            c = static_cast<char>(high * 16 + low);
            if (c == '\0') return std::nullopt;
            i += 2;
        } else if (c == '+' && plus_is_space) {
            c = ' ';
        }
        decoded.push_back(c);
    }
    return decoded;
}

const char* status_reason(int status) {
    switch (status) {
        case 100: return "Continue";
        case 200: return "OK";
        case 400: return "Bad Request";
        case 401: return "Unauthorized";
        case 403: return "Forbidden";
        case 404: return "Not Found";
        case 405: return "Method Not Allowed";
        case 408: return "Request Timeout";
        case 409: return "Conflict";
        case 413: return "Content Too Large";
        case 422: return "Unprocessable Content";
        case 429: return "Too Many Requests";
        case 431: return "Request Header Fields Too Large";
        case 500: return "Internal Server Error";
        case 501: return "Not Implemented";
        case 503: return "Service Unavailable";
        default: return "Unknown";
    }
}

std::string serialize_response(const ControlResponse& response, bool keep_alive, bool http10) {
    std::string text;
    text.reserve(response.body.size() + 256);
    text += "HTTP/1.1 " + std::to_string(response.status) + ' ' + status_reason(response.status) + "\r\n";
    text += "Content-Type: " + response.content_type + "\r\n";
    text += "Content-Length: " + std::to_string(response.body.size()) + "\r\n";
    text += "Cache-Control: no-store\r\n";
    if (!keep_alive) text += "Connection: close\r\n";
    else if (http10) text += "Connection: keep-alive\r\n";
    for (const auto& [name, value] : response.headers) text += name + ": " + value + "\r\n";
    text += "\r\n";
    text += response.body;
    return text;
}

ControlResponse route(const ControlRequest& request, ControlBackend& backend) {
    try {
        return dispatch(request, backend);
    } catch (const std::exception& error) {
        return error_response(500, std::string("internal error: ") + error.what());
    } catch (...) {
        return error_response(500, "internal error");
    }
}

}  // namespace azdns
