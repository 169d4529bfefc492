// The one fake ControlBackend (server/control_backend.hpp) for the tests of
// the control API: its routes (test/server/control_routes_test.cpp), its HTTP
// server (test/server/control_server_test.cpp) and `azdns ctl`
// (test/ctl_test.cpp). Each of them used to carry its own copy; this one
// serves all three, so a change to ControlBackend is made in one fake.
//
// It records every call (thread-safe: the control server calls it on its own
// thread) and answers from one small, fixed world:
//   - status() is fake_status, metrics() is fake_metrics;
//   - fencing "nowhere" (an unknown AZ) or unfencing it is 404; fencing
//     europe-se-1b without force is refused with 409, as it would leave two
//     services with no AZ up; fencing "boom" throws; unfencing "plain" is a
//     404 without the {"error"} shape; any other AZ is fenced or unfenced;
//   - explain of type BOGUS is 400; any other gives one canned explanation;
//   - reload() succeeds; after set_reload_fails(true) example.com. fails with
//     two errors; after set_config_broken(true) the config is not applied;
//   - fleet_report() of a body that is not JSON is 400, from a sender other
//     than ns2 or ns3 403, and after set_has_peers(false) 404; from ns2 or
//     ns3 it is 200 with the report's generation and sequence (the fake
//     reads the document with nlohmann::json, not the fleet report codec);
//     fleet_state() is fake_fleet_state, or 404 without peers.
#pragma once

#include <nlohmann/json.hpp>

#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "control_backend.hpp"

namespace azdns::testing {

inline const nlohmann::json fake_status = nlohmann::json::parse(R"({
  "zones": [
    {"origin": "example.com.", "serial": 2026112601, "records": 42, "loaded_at": "2026-11-26T05:00:00Z", "error": null,
     "transfers": {"source": "file", "serial": 2026112601, "filtered_serial": 2026112604,
       "allow_transfer": [{"prefixes": ["192.0.2.53/32"], "key": "xfr.", "view": "filtered"}],
       "notify": [
         {"target": "192.0.2.53:53", "serial": 2026112604, "outcome": "acked", "tries": 1,
          "last_sent": "2026-11-26T05:12:00.000Z", "last_acked": "2026-11-26T05:12:00.004Z", "error": null},
         {"target": "192.0.2.54:53", "serial": 2026112604, "outcome": "failed", "tries": 5,
          "last_sent": "2026-11-26T05:12:31.000Z", "last_acked": null, "error": "no answer after 5 tries"}],
       "last_out": {"time": "2026-11-26T05:12:00.120Z", "client": "192.0.2.53:40123", "kind": "ixfr",
         "view": "filtered", "serial": 2026112604, "messages": 1, "bytes": 412, "took_ms": 2, "error": null}}},
    {"origin": "example.net.", "serial": 7, "records": 3, "loaded_at": "2026-11-26T05:00:01Z", "error": "example.net.zone:3:1: bad TTL",
     "transfers": {"source": "file", "serial": 7, "filtered_serial": null, "allow_transfer": [], "notify": [],
       "last_out": null}},
    {"origin": "example.org.", "serial": 5, "records": 9, "loaded_at": "2026-11-26T05:02:00Z", "error": null,
     "transfers": {"source": "primaries", "serial": 5, "filtered_serial": null, "allow_transfer": [], "notify": [],
       "last_out": null,
       "in": {"primaries": ["198.51.100.1:53"], "held": true, "expired": false, "serial": 5,
         "confirmed_at": "2026-11-26T05:12:00Z", "next_refresh": "2026-11-26T06:12:00Z",
         "last_in": {"time": "2026-11-26T05:02:00Z", "primary": "198.51.100.1:53", "kind": "IXFR", "serial": 5,
           "messages": 1, "bytes": 446},
         "errors": [], "last_error_at": null, "last_notify": "2026-11-26T05:01:59Z",
         "transfers_in": 2, "refresh_failures": 0, "notifies": 2}}}
  ],
  "azs": [
    {"name": "europe-se-1a", "region": "europe-se-1", "state": "up", "reason": null, "since": "2026-11-26T05:00:00Z",
     "endpoints_up": 2, "endpoints_total": 2, "manual_reason": null, "expires": null,
     "answer_permille": 145, "ramp_ends": "2026-11-26T05:02:00Z"},
    {"name": "europe-se-1b", "region": "europe-se-1", "state": "fenced", "reason": "manual", "since": "2026-11-26T05:10:00Z",
     "endpoints_up": 1, "endpoints_total": 2, "manual_reason": "disk swap", "expires": "2026-11-26T07:10:00Z"}
  ],
  "endpoints": [
    {"address": "192.0.2.10", "az": "europe-se-1a", "check": "web", "state": "up", "since": "2026-11-26T05:00:02Z",
     "last_error": null, "rtt_ms": 1.25},
    {"address": "192.0.2.140", "az": "europe-se-1b", "check": "web", "state": "down", "since": "2026-11-26T05:09:00Z",
     "last_error": "connection refused", "rtt_ms": null}
  ]
})");

