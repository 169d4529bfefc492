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

// A name server's address in `key` (notify, primaries): "ADDR" or "ADDR:PORT", port 53 by default.
std::optional<ListenAddress> server_address(ConfigSection& s, std::string_view key, const Located<std::string>& entry) {
    std::string why;
    std::optional<ListenAddress> server;
    if (const auto address = IpAddress::parse(entry.value)) server = ListenAddress{{*address, 53}, {}};
    else server = parse_listen_address(entry.value, why);
    if (!server) {
        s.error(entry.where, "invalid " + s.name(key) + " \"" + entry.value + "\": " + why);
        return std::nullopt;
    }
    server->where = entry.where;
    return server;
}

// The prefixes in `key` (allow_transfer.prefixes, allow_notify), each mistake reported.
void read_prefixes(ConfigSection& s, std::string_view key, const std::vector<Located<std::string>>& entries,
                   std::vector<IpPrefix>& prefixes) {
    for (const auto& [text, where] : entries) {
        std::string why;
        if (const auto prefix = IpPrefix::parse(text, &why)) prefixes.push_back(*prefix);
        else s.error(where, "invalid " + s.name(key) + " entry \"" + text + "\": " + why);
    }
}

// The [[key]] name in `key` (allow_transfer.key, primary_key) in canonical
// wire form; whether such a key exists is check_transfer_keys()'s to say.
std::optional<std::string> key_name(ConfigSection& s, std::string_view key) {
    const auto text = s.string(key);
    if (!text) return std::nullopt;
    auto wire = name_from_text(*text);
    if (!wire || text->empty()) {
        s.error(s.where(key), "invalid " + s.name(key) + " \"" + *text + "\": not a valid domain name");
        return std::nullopt;
    }
    name_canonicalize(*wire);
    return wire;
}

// Each primary's address once, as a host prefix: NOTIFY comes from the
// primaries themselves unless allow_notify says otherwise (as in Knot and NSD).
std::vector<IpPrefix> primaries_as_prefixes(const std::vector<ListenAddress>& primaries) {
    std::vector<IpPrefix> prefixes;
    for (const ListenAddress& primary : primaries) {
        const IpPrefix host{primary.address, static_cast<std::uint8_t>(primary.address.size() * 8)};
        if (std::find(prefixes.begin(), prefixes.end(), host) == prefixes.end()) prefixes.push_back(host);
    }
    return prefixes;
}

// `primaries`, `primary_key` and `allow_notify`, and that the zone has exactly
// one source: its file or its primaries.
void read_zone_primaries(ConfigSection& s, ZoneConfig& zone) {
    const std::string zone_named = "zone \"" + name_to_text(zone.origin) + "\"";
    const bool from_file = s.has("file");
    const bool from_primaries = s.has("primaries");
    if (from_file && !from_primaries) {
        // On a zone read from its file these would silently do nothing.
        for (const std::string_view key : {"primary_key", "allow_notify"})
            if (s.has(key))
                s.error(s.where(key), s.name(key) + " means nothing on " + zone_named +
                                          ", which is read from its file: only a zone with primaries takes "
                                          "transfers in");
        return;
    }
    if (!from_file && !from_primaries) s.error(s.where(), zone_named + " needs either file or primaries");
    zone.primaries_where = s.where("primaries");
    if (from_file)
        s.error(zone.primaries_where, zone_named + " has both file and primaries: a zone comes from one place");
    if (const auto entries = s.strings("primaries")) {
        if (entries->empty()) s.error(zone.primaries_where, "zone.primaries must not be empty");
        for (const auto& entry : *entries)
            if (auto primary = server_address(s, "primaries", entry)) zone.primaries.push_back(*primary);
    }
    if (auto key = key_name(s, "primary_key")) {
        zone.primary_key = std::move(*key);
        zone.primary_key_where = s.where("primary_key");
    }
    if (const auto entries = s.strings("allow_notify")) read_prefixes(s, "allow_notify", *entries, zone.allow_notify);
    else if (!s.has("allow_notify")) zone.allow_notify = primaries_as_prefixes(zone.primaries);
    // Without TSIG, a transfer across the network is only as safe as the path.
    if (s.has("primary_key")) return;
    for (const ListenAddress& primary : zone.primaries)
        if (!primary.address.is_loopback())
            s.warning(primary.where, "zone transfers in from " + primary.to_string() +
                                         " are not signed: anyone on the path can change the zone; set primary_key");
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
    read_zone_primaries(s, zone);
    if (const auto targets = s.strings("notify"))
        for (const auto& entry : *targets)
            if (auto target = server_address(s, "notify", entry)) zone.notify.push_back(*target);
    for (const auto* table : s.tables("allow_transfer")) {
        auto r = s.nested(*table, "zone.allow_transfer", "[[zone.allow_transfer]]");
        TransferRule rule;
        rule.where = r.where();
        if (const auto prefixes = r.strings("prefixes")) {
            if (prefixes->empty()) r.error(r.where("prefixes"), "zone.allow_transfer.prefixes must not be empty");
            read_prefixes(r, "prefixes", *prefixes, rule.prefixes);
        } else if (!r.has("prefixes")) {
            r.missing("prefixes", "the client addresses allowed, like [\"192.0.2.53/32\"]");
        }
        if (auto key = key_name(r, "key")) {
            rule.key = std::move(*key);
            rule.key_where = r.where("key");
        }
        if (const auto view = view_of(r)) rule.view = *view;
        r.report_unknown_keys();
        zone.allow_transfer.push_back(std::move(rule));
    }
}

void check_transfer_keys(const Config& config, Diagnostics& diags) {
    for (const ZoneConfig& zone : config.zones) {
        if (!zone.primary_key.empty() && config.key(zone.primary_key) == nullptr)
            diags.error(zone.primary_key_where, "zone.primary_key names key \"" + name_to_text(zone.primary_key) +
                                                    "\", which is not defined");
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
