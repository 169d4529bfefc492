#include "config_control_tls.hpp"

#include <optional>

#include "regular_file.hpp"
#include "tls_server_context.hpp"

namespace azdns {

namespace {

// A certificate with a long chain is a few KiB; a file past this is no PEM pair.
constexpr std::uint64_t max_pem_size = 1 << 20;

// The key's value when set and not empty.
std::optional<std::string> path_of(ConfigSection& s, std::string_view key) {
    auto path = s.string(key);
    if (!path || path->empty()) return std::nullopt;
    return path;
}

// The file's text, or nullopt with the reason reported at the key.
std::optional<std::string> pem_text(ConfigSection& s, std::string_view key, const std::string& path) {
    FileContent content = read_regular_file(path, max_pem_size);
    if (content.error.empty()) return std::move(content.text);
    s.error(s.where(key), "cannot read " + s.name(key) + " \"" + path + "\": " + content.error);
    return std::nullopt;
}

}  // namespace

void read_control_tls(ConfigSection& s, const std::function<std::string(const std::string&)>& resolve,
                      ControlConfig& control) {
    const auto cert = path_of(s, "tls_cert");
    const auto key = path_of(s, "tls_key");
    if (cert.has_value() != key.has_value()) {
        const std::string_view given = cert ? "tls_cert" : "tls_key";
        const std::string_view missing = cert ? "tls_key" : "tls_cert";
        s.error(s.where(given), s.name(given) + " is set but " + s.name(missing) + " is not: HTTPS needs both");
        return;
    }
    if (!cert) return;
    control.tls_cert = resolve(*cert);
    control.tls_key = resolve(*key);
    const auto cert_pem = pem_text(s, "tls_cert", control.tls_cert);
    const auto key_pem = pem_text(s, "tls_key", control.tls_key);
    if (!cert_pem || !key_pem) return;
    TlsServerContextResult made = make_tls_server_context(*cert_pem, *key_pem);
    if (!made.cert_error.empty())
        s.error(s.where("tls_cert"), s.name("tls_cert") + " \"" + control.tls_cert + "\" " + made.cert_error);
    if (!made.key_error.empty())
        s.error(s.where("tls_key"), s.name("tls_key") + " \"" + control.tls_key + "\" " + made.key_error +
                                        (made.key_mismatch ? " in " + s.name("tls_cert") + " \"" + control.tls_cert + "\""
                                                           : ""));
    control.tls = std::move(made.context);
}

}  // namespace azdns