inline const nlohmann::json fake_fleet_state = nlohmann::json::parse(R"({
  "name": "ns1", "generation": 3, "sequence": 17, "impaired": false, "full": true, "endpoints": [], "fences": []
})");

inline const std::string fake_metrics = "azdns_zone_serial{zone=\"example.com.\"} 1\n";

// One call of fence(), as the backend received it.
struct FenceCall {
    std::string az;
    std::string reason;
    std::optional<Duration> for_duration;
    bool force = false;
};

class FakeControlBackend : public ControlBackend {
public:
    using Explain = std::pair<std::string, std::string>;  // name, type

    nlohmann::json status() override {
        std::lock_guard lock(mutex_);
        ++status_calls_;
        return fake_status;
    }

    ApiReply fence(const std::string& az, const std::string& reason, std::optional<Duration> for_duration, bool force,
                   FenceScope scope) override {
        scopes_.push_back(scope);
        if (az == "boom") throw std::runtime_error("the backend broke");
        std::lock_guard lock(mutex_);
        fences_.push_back({az, reason, for_duration, force});
        if (az == "nowhere") return {404, nlohmann::json{{"error", "no AZ named \"nowhere\""}}};
        if (az == "europe-se-1b" && !force)
            return {409, nlohmann::json{{"error", "fencing europe-se-1b would leave services with no AZ up"},
                                        {"services", {"www.example.com.", "api.example.com."}}}};
        nlohmann::json state = {{"name", az}, {"region", "europe-se-1"}, {"state", "fenced"}, {"reason", "manual"},
                                {"since", "2026-11-26T06:00:00Z"}, {"endpoints_up", 2}, {"endpoints_total", 2},
                                {"manual_reason", reason.empty() ? nlohmann::json() : nlohmann::json(reason)},
                                {"expires", nullptr}};
        if (for_duration) state["expires"] = "2026-11-26T08:00:00Z";
        return {200, state};
    }

    ApiReply unfence(const std::string& az, FenceScope scope, bool skip_ramp) override {
        scopes_.push_back(scope);
        std::lock_guard lock(mutex_);
        unfences_.push_back(az);
        skip_ramps_.push_back(skip_ramp);
        if (az == "nowhere") return {404, nlohmann::json{{"error", "no AZ named \"nowhere\""}}};
        if (az == "plain") return {404, nlohmann::json()};  // an error without the {"error"} shape
        nlohmann::json state{{"name", az}, {"region", "europe-se-1"}, {"state", "up"}, {"reason", nullptr},
                             {"since", "2026-11-26T06:30:00Z"}, {"endpoints_up", 2}, {"endpoints_total", 2},
                             {"answer_permille", 1000}, {"ramp_ends", nullptr}};
        if (az == "europe-se-1a" && !skip_ramp) {  // it has a ramp of 2m
            state["answer_permille"] = 100;
            state["ramp_ends"] = "2026-11-26T06:32:00Z";
        }
        return {200, state};
    }

    ApiReply reload() override {
        std::lock_guard lock(mutex_);
        ++reloads_;
        nlohmann::json config = {{"file", "/etc/azdns/azdns.toml"}, {"applied", true}, {"errors", nlohmann::json::array()}};
        if (reload_fails_)
            return {409, nlohmann::json{{"error", "1 zone failed to reload and keeps serving its previous version"},
                                        {"config", config},
                                        {"zones",
                                         {{{"origin", "example.com."},
                                           {"serial", 3},
                                           {"error", "example.com.zone:9:1: bad RDATA (and 1 more)"},
                                           {"errors", {"example.com.zone:9:1: bad RDATA", "example.com.zone:12:5: bad TTL"}}}}}}};
        // The zones reloaded: under the running config when the file is broken.
        nlohmann::json reloaded = {{{"origin", "example.com."},
                                    {"serial", 4},
                                    {"error", nullptr},
                                    {"errors", nlohmann::json::array()}}};
        if (config_broken_) {
            config["applied"] = false;
            config["errors"] = {"/etc/azdns/azdns.toml:3:1: unknown key \"maxx\" in [ttl]"};
            return {409, nlohmann::json{{"error", "/etc/azdns/azdns.toml has errors: the config was not applied, and "
                                                  "the zones reloaded under the running config"},
                                        {"config", config},
                                        {"zones", reloaded}}};
        }
        return {200, nlohmann::json{{"error", nullptr}, {"config", config}, {"zones", reloaded}}};
    }

