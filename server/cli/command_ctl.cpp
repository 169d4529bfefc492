// `azdns ctl`: the operator's side of the control API (docs/control.md).
// Sends one request per invocation and prints the answer as plain-text
// tables, or raw with --json.
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include "commands.hpp"
#include "config.hpp"
#include "http_client.hpp"
#include "token_file.hpp"
#include "public_key_pin.hpp"

namespace azdns {

namespace {

using nlohmann::json;

constexpr const char* default_server = "http://127.0.0.1:8053";

std::string percent_encode(std::string_view text) {
    static const char hex[] = "0123456789ABCDEF";
    std::string encoded;
    for (unsigned char c : text) {
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
            c == '_' || c == '~') {
            encoded.push_back(static_cast<char>(c));
        } else {
            encoded.push_back('%');
            encoded.push_back(hex[c >> 4]);
            encoded.push_back(hex[c & 15]);
        }
    }
    return encoded;
}

std::string trim(std::string text) {
    const char* space = " \t\r\n";
    auto first = text.find_first_not_of(space);
    if (first == std::string::npos) return {};
    return text.substr(first, text.find_last_not_of(space) - first + 1);
}

// A JSON value as a table cell: null as "-", strings bare.
std::string cell(const json& value) {
    if (value.is_null()) return "-";
    if (value.is_string()) return value.get<std::string>().empty() ? "-" : value.get<std::string>();
    if (value.is_boolean()) return value.get<bool>() ? "yes" : "no";
    return value.dump();
}

std::string field(const json& object, const char* key) {
    if (!object.is_object() || !object.contains(key)) return "-";
    return cell(object[key]);
}

std::string milliseconds(const json& value) {
    if (!value.is_number()) return "-";
    char text[32];
    std::snprintf(text, sizeof text, "%.1fms", value.get<double>());
    return text;
}

// Columns padded to their widest cell, two spaces apart.
void print_table(std::ostream& out, const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows) {
    std::vector<std::size_t> widths(header.size());
    for (std::size_t i = 0; i < header.size(); ++i) widths[i] = header[i].size();
    for (const auto& row : rows)
        for (std::size_t i = 0; i < row.size() && i < widths.size(); ++i) widths[i] = std::max(widths[i], row[i].size());
    auto print_row = [&](const std::vector<std::string>& row) {
        std::string line;
        for (std::size_t i = 0; i < row.size(); ++i) {
            line += row[i];
            if (i + 1 < row.size()) line += std::string(widths[i] - row[i].size() + 2, ' ');
        }
        out << line << '\n';
    };
    print_row(header);
    for (const auto& row : rows) print_row(row);
}

const json& array_of(const json& object, const char* key) {
    static const json empty = json::array();
    if (object.is_object() && object.contains(key) && object[key].is_array()) return object[key];
    return empty;
}

// The fleet: this vantage point, its peers, and the endpoints by vantage
// point next to the quorum verdict. Nothing for a fleet of one.
void print_fleet(std::ostream& out, const json& fleet) {
    if (!fleet.is_object() || array_of(fleet, "peers").empty()) return;
    out << "\nFLEET\n" << field(fleet, "name") << ": quorum " << field(fleet, "quorum") << " of "
        << field(fleet, "vantage_points") << " vantage points";
    if (fleet.value("deciding_alone", false)) out << "; deciding alone since " << field(fleet, "deciding_alone_since");
    if (fleet.value("impaired", false)) out << "; prober impaired since " << field(fleet, "impaired_since");
    if (fleet.value("fail_static", false)) out << "; holding the last verdicts (fail-static)";
    out << "\n";
    std::vector<std::vector<std::string>> rows;
    for (const auto& peer : array_of(fleet, "peers")) {
        const json age = peer.value("age_seconds", json());
        rows.push_back({field(peer, "name"), peer.value("fresh", false) ? "fresh" : "stale",
                        peer.value("reachable", false) ? "yes" : "no",
                        age.is_number() ? std::to_string(static_cast<long>(age.get<double>() * 1000)) + "ms" : "-",
                        peer.value("impaired", false) ? "yes" : "no", field(peer, "error")});
    }
    print_table(out, {"PEER", "STATE", "REACHABLE", "AGE", "IMPAIRED", "LAST ERROR"}, rows);
    rows.clear();
    std::vector<std::string> header{"ADDRESS", "CHECK", "VERDICT"};
    std::vector<std::string> vantages;
    for (const auto& endpoint : array_of(fleet, "endpoints")) {
        if (vantages.empty() && endpoint.contains("votes") && endpoint["votes"].is_object())
            for (const auto& [name, vote] : endpoint["votes"].items()) vantages.push_back(name);
        std::vector<std::string> row{field(endpoint, "address"), field(endpoint, "check"), field(endpoint, "verdict")};
        for (const std::string& vantage : vantages) row.push_back(field(endpoint["votes"], vantage.c_str()));
        rows.push_back(std::move(row));
    }
    header.insert(header.end(), vantages.begin(), vantages.end());
    out << "\n";
    print_table(out, header, rows);
}

// "ixfr 2026112604 to 192.0.2.53:40123 at T", and why it failed when it did.
std::string last_out_cell(const json& last) {
    if (!last.is_object()) return "-";
    std::string cell = field(last, "kind") + " " + field(last, "serial") + " to " + field(last, "client") + " at " +
                       field(last, "time");
    if (last.contains("error") && last["error"].is_string()) cell += " (failed: " + last["error"].get<std::string>() + ")";
    return cell;
}

// "192.0.2.53:53 acked 2026112604; 192.0.2.54:53 failed 2026112604 (why)".
std::string notify_cell(const json& targets) {
    std::string cell;
    for (const auto& target : targets) {
        if (!cell.empty()) cell += "; ";
        cell += field(target, "target") + " " + field(target, "outcome") + " " + field(target, "serial");
        if (target.contains("error") && target["error"].is_string()) cell += " (" + target["error"].get<std::string>() + ")";
    }
    return cell.empty() ? "-" : cell;
}

// A secondary zone's state: its last transfer in, "expired", or its last error.
std::string last_in_cell(const json& in) {
    if (!in.is_object()) return "-";
    std::string cell;
    const json last = in.value("last_in", json());
    if (last.is_object()) cell = field(last, "kind") + " " + field(last, "serial") + " from " + field(last, "primary");
    if (in.value("expired", false)) cell += std::string(cell.empty() ? "" : "; ") + "EXPIRED";
    else if (!in.value("held", false)) cell += std::string(cell.empty() ? "" : "; ") + "not held yet";
    const json errors = in.value("errors", json::array());
    if (errors.is_array() && !errors.empty() && errors[0].is_string())
        cell += (cell.empty() ? "" : "; ") + errors[0].get<std::string>();
    return cell.empty() ? "-" : cell;
}

// Zones that are transferred or notified (docs/transfers.md): their serials,
// the last transfer out, each NOTIFY target's state. Nothing when none is.
void print_transfers(std::ostream& out, const json& zones) {
    std::vector<std::vector<std::string>> rows;
    for (const auto& zone : zones) {
        const json transfers = zone.value("transfers", json());
        if (!transfers.is_object()) continue;
        const json last = transfers.value("last_out", json());
        const json in = transfers.value("in", json());
        if (array_of(transfers, "allow_transfer").empty() && array_of(transfers, "notify").empty() &&
            !last.is_object() && !in.is_object())
            continue;
        rows.push_back({field(zone, "origin"), field(transfers, "source"), field(transfers, "serial"),
                        field(transfers, "filtered_serial"), last_in_cell(in), last_out_cell(last),
                        notify_cell(array_of(transfers, "notify"))});
    }
    if (rows.empty()) return;
    out << "\nTRANSFERS\n";
    print_table(out, {"ZONE", "SOURCE", "SERIAL", "FILTERED", "LAST IN", "LAST OUT", "NOTIFY"}, rows);
}

// "ramping: 55% of answers until T" while a restored AZ ramps
// (docs/health.md, "A gentle return after restore"); empty otherwise.
std::string ramp_note(const json& az) {
    const json permille = az.is_object() ? az.value("answer_permille", json()) : json();
    const json ends = az.is_object() ? az.value("ramp_ends", json()) : json();
    if (!permille.is_number_unsigned() || !ends.is_string()) return {};
    const auto share = permille.get<unsigned>();
    return "ramping: " + std::to_string(share / 10) + (share % 10 != 0 ? "." + std::to_string(share % 10) : "") +
           "% of answers until " + ends.get<std::string>();
}

void print_status(std::ostream& out, const json& status) {
    std::vector<std::vector<std::string>> rows;
    for (const auto& zone : array_of(status, "zones"))
        rows.push_back({field(zone, "origin"), field(zone, "serial"), field(zone, "records"), field(zone, "loaded_at"),
                        field(zone, "error")});
    out << "ZONES\n";
    print_table(out, {"ORIGIN", "SERIAL", "RECORDS", "LOADED", "ERROR"}, rows);

    rows.clear();
    for (const auto& az : array_of(status, "azs")) {
        std::string note = "-";
        if (az.contains("manual_reason") && az["manual_reason"].is_string() && !az["manual_reason"].get<std::string>().empty())
            note = "\"" + az["manual_reason"].get<std::string>() + "\"";
        if (az.contains("expires") && az["expires"].is_string())
            note = (note == "-" ? std::string() : note + " ") + "until " + az["expires"].get<std::string>();
        if (az.value("manual_scope", json()) == "local") note = (note == "-" ? std::string() : note + " ") + "(local)";
        if (const std::string ramp = ramp_note(az); !ramp.empty()) note = (note == "-" ? std::string() : note + " ") + ramp;
        rows.push_back({field(az, "name"), field(az, "region"), field(az, "state"), field(az, "reason"), field(az, "since"),
                        field(az, "endpoints_up") + "/" + field(az, "endpoints_total"), note});
    }
    out << "\nAZS\n";
    print_table(out, {"NAME", "REGION", "STATE", "REASON", "SINCE", "UP/TOTAL", "NOTE"}, rows);

    rows.clear();
    for (const auto& endpoint : array_of(status, "endpoints"))
        rows.push_back({field(endpoint, "address"), field(endpoint, "az"), field(endpoint, "check"), field(endpoint, "state"),
                        field(endpoint, "since"), milliseconds(endpoint.value("rtt_ms", json())),
                        field(endpoint, "last_error")});
    out << "\nENDPOINTS\n";
    print_table(out, {"ADDRESS", "AZ", "CHECK", "STATE", "SINCE", "RTT", "LAST ERROR"}, rows);
    print_fleet(out, status.value("fleet", json()));
    print_transfers(out, array_of(status, "zones"));
}

// "europe-se-1a: fenced (manual: "maintenance", until T) since T"
std::string az_line(const json& az) {
    std::string line = field(az, "name") + ": " + field(az, "state");
    if (az.contains("reason") && az["reason"].is_string()) {
        line += " (" + az["reason"].get<std::string>();
        if (az.contains("manual_reason") && az["manual_reason"].is_string() && !az["manual_reason"].get<std::string>().empty())
            line += ": \"" + az["manual_reason"].get<std::string>() + "\"";
        if (az.contains("expires") && az["expires"].is_string()) line += ", until " + az["expires"].get<std::string>();
        line += ")";
    }
    if (az.contains("since") && az["since"].is_string()) line += " since " + az["since"].get<std::string>();
    if (const std::string ramp = ramp_note(az); !ramp.empty()) line += "; " + ramp;
    return line;
}

void print_explain(std::ostream& out, const json& answer) {
    out << field(answer, "name") << ' ' << field(answer, "type") << ": " << field(answer, "rcode");
    if (answer.contains("service") && answer["service"].is_string()) {
        out << ", service " << answer["service"].get<std::string>();
        if (answer.contains("policy") && answer["policy"].is_string()) out << " (policy " << answer["policy"].get<std::string>() << ")";
    }
    out << '\n';
    if (answer.contains("client") && answer["client"].is_string()) {
        out << "client " << answer["client"].get<std::string>() << ": "
            << (answer.contains("client_az") && answer["client_az"].is_string()
                    ? "in AZ " + answer["client_az"].get<std::string>()
                    : std::string("outside every AZ's networks"))
            << '\n';
    }
    const json& lines = array_of(answer, "answer");
    for (const auto& line : lines) out << "  " << cell(line) << '\n';
    if (lines.empty()) out << "  (no records in the answer)\n";
    std::vector<std::vector<std::string>> rows;
    for (const auto& address : array_of(answer, "addresses"))
        rows.push_back({field(address, "address"), field(address, "az"),
                        address.value("in", false) ? "in" : "out", field(address, "why")});
    if (!rows.empty()) {
        out << '\n';
        print_table(out, {"ADDRESS", "AZ", "IN", "WHY"}, rows);
    }
    if (answer.contains("ttl") && answer["ttl"].is_number()) {
        out << "\nTTL " << answer["ttl"].dump();
        if (answer.contains("ttl_rule") && answer["ttl_rule"].is_string()) out << " (" << answer["ttl_rule"].get<std::string>() << ")";
        out << '\n';
    }
}

// The zones as a table; on failure (409: the config not applied, or a zone
// that kept its previous version) the server's sentence and every error, as
// `azdns check` prints them. Returns the exit code.
int print_reload(std::ostream& out, std::ostream& err, const json& result, bool failed) {
    std::vector<std::vector<std::string>> rows;
    for (const auto& zone : array_of(result, "zones"))
        rows.push_back({field(zone, "origin"), field(zone, "serial"), field(zone, "error")});
    print_table(out, {"ORIGIN", "SERIAL", "ERROR"}, rows);
    if (!failed) return exit_ok;
    err << "azdns ctl: reload failed: " << field(result, "error") << '\n';
    const json config = result.is_object() ? result.value("config", json::object()) : json::object();
    for (const auto& line : array_of(config, "errors")) err << cell(line) << '\n';
    for (const auto& zone : array_of(result, "zones"))
        for (const auto& line : array_of(zone, "errors")) err << cell(line) << '\n';
    return exit_problem;
}

struct Target {
    HttpUrl url;
    std::string token;
    HttpClientOptions client;  // how an https server is verified
};

// Where to send the request, with which token and how to verify it: -s, else
// -c's control section, else the default; --token-file, else AZDNS_TOKEN,
// else -c's token file; --ca-file, else the system store.
int resolve_target(const CtlOptions& options, Target& target, std::ostream& err) {
    std::string error;
    std::string config_token_file;
    if (!options.server.empty() || options.config_path.empty()) {
        auto url = parse_http_url(options.server.empty() ? default_server : options.server, error);
        if (!url) {
            err << "azdns ctl: invalid --server " << error << '\n';
            return exit_usage;
        }
        target.url = *url;
    }
    if (!options.config_path.empty()) {
        Diagnostics diags;
        auto config = load_config(options.config_path, diags);
        for (const auto& problem : diags.all()) err << problem.to_string() << '\n';
        if (!config) return exit_problem;
        if (options.server.empty()) {
            IpAddress address = config->control.listen.address;
            if (address == IpAddress{address.family, {}})  // a wildcard: reach it over loopback
                address = address.family == IpFamily::v4 ? IpAddress{IpFamily::v4, {127, 0, 0, 1}}
                                                         : *IpAddress::parse("::1");
            target.url.host = address.to_string();
            target.url.port = config->control.listen.port;
            target.url.path.clear();
            // Its own instance over HTTPS: trust exactly the certificate it
            // serves, whose names need not include the listen address.
            if (!config->control.tls_cert.empty()) {
                auto pin = public_key_pin_of_certificate(config->control.tls_cert, error);
                if (!pin) {
                    err << "azdns ctl: " << error << '\n';
                    return exit_problem;
                }
                target.url.https = true;
                target.client.pinned_public_key = *pin;
            }
        }
        config_token_file = config->control.token_file;
    }
    if (!options.ca_file.empty()) {
        if (!target.url.https) {
            err << "azdns ctl: --ca-file needs an https:// URL, not " << target.url.text() << '\n';
            return exit_usage;
        }
        target.client.ca_file = options.ca_file;
    }
    if (!options.token_file.empty()) {
        if (!read_token_file(options.token_file, target.token, error)) {
            err << "azdns ctl: " << error << '\n';
            return exit_problem;
        }
    } else if (const char* token = std::getenv("AZDNS_TOKEN"); token != nullptr && *token != '\0') {
        target.token = trim(token);
    } else if (!config_token_file.empty()) {
        if (!read_token_file(config_token_file, target.token, error)) {
            err << "azdns ctl: " << error << '\n';
            return exit_problem;
        }
    }
    return exit_ok;
}

void print_error(std::ostream& err, const std::string& where, const HttpResponse& response, const json& body) {
    std::string message = body.is_object() && body.contains("error") && body["error"].is_string()
                              ? body["error"].get<std::string>()
                              : trim(response.body.substr(0, 200));
    err << "azdns ctl: " << where << ": HTTP " << response.status << ": " << message << '\n';
    if (response.status == 401)
        err << "azdns ctl: give the token with --token-file FILE, the AZDNS_TOKEN environment variable, or -c CONFIG\n";
}

}  // namespace

