// NOTIFY out (RFC 1996): on each new serial of a zone, azdns tells the
// zone's secondaries over UDP so they transfer it at once instead of at
// their next SOA refresh. One thread of its own sends, resends with back-off
// and reads the replies; callers only queue work.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "socket_address.hpp"

namespace azdns {

// Signs a NOTIFY to `target` in place (TSIG): `buffer` holds the message's
// `length` bytes and room after them. Returns the new length, 0 when
// signing failed.
using NotifySign = std::function<std::size_t(std::span<std::uint8_t> buffer, std::size_t length,
                                             std::string_view origin_wire, const SocketAddress& target)>;

struct NotifySenderOptions {
    // Resends wait 1, 2, 4, 8 and 16 s: five tries over about half a minute.
    // RFC 1996 section 3.6 suggests at most 5 retransmissions with back-off;
    // NSD's notify-retry defaults to 5. Tests shorten the first wait.
    std::chrono::milliseconds first_retry{1000};
    unsigned max_tries = 5;
    // (zone, target) pairs tracked. Beyond that the one told longest ago is
    // forgotten or, when all are pending, the oldest pending is dropped.
    std::size_t max_targets = 10000;
    NotifySign sign;  // none: unsigned NOTIFY
};

enum class NotifyOutcome {
    pending,  // sent or waiting to be sent, no reply yet
    acked,    // the target replied NOERROR
    refused,  // the target replied with another rcode (REFUSED, NOTAUTH, ...): not retried
    failed,   // no reply after max_tries, or it could not be signed or sent
};

[[nodiscard]] const char* to_string(NotifyOutcome outcome);

// What the sender knows about one zone and one target.
struct NotifyTargetStatus {
    std::string zone;  // origin, wire form
    SocketAddress target;
    std::uint32_t serial = 0;  // the latest serial queued for this target
    NotifyOutcome outcome = NotifyOutcome::pending;
    unsigned tries = 0;  // sends of `serial` so far
    std::optional<std::chrono::system_clock::time_point> last_sent;
    std::optional<std::chrono::system_clock::time_point> last_acked;
    std::string last_error;  // why the last serial was refused or failed; "" when acked
    // Over the sender's life.
    std::uint64_t sent = 0;  // datagrams, resends included
    std::uint64_t acked = 0;
    std::uint64_t refused = 0;
    std::uint64_t failed = 0;
};

class NotifySender {
public:
    // Opens one UDP socket per address family and starts the thread. A
    // family the host lacks fails only the targets of that family.
    explicit NotifySender(NotifySenderOptions options = {});
    ~NotifySender();  // stop()
    NotifySender(const NotifySender&) = delete;
    NotifySender& operator=(const NotifySender&) = delete;

    // Queues a NOTIFY of `serial` to each target and returns; a serial still
    // pending for the same zone and target is superseded (its resends stop).
    // The origin is lowercased here too: replies are matched on it.
    void notify(std::string origin_wire_canonical, std::uint32_t serial, std::vector<SocketAddress> targets);

    // One entry per (zone, target), ordered by zone then target. Thread-safe.
    [[nodiscard]] std::vector<NotifyTargetStatus> status() const;
    // (zone, target) pairs pushed out by max_targets while still pending.
    [[nodiscard]] std::uint64_t dropped() const;

    // Wakes the thread and joins it; pending resends are abandoned. Idempotent.
    void stop();

private:
    struct Queued {
        std::string origin;
        std::uint32_t serial;
        std::vector<SocketAddress> targets;
    };
    struct Target {
        NotifyTargetStatus status;
        std::uint16_t id = 0;  // of the serial pending; kept over resends so a late reply still counts
        std::chrono::steady_clock::time_point next_send{};
        std::chrono::milliseconds wait{};
        std::uint64_t touched = 0;  // queue order, to find the oldest
    };
    using Key = std::pair<std::string, std::string>;  // origin, target text

    void run();
    void take_queued();
    void start_serial(const std::string& origin, std::uint32_t serial, const SocketAddress& target);
    void make_room();
    void send_due(std::chrono::steady_clock::time_point now);
    void send_one(Target& target, std::chrono::steady_clock::time_point now);
    void finish(Target& target, NotifyOutcome outcome, std::string why);
    void read_replies(int fd);
    [[nodiscard]] std::chrono::milliseconds time_to_next_send(std::chrono::steady_clock::time_point now) const;
    void wake();

    NotifySenderOptions options_;
    int wake_fd_ = -1;
    int socket_v4_ = -1;
    int socket_v6_ = -1;
    std::string socket_v4_error_;
    std::string socket_v6_error_;

    std::mutex queue_mutex_;  // notify() against the thread: held only to move a vector
    std::vector<Queued> queued_;
    bool stopping_ = false;

    mutable std::mutex state_mutex_;  // the thread against status()
    std::map<Key, Target> targets_;
    std::uint64_t dropped_ = 0;
    std::uint64_t touch_counter_ = 0;

    std::thread thread_;
};

}  // namespace azdns
