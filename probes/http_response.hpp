// Judges an HTTP/1.1 response as it streams in (spec: "Health", http/https):
// shared by the plain and TLS probes, and free of sockets so its limits are
// easy to reason about. Memory is bounded: at most 64 KiB of body is kept for
// the expect_body search, and more than 1 MiB read fails the probe at once,
// so an endless body ends the probe quickly instead of at the timeout.
#pragma once

#include <http_parser.h>

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "config.hpp"
#include "endpoint_health.hpp"

namespace azdns {

class HttpResponseCheck {
public:
    static constexpr std::size_t max_kept_body = max_expect_body;
    static constexpr std::size_t max_read = 1024 * 1024;

    // The check's expectations, borrowed: they must outlive this object.
    HttpResponseCheck(std::span<const unsigned> expect_status, std::string_view expect_body);
    HttpResponseCheck(const HttpResponseCheck&) = delete;
    HttpResponseCheck& operator=(const HttpResponseCheck&) = delete;

    // Feeds response bytes; returns the verdict once there is one. After a
    // verdict, further input is ignored.
    std::optional<ProbeResult> feed(const char* data, std::size_t size);
    // The peer closed: ends an EOF-delimited body, else the response is cut short.
    ProbeResult end_of_input();

private:
    static int on_headers_complete(http_parser* parser);
    static int on_body(http_parser* parser, const char* at, std::size_t length);
    static int on_message_complete(http_parser* parser);
    static const http_parser_settings settings;

    std::span<const unsigned> expect_status_;
    std::string_view expect_body_;
    http_parser parser_{};
    std::string body_;
    std::size_t read_ = 0;
    std::optional<ProbeResult> verdict_;
};

// The GET request a probe sends.
[[nodiscard]] std::string http_probe_request(const std::string& path, const std::string& host);

}  // namespace azdns