CLI::App* add_ctl_subcommand(CLI::App& app, CtlOptions& options) {
    auto* ctl = app.add_subcommand("ctl", "talk to a running azdns over its control API (exit 0 ok, 1 refused or failed, 2 usage)");
    ctl->require_subcommand(1);
    ctl->fallthrough();  // -s, -c, --json... also after the action
    ctl->add_option("-s,--server", options.server,
                    "control API URL, http://HOST:PORT or https://HOST:PORT (default: control.listen of -c CONFIG, else http://127.0.0.1:8053)")
        ->type_name("URL");
    ctl->add_option("--ca-file", options.ca_file,
                    "verify an https:// server with the CA certificates in this PEM file (default: the system's store)")
        ->type_name("FILE");
    ctl->add_option("-c,--config", options.config_path, "take the control address and token file from this configuration")
        ->type_name("FILE");
    ctl->add_option("--token-file", options.token_file,
                    "file holding the bearer token (default: the AZDNS_TOKEN environment variable, else -c's control.token_file)")
        ->type_name("FILE");
    ctl->add_flag("--json", options.json, "print the API's JSON answer as it came");
    ctl->footer("Times (since, loaded, until) are printed as the server gives them: RFC 3339, UTC.\n"
                "Exit codes: 0 done; 1 refused or failed (HTTP error, server unreachable, a reload whose config\n"
                "was not applied or in which a zone failed); 2 usage error. See docs/control.md.");

    auto* status = ctl->add_subcommand("status", "zones, AZs and endpoints as tables; times are RFC 3339 UTC, as the server gives them");
    status->callback([&options] { options.action = "status"; });

    auto* fence = ctl->add_subcommand("fence", "fence an AZ by hand on every instance of the fleet: its addresses leave every answer (persisted)");
    fence->add_option("AZ", options.az, "the AZ's name")->required();
    fence->add_option("--reason", options.reason, "why, shown in status")->type_name("TEXT");
    fence->add_option("--for", options.for_duration, "lift the fence after this long, e.g. 30m or 2h (default: until unfenced)")
        ->type_name("DURATION");
    fence->add_flag("--force", options.force, "fence even if some service would be left with no AZ up");
    fence->add_flag("--local", options.local, "fence on this instance only, not on its fleet's peers");
    fence->callback([&options] { options.action = "fence"; });

    auto* unfence = ctl->add_subcommand("unfence", "lift a manual fence (health still applies)");
    unfence->add_option("AZ", options.az, "the AZ's name")->required();
    unfence->add_flag("--local", options.local, "lift only this instance's --local fence; the fleet's stays");
    unfence->add_flag("--now", options.now,
                      "back in every answer at once: no ramp (az.ramp); ends a ramp under way even if not fenced");
    unfence->callback([&options] { options.action = "unfence"; });

    auto* reload = ctl->add_subcommand("reload", "re-read the config and the zone files; exit 1, with every error, if the config was not applied or a zone failed");
    reload->callback([&options] { options.action = "reload"; });

    auto* explain = ctl->add_subcommand("explain", "the answer azdns gives now, and why each address is in or out");
    explain->add_option("NAME", options.name, "the query name, e.g. www.example.com.")->required();
    explain->add_option("TYPE", options.type, "the query type (default A)");
    explain->add_option("--client", options.client,
                        "answer as to a client at this address (its AZ counts for a nearest service); "
                        "default: a client outside every AZ's networks");
    explain->callback([&options] { options.action = "explain"; });
    return ctl;
}

