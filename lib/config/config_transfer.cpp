#include "config_transfer.hpp"

#include <algorithm>

#include "ascii.hpp"
#include "base64.hpp"
#include "config_values.hpp"
#include "dns_name.hpp"
#include "regular_file.hpp"

namespace azdns {

namespace {

// A secret file is a line of base64, or a key clause: a few hundred bytes.
constexpr std::uint64_t max_secret_file = 64 * 1024;

constexpr std::string_view whitespace = " \t\r\n";

std::string_view trimmed(std::string_view text) {
    const auto first = text.find_first_not_of(whitespace);
    if (first == std::string_view::npos) return {};
    return text.substr(first, text.find_last_not_of(whitespace) - first + 1);
}

// The quoted or bare word after `keyword` in a key clause, up to ';'.
std::optional<std::string_view> clause_value(std::string_view text, std::string_view keyword) {
    for (std::size_t at = text.find(keyword); at != std::string_view::npos; at = text.find(keyword, at + 1)) {
        const bool word_start = at == 0 || whitespace.find(text[at - 1]) != std::string_view::npos ||
                                text[at - 1] == '{' || text[at - 1] == ';';
        const auto after = at + keyword.size();
        if (!word_start || after >= text.size() || whitespace.find(text[after]) == std::string_view::npos) continue;
        const auto end = text.find(';', after);
        if (end == std::string_view::npos) return std::nullopt;
        auto value = trimmed(text.substr(after, end - after));
        if (value.size() >= 2 && value.front() == '"' && value.back() == '"') value = value.substr(1, value.size() - 2);
        return value;
    }
    return std::nullopt;
}

// The digest size of the algorithm: RFC 8945 section 6 asks for secrets at least that long.
std::size_t digest_size(std::string_view algorithm) { return algorithm == "hmac-sha512" ? 64 : 32; }

std::optional<TransferView> view_of(ConfigSection& r) {
    return r.choice<TransferView>("view", {{"filtered", TransferView::filtered}, {"raw", TransferView::raw}});
}

bool open_to_everyone(const TransferRule& rule) {
    return std::any_of(rule.prefixes.begin(), rule.prefixes.end(), [](const IpPrefix& p) { return p.length == 0; });
}

}  // namespace

std::optional<std::vector<std::uint8_t>> parse_key_secret(std::string_view text, std::string& algorithm,
                                                          std::string& why) {
    text = trimmed(text);
    if (text.find('{') != std::string_view::npos) {
        const auto secret = clause_value(text, "secret");
        if (!secret) {
            why = "the key clause has no `secret \"...\";`";
            return std::nullopt;
        }
        if (const auto named = clause_value(text, "algorithm")) algorithm = ascii_lowered(std::string(*named));
        text = *secret;
    }
    auto secret = decode_base64(text);
    if (!secret || secret->empty()) {
        why = "expected the secret in base64 (as tsig-keygen prints it), or a tsig-keygen key clause";
        return std::nullopt;
    }
    return secret;
}

void read_key(ConfigSection& s, const ConfigFolder& folder, std::map<std::string, SourceLocation>& seen,
              KeyConfig& key) {
    key.where = s.where();
    if (const auto name = s.string("name", true)) {
        auto wire = name_from_text(*name);
        if (!wire || name->empty()) {
            s.error(s.where("name"), "invalid key.name \"" + *name + "\": not a valid domain name");
        } else {
            name_canonicalize(*wire);
            if (const auto [first, inserted] = seen.emplace(*wire, s.where("name")); !inserted)
                s.error(s.where("name"), "duplicate key \"" + *name + "\" (first at line " +
                                             std::to_string(first->second.line) + ")");
            key.name = std::move(*wire);
        }
    }
    if (const auto algorithm = s.string("algorithm", true)) {
        key.algorithm = ascii_lowered(*algorithm);
        if (key.algorithm != "hmac-sha256" && key.algorithm != "hmac-sha512")
            s.error(s.where("algorithm"),
                    "key.algorithm must be one of \"hmac-sha256\", \"hmac-sha512\", not \"" + *algorithm + "\"");
    }
    const auto file = s.string("secret_file", true);
    if (!file) return;
    if (file->empty()) {
        s.error(s.where("secret_file"), "key.secret_file must not be empty");
        return;
    }
    key.secret_file = folder.resolve(*file);
    const FileContent content = read_regular_file(key.secret_file, max_secret_file);
    if (!content.error.empty()) {
        s.error(s.where("secret_file"), "cannot read key.secret_file \"" + key.secret_file + "\": " + content.error);
        return;
    }
    std::string clause_algorithm;
    std::string why;
    auto secret = parse_key_secret(content.text, clause_algorithm, why);
    if (!secret) {
        s.error(s.where("secret_file"), "key.secret_file \"" + key.secret_file + "\": " + why);
        return;
    }
    if (!clause_algorithm.empty() && !key.algorithm.empty() && clause_algorithm != key.algorithm)
        s.error(s.where("secret_file"), "key.secret_file \"" + key.secret_file + "\" is a " + clause_algorithm +
                                            " key, but key.algorithm is " + key.algorithm);
    if (!key.algorithm.empty() && secret->size() < digest_size(key.algorithm))
        s.warning(s.where("secret_file"), "key.secret_file \"" + key.secret_file + "\" holds " +
                                              std::to_string(secret->size()) + " bytes, shorter than the " +
                                              std::to_string(digest_size(key.algorithm)) + " bytes of a " +
                                              key.algorithm + " digest (RFC 8945 section 6)");
    key.secret = std::move(*secret);
}

void read_zone_transfers(ConfigSection& s, ZoneConfig& zone) {
    if (const auto targets = s.strings("notify")) {
        for (const auto& [text, where] : *targets) {
            std::string why;
            std::optional<ListenAddress> target;
            if (const auto address = IpAddress::parse(text)) target = ListenAddress{*address, 53, where};
            else target = parse_listen_address(text, why);
            if (!target) {
                s.error(where, "invalid zone.notify \"" + text + "\": " + why);
                continue;
            }
            target->where = where;
            zone.notify.push_back(*target);
        }
    }
    for (const auto* table : s.tables("allow_transfer")) {
        auto r = s.nested(*table, "zone.allow_transfer", "[[zone.allow_transfer]]");
        TransferRule rule;
        rule.where = r.where();
        if (const auto prefixes = r.strings("prefixes")) {
            if (prefixes->empty()) r.error(r.where("prefixes"), "zone.allow_transfer.prefixes must not be empty");
            for (const auto& [text, where] : *prefixes) {
                std::string why;
                if (const auto prefix = IpPrefix::parse(text, &why)) rule.prefixes.push_back(*prefix);
                else r.error(where, "invalid zone.allow_transfer.prefixes entry \"" + text + "\": " + why);
            }
        } else if (!r.has("prefixes")) {
            r.missing("prefixes", "the client addresses allowed, like [\"192.0.2.53/32\"]");
        }
        if (const auto key = r.string("key")) {
            auto wire = name_from_text(*key);
            if (!wire || key->empty()) {
                r.error(r.where("key"), "invalid zone.allow_transfer.key \"" + *key + "\": not a valid domain name");
            } else {
                name_canonicalize(*wire);
                rule.key = std::move(*wire);
                rule.key_where = r.where("key");
            }
        }
        if (const auto view = view_of(r)) rule.view = *view;
        r.report_unknown_keys();
        zone.allow_transfer.push_back(std::move(rule));
    }
}

void check_transfer_keys(const Config& config, Diagnostics& diags) {
    for (const ZoneConfig& zone : config.zones) {
        for (const TransferRule& rule : zone.allow_transfer) {
            if (!rule.key.empty() && config.key(rule.key) == nullptr)
                diags.error(rule.key_where, "zone.allow_transfer.key names key \"" + name_to_text(rule.key) +
                                                "\", which is not defined");
            if (rule.key.empty() && open_to_everyone(rule))
                diags.warning(rule.where, "zone.allow_transfer lets any address on the internet transfer zone \"" +
                                              name_to_text(zone.origin) + "\" without a TSIG key");
        }
    }
}

}  // namespace azdns
