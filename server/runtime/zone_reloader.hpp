// Reloading while serving (spec: "Reload"): SIGHUP, `POST /v1/reload` and a
// changed zone file all land here. A reload re-reads the config file too and
// applies what can change live (zones, [ttl], [policy], [[az]], [[check]],
// [[service]]); a config with errors is not applied, and the zones reload
// under the running one. A zone that fails to load keeps serving its
// previous version; its error is kept for /v1/status and logged. Each
// reload reports both kinds of errors (ReloadReport) to whoever asked for
// it: `POST /v1/reload` answers 409 with them. The new set
// goes to the health monitor, which retargets the probes and has the
// publisher publish it with its health view. A reload is bounded in time
// (server.reload_timeout) and by size (server.max_zone_size): one that
// passes its time, or meets a shutdown, is abandoned whole, and the zones
// served before keep serving.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <stop_token>
#include <string>
#include <vector>

#include "config.hpp"
#include "config_zones.hpp"
#include "load_limits.hpp"
#include "serving_publisher.hpp"

namespace azdns {

class HealthMonitor;

struct ZoneStatus {
    std::string origin;  // text form, "example.com."
    std::uint32_t serial = 0;  // 0 while a zone added by a reload has never loaded
    std::size_t records = 0;
    std::chrono::system_clock::time_point loaded_at;  // of the version being served
    std::string error;   // of the last attempt, its first error; empty when it loaded
    std::uint64_t reload_errors = 0;  // reloads in which it failed, since start (azdns_zone_reload_errors_total)
    std::vector<std::string> errors;  // of the last attempt, each as `azdns check` prints it (see error_lines)
};

// What one reload did, for `POST /v1/reload` and `azdns ctl reload`.
struct ReloadReport {
    std::string config_file;
    // Empty when the config file loaded and is now in force; otherwise its
    // errors (see error_lines), and the running config stays.
    std::vector<std::string> config_errors;
    std::vector<ZoneStatus> zones;  // every zone of the config in force, after the reload
};

// A reload lists this many errors per file set (the config, each zone); a
// zone file broken from top to bottom would otherwise answer with megabytes.
inline constexpr std::size_t max_listed_errors = 100;

// The errors in `diags`, each "FILE:LINE:COL: message" as `azdns check`
// prints it, at most max_listed_errors; then, if there were more, one line
// "... and N more errors (azdns check -c CONFIG lists them all)".
[[nodiscard]] std::vector<std::string> error_lines(const Diagnostics& diags, const std::string& config_path);

class ZoneReloader {
public:
    // `initial` must hold every zone of the config the publisher holds
    // (serve refuses to start otherwise); a config with errors leaves that
    // one in force. `health` and `publisher` must outlive the reloader.
    // `now` measures server.reload_timeout (a fake clock in tests).
    ZoneReloader(std::string config_path, const LoadedZones& initial, HealthMonitor& health,
                 const ServingPublisher& publisher, LoadStop::Now now = LoadStop::Clock::now);

    // Thread-safe; one reload at a time. Reports the config's errors and
    // every zone's status after it.
    ReloadReport reload();
    // For shutdown, from any thread: a reload in progress stops at its next
    // read of a zone file and publishes nothing; later ones do not start.
    void abandon();
    // `listener` gets the files the zones of the config in force read (each
    // zone's file and its $INCLUDEs, as in LoadedZones::files_read): now, and
    // after every reload. Called under the reload lock, so sets arrive in order.
    void set_files_listener(std::function<void(std::vector<std::string>)> listener);
    // `listener` gets the config in force and, per zone it takes from
    // primaries, the version held (null: none): now, and after every reload.
    // Called under the reload lock (SecondaryZones::configure).
    using HeldZones = std::map<std::string, std::shared_ptr<const Zone>>;
    void set_secondaries_listener(std::function<void(const Config&, const HeldZones&)> listener);
    // A new version of a zone taken from primaries (SecondaryZones), served
    // at once with the health view; nullptr withdraws the zone (expired:
    // answered SERVFAIL) until a version comes again. Ignored for an origin
    // the config in force does not take from primaries.
    void serve_transferred(const std::string& origin, std::shared_ptr<const Zone> zone);
    [[nodiscard]] std::vector<ZoneStatus> status() const;

private:
    struct Served {
        std::string origin;  // wire form
        std::shared_ptr<const Zone> zone;  // null: never loaded
        ZoneStatus status;
        std::uint32_t slot = 0;  // the same in every ZoneSet (see ZoneSet::add)
        bool secondary = false;  // taken from primaries: in every set, unavailable when not held
        bool withdrawn = false;  // a secondary's zone past its expire: `zone` is kept, not served
    };

    std::shared_ptr<const Config> read_config(std::vector<std::string>& errors);
    void give_up_locked(LoadStop::Reason reason, Duration timeout);
    [[nodiscard]] std::vector<ZoneStatus> status_locked() const;
    [[nodiscard]] std::shared_ptr<ZoneSet> zone_set_locked() const;
    [[nodiscard]] HeldZones held_secondaries_locked() const;

    const std::string config_path_;
    HealthMonitor& health_;
    const ServingPublisher& publisher_;
    const LoadStop::Now now_;
    std::stop_source shutdown_;
    mutable std::mutex mutex_;
    std::vector<Served> served_;  // in the order of the config in force
    std::uint32_t next_slot_ = 0;  // for an origin a reload adds
    std::vector<std::string> files_read_;  // by the last reload (or the start)
    std::function<void(std::vector<std::string>)> files_listener_;
    std::function<void(const Config&, const HeldZones&)> secondaries_listener_;
};

}  // namespace azdns