int run_ctl(const CtlOptions& options, std::ostream& out, std::ostream& err) {
    HttpRequest request;
    if (options.action == "status") {
        request.target = "/v1/status";
    } else if (options.action == "fence") {
        json body = json::object();
        if (!options.reason.empty()) body["reason"] = options.reason;
        if (!options.for_duration.empty()) {
            auto duration = parse_duration(options.for_duration);
            if (!duration || duration->count() <= 0) {
                err << "azdns ctl fence: invalid --for \"" << options.for_duration
                    << "\": expected a number and a unit (ms, s, m, h), like 30m or 1h30m\n";
                return exit_usage;
            }
            body["for"] = options.for_duration;
        }
        if (options.force) body["force"] = true;
        request.method = "POST";
        request.target = "/v1/azs/" + percent_encode(options.az) + "/fence" + (options.local ? "?scope=local" : "");
        request.body = body.dump();
        request.headers.emplace_back("Content-Type", "application/json");
    } else if (options.action == "unfence") {
        request.method = "DELETE";
        std::string query;
        if (options.local) query += "scope=local";
        if (options.now) query += std::string(query.empty() ? "" : "&") + "now=true";
        request.target = "/v1/azs/" + percent_encode(options.az) + "/fence" + (query.empty() ? "" : "?" + query);
    } else if (options.action == "reload") {
        request.method = "POST";
        request.target = "/v1/reload";
    } else if (options.action == "explain") {
        request.target = "/v1/explain?name=" + percent_encode(options.name) +
                         "&type=" + percent_encode(options.type.empty() ? "A" : options.type) +
                         (options.client.empty() ? "" : "&client=" + percent_encode(options.client));
    } else {
        err << "azdns ctl: no action given (status, fence, unfence, reload, explain)\n";
        return exit_usage;
    }

    Target target;
    if (int code = resolve_target(options, target, err); code != exit_ok) return code;
    if (!target.token.empty()) request.headers.emplace_back("Authorization", "Bearer " + target.token);

    const std::string where = target.url.text();
    HttpResponse response;
    std::string error;
    if (!http_exchange(target.url, request, response, error, target.client)) {
        err << "azdns ctl: cannot reach the control API at " << where << ": " << error << '\n';
        return exit_problem;
    }
    json body = json::parse(response.body, nullptr, false);
    const bool ok = response.status >= 200 && response.status < 300;
    if (options.json) {
        out << response.body;
        if (!response.body.empty() && response.body.back() != '\n') out << '\n';
        if (!ok) print_error(err, where, response, body);
        return ok ? exit_ok : exit_problem;
    }
    if (response.status == 409 && options.action == "fence") {
        err << "azdns ctl: refused: " << field(body, "error") << '\n';
        for (const auto& service : array_of(body, "services")) err << "  " << cell(service) << '\n';
        err << "azdns ctl: add --force to fence it anyway\n";
        return exit_problem;
    }
    if (response.status == 409 && options.action == "reload" && body.is_object())
        return print_reload(out, err, body, true);
    if (!ok) {
        print_error(err, where, response, body);
        return exit_problem;
    }
    if (body.is_discarded()) {
        err << "azdns ctl: " << where << ": the answer is not JSON: " << trim(response.body.substr(0, 200)) << '\n';
        return exit_problem;
    }
    if (options.action == "status") print_status(out, body);
    else if (options.action == "fence" || options.action == "unfence") out << az_line(body) << '\n';
    else if (options.action == "reload") return print_reload(out, err, body, false);
    else if (options.action == "explain") print_explain(out, body);
    return exit_ok;
}

}  // namespace azdns
