// A small blocking HTTP/1.1 client for `azdns ctl`, on libcurl: one request
// per connection, http:// or https:// (the server verified by a CA, or by a
// pinned public key), connecting and every stall bounded, the response size
// bounded.
#pragma once

#include <chrono>
#include <cstddef>
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
    bool https = false;

    // "host:port" with brackets around an IPv6 address, for the Host header.
    [[nodiscard]] std::string authority() const;
    // "http[s]://host:port/prefix", as error messages name the server.
    [[nodiscard]] std::string text() const;
};

// "http[s]://HOST[:PORT][/PREFIX]"; HOST a name, IPv4, or [IPv6]. A URL with
// no scheme is taken as http://; a missing port is 80 (443 for https).
// nullopt with `error` set otherwise.
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

// The largest response body http_exchange accepts (docs/control.md).
inline constexpr std::size_t max_http_response_bytes = 16 * 1024 * 1024;

struct HttpClientOptions {
    // Bounds connecting (TCP and the TLS handshake), and any stretch in which
    // no byte moves while sending or receiving (whole seconds, at least 1).
    std::chrono::milliseconds timeout = std::chrono::seconds(5);
    // https: the PEM trust anchors to verify the server with; "" for the system store.
    std::string ca_file{};  // ({} so designated initializers need not name every member)
    // https: "sha256//BASE64" (public_key_pin_of_certificate): the server must
    // hold exactly this key; then neither a CA nor the host name is checked.
    std::string pinned_public_key{};
    // The whole exchange, connecting included, at most this long (0: only
    // the bounds above). The fleet bounds each report so (docs/fleet.md).
    std::chrono::milliseconds deadline{0};
    // A larger response body is refused (the fleet's replies are a line).
    std::size_t max_response_bytes = max_http_response_bytes;
};

// Connects (trying every address the host resolves to), sends `request`
// with "Connection: close", and reads the whole response. Proxies from the
// environment are not used. On failure returns false with `error` a plain
// description ("cannot connect: Connection refused", "timed out after 5s
// waiting for the response", "TLS: the server's certificate is not trusted:
// ...", ...).
[[nodiscard]] bool http_exchange(const HttpUrl& url, const HttpRequest& request, HttpResponse& response,
                                 std::string& error, const HttpClientOptions& options = {});

}  // namespace azdns
