// Every failure reason a probe can report, in one place. They become the
// `reason` label of azdns_probe_failures_total and the `last_error` of
// /v1/status, so they are short, lower-case and stable: never an OS message
// text or a byte count, and no address but the configured probe source (at
// most two, so the label stays bounded).
#pragma once

#include <string>
#include <string_view>

namespace azdns::probe_error {

inline constexpr std::string_view timeout = "timeout";
inline constexpr std::string_view connect_refused = "connect refused";
inline constexpr std::string_view connection_reset = "connection reset";
inline constexpr std::string_view network_unreachable = "network unreachable";
inline constexpr std::string_view host_unreachable = "host unreachable";
inline constexpr std::string_view port_unreachable = "port unreachable";  // dns: ICMP answer
inline constexpr std::string_view closed_early = "connection closed early";
inline constexpr std::string_view bad_response = "bad response";  // not HTTP at all
inline constexpr std::string_view response_too_large = "response too large";
inline constexpr std::string_view out_of_sockets = "too many open files";
inline constexpr std::string_view tls_setup = "tls: setup failed";
inline constexpr std::string_view tls_handshake = "tls: handshake failed";
inline constexpr std::string_view tls_verify = "tls: certificate verify failed";
inline constexpr std::string_view tls_host_mismatch = "tls: host name mismatch";
inline constexpr std::string_view tls_protocol = "tls: protocol error";

// A libuv error code as a reason: the named ones above where one fits, else
// "socket error " and libuv's lower-case code name ("socket error eaddrnotavail").
[[nodiscard]] std::string from_uv(int uv_status);

// "cannot use probe source 192.0.2.1: address not available": binding to
// probes.source failed, most likely because the address is not on this host.
[[nodiscard]] std::string source_unusable(std::string_view source, int uv_status);

// "status 503".
[[nodiscard]] std::string http_status(unsigned status);

// `body lacks "ok"`: the text is the check's own, so it is stable per check.
[[nodiscard]] std::string body_lacks(std::string_view expected);

// "rcode SERVFAIL", or "rcode 23" for a code without a mnemonic.
[[nodiscard]] std::string dns_rcode(unsigned rcode);

}  // namespace azdns::probe_error
