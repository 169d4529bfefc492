// A small blocking HTTP/1.1 client for `azdns ctl`: one request per
// connection, plain http:// only, every socket wait bounded by poll().
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace azdns {

struct HttpUrl {
    std::string host;  // a name, an IPv4 address, or an IPv6 address without brackets
    std::uint16_t port = 80;
    std::string path;  // any path prefix, without a trailing '/' ("" for none)

    // "host:port" with brackets around an IPv6 address, for the Host header.
    [[nodiscard]] std::string authority() const;
};

// "http://HOST[:PORT][/PREFIX]"; HOST a name, IPv4, or [IPv6]. A URL with
// no scheme is taken as http://. nullopt with `error` set otherwise.
[[nodiscard]] std::optional<HttpUrl> parse_http_url(std::string_view url, std::string& error);

struct HttpResponse {
    int status = 0;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;

    // The first header of that name (case-insensitive), or "".
    [[nodiscard]] std::string header(std::string_view name) const;
};

struct HttpRequest {
    std::string method = "GET";
    std::string target = "/";  // appended to the URL's path
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;          // sent with Content-Length when not empty, or when the method is POST
};

// Connects (trying every address the host resolves to), sends `request`
// with "Connection: close", and reads the whole response. Each wait
// (connect, and every send or receive step) is bounded by `timeout`. On
// failure returns false with `error` a plain description ("connection
// refused", "timed out after 5s waiting for the response", ...).
[[nodiscard]] bool http_exchange(const HttpUrl& url, const HttpRequest& request, HttpResponse& response,
                                 std::string& error, std::chrono::milliseconds timeout = std::chrono::seconds(5));

}  // namespace azdns
