#include "fleet_report.hpp"

#include "health_state.hpp"

#include <algorithm>
#include <limits>
#include <map>

#include <nlohmann/json.hpp>

#include "ascii.hpp"
#include "config_fleet.hpp"
#include "health_state.hpp"
#include "untrusted_json.hpp"

namespace azdns {

namespace {

using Json = nlohmann::json;
// Sent with its keys in the documented order, for whoever reads a capture.
using OrderedJson = nlohmann::ordered_json;
using std::chrono::milliseconds;

constexpr std::uint64_t exchange_version = 1;
// The documents nest three deep (the report, a list, an entry); the rest
// is room for versions to come.
constexpr std::size_t max_nesting = 8;
constexpr std::size_t max_label_bytes = 63;  // a check or AZ name, as a DNS label
constexpr std::uint64_t any_size = std::numeric_limits<std::uint64_t>::max();
// Beyond any real age or fence: a larger one is a broken or hostile peer.
constexpr std::uint64_t max_age_ms =
    std::chrono::duration_cast<milliseconds>(std::chrono::years{10}).count();

// What a peer accepts, whatever the caller holds: an age or expiry within
// 0..max_age_ms (a fence past its expiry, not yet lifted, "expires now").
std::uint64_t sendable_ms(milliseconds duration) {
    return static_cast<std::uint64_t>(
        std::clamp<std::int64_t>(duration.count(), 0, static_cast<std::int64_t>(max_age_ms)));
}

// `text` as valid UTF-8 (each invalid byte U+FFFD, as the encoder's
// error_handler_t::replace writes it) and cut at a character boundary to
// `max_bytes`: a replacement grows 1 byte into 3, and a peer refuses the
// whole report for one string over its bound.
std::string sendable_text(const std::string& text, std::size_t max_bytes) {
    std::string valid = Json::parse(Json(text).dump(-1, ' ', false, Json::error_handler_t::replace)).get<std::string>();
    if (valid.size() > max_bytes) {
        std::size_t end = max_bytes;
        while (end > 0 && (static_cast<unsigned char>(valid[end]) & 0xc0) == 0x80) --end;  // inside a character
        valid.resize(end);
    }
    return valid;
}

OrderedJson endpoint_json(const ReportedEndpoint& endpoint) {
    return {{"address", endpoint.id.address.to_string()},
            {"check", endpoint.id.check},
            {"status", endpoint.status == EndpointStatus::down ? "down" : "up"},
            {"since_age_ms", sendable_ms(endpoint.since_age)},
            {"probed_age_ms", sendable_ms(endpoint.probed_age)},
            {"last_error", sendable_text(endpoint.last_error, max_report_error_bytes)}};
}

OrderedJson fence_json(const FleetFence& fence) {
    OrderedJson out{{"az", fence.az}, {"fenced", fence.fenced},
                    {"reason", sendable_text(fence.reason, max_fence_reason_bytes)}};
    if (fence.expires_in) out["expires_in_ms"] = sendable_ms(*fence.expires_in);
    out["counter"] = fence.version.counter;
    out["instance"] = fence.version.instance;
    // Only when set, so that a lifting reads as it did before ramps existed.
    if (fence.skip_ramp) out["skip_ramp"] = true;
    return out;
}

std::string dumped(const OrderedJson& document) {
    return document.dump(-1, ' ', false, OrderedJson::error_handler_t::replace);
}

std::string vantage_name(const JsonFields& fields, std::string_view key) {
    std::string name = fields.string(key, any_size);
    if (const auto problem = vantage_name_problem(name)) fields.fail(key, *problem);
    return ascii_lowered(std::move(name));
}

std::string label(const JsonFields& fields, std::string_view key) {
    std::string name = fields.string(key, max_label_bytes);
    if (name.empty()) fields.fail(key, "must not be empty");
    return name;
}

milliseconds age(const JsonFields& fields, std::string_view key) {
    return milliseconds(fields.unsigned_integer(key, max_age_ms));
}

std::string item_path(const JsonFields& fields, std::string_view key, std::size_t index) {
    return fields.path(key) + "[" + std::to_string(index) + "]";
}

ReportedEndpoint read_endpoint(const JsonFields& fields) {
    ReportedEndpoint endpoint;
    const auto address = IpAddress::parse(fields.string("address", any_size));
    if (!address) fields.fail("address", "expected an IPv4 or IPv6 address");
    endpoint.id = {*address, label(fields, "check")};
    const std::string status = fields.string("status", any_size);
    if (status != "up" && status != "down") fields.fail("status", "expected \"up\" or \"down\"");
    endpoint.status = status == "up" ? EndpointStatus::up : EndpointStatus::down;
    endpoint.since_age = age(fields, "since_age_ms");
    endpoint.probed_age = age(fields, "probed_age_ms");
    endpoint.last_error = fields.string("last_error", max_report_error_bytes);
    return endpoint;
}

FleetFence read_fence(const JsonFields& fields) {
    FleetFence fence;
    fence.az = label(fields, "az");
    fence.fenced = fields.boolean("fenced");
    fence.reason = fields.string("reason", max_fence_reason_bytes);
    if (fields.has("expires_in_ms")) fence.expires_in = age(fields, "expires_in_ms");
    fence.version = {fields.unsigned_integer("counter", any_size), vantage_name(fields, "instance")};
    fence.skip_ramp = fields.has("skip_ramp") && fields.boolean("skip_ramp");
    return fence;
}

std::vector<ReportedEndpoint> read_endpoints(const JsonFields& report, std::size_t max_endpoints) {
    std::vector<ReportedEndpoint> out;
    std::map<EndpointId, std::size_t, EndpointIdLess> seen;
    const Json& list = report.array("endpoints", max_endpoints);
    for (std::size_t i = 0; i < list.size(); ++i) {
        const std::string path = item_path(report, "endpoints", i);
        out.push_back(read_endpoint(JsonFields(list[i], path)));
        if (const auto [first, inserted] = seen.emplace(out.back().id, i); !inserted)
            throw JsonFieldError(path + ": the same address and check as " +
                                 item_path(report, "endpoints", first->second));
    }
    return out;
}

std::vector<FleetFence> read_fences(const JsonFields& report, std::size_t max_fences) {
    std::vector<FleetFence> out;
    std::map<std::string, std::size_t> seen;
    const Json& list = report.array("fences", max_fences);
    for (std::size_t i = 0; i < list.size(); ++i) {
        const std::string path = item_path(report, "fences", i);
        out.push_back(read_fence(JsonFields(list[i], path)));
        if (const auto [first, inserted] = seen.emplace(out.back().az, i); !inserted)
            throw JsonFieldError(path + ".az: the same AZ as " + item_path(report, "fences", first->second));
    }
    return out;
}

FleetReport read_report(const JsonFields& report, std::size_t max_endpoints, std::size_t max_fences) {
    const auto version = report.unsigned_integer("azdns_fleet", any_size);
    if (version != exchange_version)
        report.fail("azdns_fleet", "version " + std::to_string(version) + " is not spoken here (only " +
                                       std::to_string(exchange_version) + ")");
    FleetReport out;
    out.name = vantage_name(report, "name");
    out.generation = report.unsigned_integer("generation", any_size);
    out.sequence = report.unsigned_integer("sequence", any_size);
    out.impaired = report.boolean("impaired");
    out.full = report.boolean("full");
    if (!out.full) {
        // A heartbeat with verdicts is a sender that is not sure which it sent.
        for (const char* key : {"endpoints", "fences", "base"})
            if (report.has(key)) report.fail(key, "a heartbeat (\"full\": false) carries none");
        return out;
    }
    if (report.has("base")) {
        out.base = report.unsigned_integer("base", any_size);
        if (*out.base >= out.sequence) report.fail("base", "a delta's base must be below its sequence");
    }
    out.endpoints = read_endpoints(report, max_endpoints);
    out.fences = read_fences(report, max_fences);
    return out;
}

}  // namespace

std::size_t fleet_report_size_limit(std::size_t endpoints, std::size_t azs) {
    constexpr std::size_t escaped = 6;  // a control character is sent as \u00XX
    constexpr std::size_t per_endpoint = 1024 + escaped * max_report_error_bytes;
    constexpr std::size_t per_az = 1024 + escaped * max_fence_reason_bytes;
    return (std::size_t{64} << 10) + per_endpoint * endpoints + per_az * azs;
}

std::string encode_fleet_report(const FleetReport& report) {
    OrderedJson out{{"azdns_fleet", exchange_version}, {"name", report.name},
                    {"generation", report.generation}, {"sequence", report.sequence},
                    {"impaired", report.impaired}, {"full", report.full}};
    if (report.full && report.base) out["base"] = *report.base;
    if (report.full) {
        OrderedJson endpoints = OrderedJson::array();
        for (const ReportedEndpoint& endpoint : report.endpoints)
            if (endpoint.status != EndpointStatus::unknown) endpoints.push_back(endpoint_json(endpoint));
        OrderedJson fences = OrderedJson::array();
        for (const FleetFence& fence : report.fences) fences.push_back(fence_json(fence));
        out["endpoints"] = std::move(endpoints);
        out["fences"] = std::move(fences);
    }
    return dumped(out);
}

std::optional<FleetReport> decode_fleet_report(std::string_view body, std::size_t max_endpoints,
                                               std::size_t max_fences, std::string& error) {
    const auto document = parse_untrusted_json(body, max_nesting, error);
    if (!document) return std::nullopt;
    try {
        return read_report(JsonFields(*document, ""), max_endpoints, max_fences);
    } catch (const JsonFieldError& problem) {
        error = problem.what();
    } catch (const Json::exception& problem) {  // not expected: the readers check every type first
        error = problem.what();
    }
    return std::nullopt;
}

std::string encode_report_key(const std::string& receiver, const FleetReportKey& key) {
    return dumped(OrderedJson{{"name", receiver},
                              {"have", {{"generation", key.generation}, {"sequence", key.sequence}}}});
}

std::optional<FleetReportKey> decode_report_key(std::string_view body, std::string& error) {
    const auto document = parse_untrusted_json(body, max_nesting, error);
    if (!document) return std::nullopt;
    try {
        const JsonFields reply(*document, "");
        (void)vantage_name(reply, "name");
        const JsonFields have = reply.object("have");
        return FleetReportKey{have.unsigned_integer("generation", any_size), have.unsigned_integer("sequence", any_size)};
    } catch (const JsonFieldError& problem) {
        error = problem.what();
    } catch (const Json::exception& problem) {
        error = problem.what();
    }
    return std::nullopt;
}

}  // namespace azdns