    ApiReply explain(const std::string& name, const std::string& type, const std::string& client) override {
        std::lock_guard lock(mutex_);
        explains_.emplace_back(name, type);
        last_explain_client_ = client;
        if (type == "BOGUS") return {400, nlohmann::json{{"error", "unknown query type \"BOGUS\""}}};
        return {200, nlohmann::json::parse(R"json({
          "name": "www.example.com.", "type": "A", "rcode": "NOERROR",
          "answer": ["www.example.com. 20 IN A 192.0.2.10"],
          "ttl": 20, "ttl_rule": "ttl.degraded: an address is down or fenced",
          "service": "www.example.com.", "policy": "all",
          "addresses": [
            {"address": "192.0.2.10", "az": "europe-se-1a", "in": true, "why": "endpoint up"},
            {"address": "192.0.2.140", "az": "europe-se-1b", "in": false, "why": "AZ europe-se-1b fenced (manual)"}
          ]})json")};
    }

    std::string metrics() override { return fake_metrics; }

    ApiReply fleet_report(const std::string& body) override {
        std::lock_guard lock(mutex_);
        fleet_reports_.push_back(body);
        if (!has_peers_) return {404, nlohmann::json{{"error", "this instance has no peers"}}};
        auto report = nlohmann::json::parse(body, nullptr, false);
        if (!report.is_object() || !report.contains("name") || !report["name"].is_string())
            return {400, nlohmann::json{{"error", "not a fleet report"}}};
        const auto name = report["name"].get<std::string>();
        if (name != "ns2" && name != "ns3") return {403, nlohmann::json{{"error", "\"" + name + "\" is no peer of ns1"}}};
        return {200, nlohmann::json{{"generation", report.value("generation", 0)}, {"sequence", report.value("sequence", 0)}}};
    }

    ApiReply fleet_state() override {
        std::lock_guard lock(mutex_);
        ++fleet_state_calls_;
        if (!has_peers_) return {404, nlohmann::json{{"error", "this instance has no peers"}}};
        return {200, fake_fleet_state};
    }

    // The calls received so far, oldest first.
    int status_calls() {
        std::lock_guard lock(mutex_);
        return status_calls_;
    }
    std::vector<FenceCall> fences() {
        std::lock_guard lock(mutex_);
        return fences_;
    }
    std::vector<std::string> unfences() {
        std::lock_guard lock(mutex_);
        return unfences_;
    }
    // skip_ramp of each unfence() call, in order.
    std::vector<bool> skip_ramps() {
        std::lock_guard lock(mutex_);
        return skip_ramps_;
    }
    // The scope of each fence() and unfence() call, in order.
    std::vector<FenceScope> scopes() {
        std::lock_guard lock(mutex_);
        return scopes_;
    }
    std::string last_explain_client() {
        std::lock_guard lock(mutex_);
        return last_explain_client_;
    }
    std::vector<Explain> explains() {
        std::lock_guard lock(mutex_);
        return explains_;
    }
    int reloads() {
        std::lock_guard lock(mutex_);
        return reloads_;
    }
    // The bodies of fleet_report(), as received.
    std::vector<std::string> fleet_reports() {
        std::lock_guard lock(mutex_);
        return fleet_reports_;
    }
    int fleet_state_calls() {
        std::lock_guard lock(mutex_);
        return fleet_state_calls_;
    }
    void clear_calls() {
        std::lock_guard lock(mutex_);
        status_calls_ = 0;
        fences_.clear();
        unfences_.clear();
        explains_.clear();
        reloads_ = 0;
        fleet_reports_.clear();
        fleet_state_calls_ = 0;
    }

    void set_reload_fails(bool fails) {
        std::lock_guard lock(mutex_);
        reload_fails_ = fails;
    }
    void set_config_broken(bool broken) {
        std::lock_guard lock(mutex_);
        config_broken_ = broken;
    }
    void set_has_peers(bool has_peers) {
        std::lock_guard lock(mutex_);
        has_peers_ = has_peers;
    }

private:
    std::mutex mutex_;
    int status_calls_ = 0;
    std::vector<FenceCall> fences_;
    std::vector<std::string> unfences_;
    std::vector<bool> skip_ramps_;
    std::vector<FenceScope> scopes_;
    std::vector<Explain> explains_;
    std::string last_explain_client_;
    int reloads_ = 0;
    bool reload_fails_ = false;
    bool config_broken_ = false;
    std::vector<std::string> fleet_reports_;
    int fleet_state_calls_ = 0;
    bool has_peers_ = true;
};

}  // namespace azdns::testing
