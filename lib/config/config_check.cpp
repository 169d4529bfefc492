#include "config_check.hpp"

#include <algorithm>
#include <optional>
#include <string>

#include "config_values.hpp"

namespace azdns {

namespace {

// A check.path or check.host longer than this is no health endpoint's.
constexpr std::size_t max_request_text = 8192;

// check.path or check.host: goes into the request line or a header as it is,
// so no space or control character may break the request apart.
std::optional<std::string> request_text(ConfigSection& s, std::string_view key) {
    auto text = s.string(key);
    if (!text) return text;
    if (text->size() > max_request_text) {
        s.error(s.where(key), s.name(key) + " is " + std::to_string(text->size()) + " bytes; at most " +
                                  std::to_string(max_request_text));
        return std::nullopt;
    }
    const auto bad = std::find_if(text->begin(), text->end(), [](char c) {
        const auto byte = static_cast<unsigned char>(c);
        return byte <= ' ' || byte == 0x7f;
    });
    if (bad != text->end()) {
        s.error(s.where(key), s.name(key) + " has a space or control character at byte " +
                                  std::to_string(bad - text->begin() + 1) + ": it goes into the HTTP request as it is");
        return std::nullopt;
    }
    return text;
}

void read_check_query(ConfigSection& s, const std::optional<std::string>& query, CheckConfig& check) {
    if (!query) {
        if (!s.has("query")) s.missing("query", "dns checks need \"NAME TYPE\" to ask, like \"example.com. SOA\"");
        return;
    }
    std::string why;
    auto parsed = parse_check_query(*query, why);
    if (!parsed) {
        s.error(s.where("query"), "invalid check.query \"" + *query + "\": " + why);
        return;
    }
    check.query_name = std::move(parsed->first);
    check.query_type = parsed->second;
}

}  // namespace

void read_check_fields(ConfigSection& s, CheckConfig& check) {
    const auto type = s.choice<CheckType>("type", {{"tcp", CheckType::tcp},
                                                   {"http", CheckType::http},
                                                   {"https", CheckType::https},
                                                   {"dns", CheckType::dns}});
    if (type) check.type = *type;
    else if (!s.has("type")) s.missing("type");
    if (const auto port = s.integer("port", 1, 65535)) check.port = static_cast<std::uint16_t>(*port);
    if (auto path = request_text(s, "path")) check.path = std::move(*path);
    if (auto host = request_text(s, "host")) check.host = std::move(*host);
    if (const auto statuses = s.integers("expect_status", 100, 599)) {
        // No status could ever pass.
        if (statuses->empty()) s.error(s.where("expect_status"), "check.expect_status must not be empty");
        check.expect_status.clear();
        for (const auto& status : *statuses) check.expect_status.push_back(static_cast<unsigned>(status.value));
    }
    if (auto body = s.string("expect_body")) {
        if (body->size() > max_expect_body)
            s.error(s.where("expect_body"), "check.expect_body is " + std::to_string(body->size()) +
                                                " bytes, longer than the " + std::to_string(max_expect_body) +
                                                " bytes of a body that are searched");
        check.expect_body = std::move(*body);
    }
    const auto query = s.string("query");
    if (const auto verify = s.boolean("tls_verify")) check.tls_verify = *verify;
    if (const auto rise = s.integer("rise", 1, 1000)) check.rise = static_cast<unsigned>(*rise);
    if (const auto fall = s.integer("fall", 1, 1000)) check.fall = static_cast<unsigned>(*fall);
    // Compare interval and timeout only when both are known good (given or default).
    const auto interval = s.has("interval") ? s.duration("interval", false) : check.interval;
    const auto timeout = s.has("timeout") ? s.duration("timeout", false) : check.timeout;
    if (interval) check.interval = *interval;
    if (timeout) check.timeout = *timeout;
    if (interval && timeout && *timeout > *interval)
        s.error(s.has("timeout") ? s.where("timeout") : s.where("interval"),
                "check.timeout (" + duration_text(*timeout) + ") must not be longer than check.interval (" +
                    duration_text(*interval) + ")");

    if (type == CheckType::tcp && !s.has("port")) s.missing("port", "tcp checks need a port");
    if ((type == CheckType::http || type == CheckType::https) && !check.path.starts_with('/'))
        s.error(s.where("path"), "invalid check.path \"" + check.path + "\": it must start with \"/\"");
    if (type == CheckType::dns) read_check_query(s, query, check);
    if (check.port == 0 && check.type != CheckType::tcp)
        check.port = check.type == CheckType::http ? 80 : check.type == CheckType::https ? 443 : 53;
}

}  // namespace azdns
