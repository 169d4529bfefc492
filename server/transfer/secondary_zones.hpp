// azdns as a secondary (docs/transfers.md, "azdns as a secondary"): every
// zone the config takes from `primaries` is refreshed on the SOA's timers
// (refresh while its primaries confirm it, retry while they do not) and at
// soon after a NOTIFY from them (at most one NOTIFY-driven check per zone
// every min_notify_interval; a NOTIFY within it is never lost, only put
// off to its end); each new version that passes the checks is
// kept in state_dir (so that a restart serves it at once) and handed to the
// server to serve; a zone no primary has confirmed for the SOA's expire is
// withdrawn (answered SERVFAIL) until one does. Two threads refresh, so one
// slow primary never holds every zone; every exchange is bounded
// (zone_refresh.hpp) and stop() ends them at once.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "config.hpp"
#include "transfer_cancel.hpp"
#include "zone.hpp"
#include "zone_refresh.hpp"

namespace azdns {

// One secondary zone as /v1/status shows it.
struct SecondaryStatus {
    using Time = std::chrono::system_clock::time_point;
    std::string origin;  // text form
    std::vector<std::string> primaries;
    bool held = false;     // some version is served
    bool expired = false;  // no primary confirmed it within expire: SERVFAIL
    std::uint32_t serial = 0;  // of the version held
    Time confirmed_at;   // when a primary last brought it or said it is current; epoch: never
    Time next_refresh;   // when its primaries are asked next
    // The last transfer in that was served.
    std::string last_in_kind;  // "AXFR", "IXFR", "IXFR (whole zone)"; empty: none since start
    std::string last_in_primary;
    Time last_in_at;
    std::uint64_t last_in_bytes = 0;
    std::size_t last_in_messages = 0;
    std::vector<std::string> last_errors;  // of the last refresh, when it failed; empty after one that did not
    Time last_error_at;
    Time last_notify_at;  // epoch: none since start
    std::uint64_t transfers_in = 0;
    std::uint64_t refresh_failures = 0;
    std::uint64_t notifies = 0;
};

class SecondaryZones {
public:
    // Serves `zone` (a new version, checked) for `origin`; nullptr withdraws
    // it (expired). Called from the refreshing threads, never under a lock
    // of this class.
    using Serve = std::function<void(const std::string& origin, std::shared_ptr<const Zone> zone)>;

    struct Options {
        std::string state_dir;  // the kept copies go here
        TransferLimits limits;  // max_bytes: server.max_zone_size
        std::uint64_t max_zone_records = default_max_zone_records;  // server.max_zone_records
        std::chrono::milliseconds first_retry{std::chrono::seconds(10)};  // before any SOA gives the timers
        // Spoofed NOTIFYs from a primary's address cannot keep SOA queries going back to back.
        std::chrono::milliseconds min_notify_interval{std::chrono::seconds(2)};
    };

    SecondaryZones(Options options, Serve serve);
    SecondaryZones(const SecondaryZones&) = delete;
    SecondaryZones& operator=(const SecondaryZones&) = delete;
    ~SecondaryZones();  // stop()

    // The config in force and, per secondary zone, the version served (null:
    // none): at start and after each reload. New zones are refreshed at
    // once; zones gone from the config are forgotten.
    void configure(const Config& config, const std::map<std::string, std::shared_ptr<const Zone>>& held);
    // A NOTIFY the answering path accepted for `origin` (wire form).
    void notified(const std::string& origin);
    [[nodiscard]] std::vector<SecondaryStatus> status() const;
    void stop();

private:
    using Clock = std::chrono::steady_clock;
    struct Tracked {
        ZoneConfig config;
        std::vector<TsigKey> key;  // the primary_key, when set (one element)
        std::shared_ptr<const Zone> held;
        Clock::time_point next_check;
        bool busy = false;
        bool notified_while_busy = false;
        Clock::time_point last_notify_check;  // when the last NOTIFY-driven check was due
        SecondaryStatus status;
    };

    // When a NOTIFY's check is due: now, or min_notify_interval after the last one.
    [[nodiscard]] Clock::time_point notify_check_time(const Tracked& tracked, Clock::time_point now) const;
    void refresh_loop();
    void refresh(const std::string& origin, Tracked snapshot);
    void expire_before_refresh(const std::string& origin, Tracked& snapshot);
    void settle(const std::string& origin, const RefreshOutcome& outcome);
    [[nodiscard]] std::string keep_copy(const Zone& zone, const RefreshOutcome& outcome) const;

    const Options options_;
    const Serve serve_;
    TransferCancel cancel_;
    mutable std::mutex mutex_;
    std::condition_variable wake_;
    std::map<std::string, Tracked> zones_;  // by origin, wire form
    bool stopping_ = false;
    std::vector<std::thread> threads_;
};

}  // namespace azdns
