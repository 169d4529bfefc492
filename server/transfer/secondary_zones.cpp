#include "secondary_zones.hpp"

#include <fcntl.h>
#include <sys/stat.h>

#include <algorithm>
#include <ctime>

#include "dns_name.hpp"
#include "durable_file.hpp"
#include "log.hpp"
#include "transfer_tracker.hpp"
#include "wire_integers.hpp"
#include "zone_file_writer.hpp"

namespace azdns {

namespace {

using std::chrono::seconds;

constexpr unsigned refreshing_threads = 2;
// RFC 1035's timers, kept within sense: a SOA saying 0 would make a busy
// loop, one saying a year would leave a dead primary unnoticed.
constexpr std::uint32_t min_timer = 2;
constexpr std::uint32_t max_timer = 86'400;

struct SoaTimers {
    seconds refresh, retry, expire;
};

// REFRESH, RETRY and EXPIRE of the zone's SOA: the 2nd to 4th of the five
// numbers that end its RDATA.
SoaTimers soa_timers(const Zone& zone) {
    const auto rdata = (*zone.soa().begin()).rdata();
    const std::uint8_t* numbers = rdata.data() + rdata.size() - 20;
    auto timer = [&](int i) { return seconds(std::clamp(read_u32(numbers + 4 * i), min_timer, max_timer)); };
    // Expire is not clamped above: a zone that long without a primary is the operator's choice.
    return {timer(1), timer(2), seconds(std::max(read_u32(numbers + 12), min_timer))};
}

std::string copy_path(const std::string& state_dir, const std::string& origin) {
    return state_dir + "/" + zone_copy_file_name(origin);
}

// When the kept copy was last written or confirmed current: its mtime.
SecondaryStatus::Time copy_confirmed_at(const std::string& path) {
    struct stat info {};
    if (::stat(path.c_str(), &info) != 0) return {};
    return SecondaryStatus::Time(std::chrono::duration_cast<SecondaryStatus::Time::duration>(
        seconds(info.st_mtim.tv_sec) + std::chrono::nanoseconds(info.st_mtim.tv_nsec)));
}

// No primary has confirmed the version held for its SOA's expire.
bool past_expire(const SecondaryStatus& status, const Zone& held, SecondaryStatus::Time now) {
    return now - status.confirmed_at >= soa_timers(held).expire;
}

std::string expiry_text(std::uint32_t serial, const SoaTimers& timers) {
    return "expired: no primary confirmed serial " + std::to_string(serial) + " within " +
           std::to_string(timers.expire.count()) + " s (SOA expire), answered SERVFAIL until one does";
}

std::string joined(const std::vector<std::string>& lines) {
    std::string out;
    for (const std::string& line : lines) out += (out.empty() ? "" : "; ") + line;
    return out;
}

}  // namespace

SecondaryZones::SecondaryZones(Options options, Serve serve) : options_(std::move(options)), serve_(std::move(serve)) {
    for (unsigned i = 0; i < refreshing_threads; ++i) threads_.emplace_back([this] { refresh_loop(); });
}

SecondaryZones::~SecondaryZones() { stop(); }

void SecondaryZones::configure(const Config& config, const std::map<std::string, std::shared_ptr<const Zone>>& held) {
    std::lock_guard lock(mutex_);
    std::map<std::string, Tracked> next;
    for (const ZoneConfig& zone : config.zones) {
        if (!zone.is_secondary()) continue;
        auto known = zones_.find(zone.origin);
        Tracked tracked;
        if (known != zones_.end()) {
            tracked = std::move(known->second);
        } else {
            tracked.status.origin = name_to_text(zone.origin);
            if (auto found = held.find(zone.origin); found != held.end() && found->second) {
                tracked.held = found->second;
                tracked.status.held = true;
                tracked.status.serial = tracked.held->serial();
                tracked.status.confirmed_at = copy_confirmed_at(copy_path(options_.state_dir, zone.origin));
            }
            tracked.next_check = Clock::now();  // a new zone is asked for at once
            tracked.status.next_refresh = std::chrono::system_clock::now();
        }
        tracked.config = zone;
        tracked.key.clear();
        for (TsigKey& key : keys_of(config))
            if (key.name == zone.primary_key) tracked.key.push_back(std::move(key));
        tracked.status.primaries.clear();
        for (const ListenAddress& primary : zone.primaries) tracked.status.primaries.push_back(primary.to_string());
        next.emplace(zone.origin, std::move(tracked));
    }
    zones_ = std::move(next);
    wake_.notify_all();
}

void SecondaryZones::notified(const std::string& origin) {
    std::lock_guard lock(mutex_);
    auto found = zones_.find(origin);
    if (found == zones_.end()) return;
    Tracked& tracked = found->second;
    ++tracked.status.notifies;
    tracked.status.last_notify_at = std::chrono::system_clock::now();
    if (tracked.busy) {
        tracked.notified_while_busy = true;  // the serial may have moved past what is being fetched
        return;
    }
    // A check already due by then is not started yet: it sees what this NOTIFY announces.
    const auto now = Clock::now();
    const auto when = notify_check_time(tracked, now);
    if (when >= tracked.next_check) return;
    tracked.next_check = tracked.last_notify_check = when;
    tracked.status.next_refresh =
        tracked.status.last_notify_at + std::chrono::duration_cast<std::chrono::system_clock::duration>(when - now);
    wake_.notify_all();
}

SecondaryZones::Clock::time_point SecondaryZones::notify_check_time(const Tracked& tracked,
                                                                    Clock::time_point now) const {
    return std::max(now, tracked.last_notify_check + options_.min_notify_interval);
}

std::vector<SecondaryStatus> SecondaryZones::status() const {
    std::lock_guard lock(mutex_);
    std::vector<SecondaryStatus> out;
    for (const auto& [origin, tracked] : zones_) out.push_back(tracked.status);
    return out;
}

void SecondaryZones::stop() {
    {
        std::lock_guard lock(mutex_);
        if (stopping_) return;
        stopping_ = true;
        wake_.notify_all();
    }
    cancel_.cancel();
    for (std::thread& thread : threads_) thread.join();
    threads_.clear();
}

void SecondaryZones::refresh_loop() {
    std::unique_lock lock(mutex_);
    while (!stopping_) {
        auto due = zones_.end();
        for (auto it = zones_.begin(); it != zones_.end(); ++it) {
            if (!it->second.busy && (due == zones_.end() || it->second.next_check < due->second.next_check)) due = it;
        }
        if (due == zones_.end()) {
            wake_.wait(lock);
            continue;
        }
        // A copy: a reload may replace zones_ while this waits.
        if (const Clock::time_point when = due->second.next_check; when > Clock::now()) {
            wake_.wait_until(lock, when);
            continue;
        }
        due->second.busy = true;
        const std::string origin = due->first;
        Tracked snapshot = due->second;
        lock.unlock();
        refresh(origin, std::move(snapshot));
        lock.lock();
    }
}

void SecondaryZones::refresh(const std::string& origin, Tracked snapshot) {
    // A copy older than its SOA expire (kept across a stop that long) is not
    // served while the primaries are asked: they may take seconds to fail.
    if (snapshot.held && !snapshot.status.expired &&
        past_expire(snapshot.status, *snapshot.held, std::chrono::system_clock::now()))
        expire_before_refresh(origin, snapshot);
    RefreshRequest request;
    request.origin = origin;
    for (const ListenAddress& primary : snapshot.config.primaries)
        request.primaries.push_back({primary, snapshot.key.empty() ? nullptr : &snapshot.key[0]});
    request.held = snapshot.held;
    request.declared_at = snapshot.config.where;
    request.limits = options_.limits;
    request.max_zone_records = options_.max_zone_records;
    const RefreshOutcome outcome = refresh_zone(request, cancel_);
    if (cancel_.cancelled()) return;  // stopping: nothing more is served or kept
    const std::string name = snapshot.status.origin;
    if (outcome.result == RefreshOutcome::Result::updated) {
        const std::string kept = keep_copy(*outcome.zone, outcome);
        log_line("zone " + name + ": serial " + std::to_string(outcome.zone->serial()) + " from " + outcome.primary +
                 " by " + outcome.kind + " (" + std::to_string(outcome.messages) + " messages, " +
                 std::to_string(outcome.bytes) + " bytes, " + std::to_string(outcome.zone->record_count()) +
                 " records)" + (kept.empty() ? "" : "; not kept in state_dir: " + kept));
        serve_(origin, outcome.zone);
    } else if (outcome.result == RefreshOutcome::Result::up_to_date && snapshot.held) {
        // The copy's mtime says when a primary last confirmed it (the expire timer across restarts).
        (void)::utimensat(AT_FDCWD, copy_path(options_.state_dir, origin).c_str(), nullptr, 0);
    }
    settle(origin, outcome);
}

void SecondaryZones::expire_before_refresh(const std::string& origin, Tracked& snapshot) {
    {
        std::lock_guard lock(mutex_);
        auto found = zones_.find(origin);
        if (found == zones_.end()) return;  // left the config meanwhile
        found->second.status.expired = true;
    }
    snapshot.status.expired = true;
    log_line("zone " + snapshot.status.origin + ": " + expiry_text(snapshot.status.serial, soa_timers(*snapshot.held)));
    serve_(origin, nullptr);
}

void SecondaryZones::settle(const std::string& origin, const RefreshOutcome& outcome) {
    std::shared_ptr<const Zone> to_serve;
    bool withdraw = false;
    std::string log;
    {
        std::lock_guard lock(mutex_);
        auto found = zones_.find(origin);
        if (found == zones_.end()) return;  // left the config meanwhile
        Tracked& tracked = found->second;
        SecondaryStatus& status = tracked.status;
        tracked.busy = false;
        const auto now = Clock::now();
        const auto wall = std::chrono::system_clock::now();
        Clock::duration wait = options_.first_retry;
        switch (outcome.result) {
            case RefreshOutcome::Result::updated:
                tracked.held = outcome.zone;
                status.held = true;
                status.expired = false;
                status.serial = outcome.zone->serial();
                status.confirmed_at = wall;
                status.last_in_kind = outcome.kind;
                status.last_in_primary = outcome.primary;
                status.last_in_at = wall;
                status.last_in_bytes = outcome.bytes;
                status.last_in_messages = outcome.messages;
                status.last_errors.clear();
                ++status.transfers_in;
                wait = soa_timers(*tracked.held).refresh;
                break;
            case RefreshOutcome::Result::up_to_date:
                status.confirmed_at = wall;
                status.last_errors.clear();
                if (tracked.held) {
                    wait = soa_timers(*tracked.held).refresh;
                    if (status.expired) {  // back: what it held is current again
                        status.expired = false;
                        to_serve = tracked.held;
                        log = "zone " + status.origin + ": " + outcome.primary + " confirms serial " +
                              std::to_string(status.serial) + ": served again";
                    }
                }
                break;
            case RefreshOutcome::Result::failed: {
                ++status.refresh_failures;
                status.last_errors = outcome.errors;
                status.last_error_at = wall;
                log = "zone " + status.origin + ": refresh failed: " + joined(outcome.errors);
                if (!tracked.held) {
                    log += "; not served yet";
                    break;
                }
                const SoaTimers timers = soa_timers(*tracked.held);
                wait = timers.retry;
                if (!status.expired && past_expire(status, *tracked.held, wall)) {
                    status.expired = withdraw = true;
                    log += "; " + expiry_text(status.serial, timers);
                } else if (!status.expired) {
                    log += "; keeps serving serial " + std::to_string(status.serial);
                }
                break;
            }
        }
        if (tracked.notified_while_busy) {
            tracked.notified_while_busy = false;
            tracked.last_notify_check = notify_check_time(tracked, now);
            wait = tracked.last_notify_check - now;
        }
        tracked.next_check = now + wait;
        status.next_refresh = wall + std::chrono::duration_cast<std::chrono::system_clock::duration>(wait);
    }
    if (!log.empty()) log_line(log);
    if (withdraw) serve_(origin, nullptr);
    if (to_serve) serve_(origin, std::move(to_serve));
}

std::string SecondaryZones::keep_copy(const Zone& zone, const RefreshOutcome& outcome) const {
    if (std::string error = ensure_private_dir(options_.state_dir); !error.empty()) return error;
    const std::string header = "taken from " + outcome.primary + " by " + outcome.kind + ", serial " +
                               std::to_string(zone.serial()) + ", at " +
                               wall_clock_text(std::chrono::system_clock::now()) +
                               "\nazdns rewrites this file: edits are lost";
    return replace_file_durably(options_.state_dir, zone_copy_file_name(zone.origin()),
                                zone_records_text(zone.origin(), zone_records_of(zone), header));
}

}  // namespace azdns
