#include "notify_sender.hpp"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "dns_name.hpp"
#include "log.hpp"
#include "notify_message.hpp"
#include "query_id.hpp"
#include "query_reader.hpp"

namespace azdns {

namespace {

using Clock = std::chrono::steady_clock;

// A NOTIFY is a question and at most a TSIG record: far below this.
constexpr std::size_t message_room = 1232;
// The longest the thread sleeps with nothing due, so that a lost wake-up
// costs at most this much.
constexpr std::chrono::milliseconds idle_poll{1000};
// Replies read per socket per round, so that a flood cannot starve resends.
constexpr int replies_per_round = 64;

int open_socket(int family, std::string& error) {
    const int fd = ::socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) error = std::string("cannot open a UDP socket: ") + std::strerror(errno);
    return fd;
}

std::vector<std::pair<std::string, std::string>> fields(const char* event, const NotifyTargetStatus& status,
                                                        const std::string& why = "") {
    std::vector<std::pair<std::string, std::string>> out{{"event", event},
                                                         {"zone", name_to_text(status.zone)},
                                                         {"target", status.target.to_string()},
                                                         {"serial", std::to_string(status.serial)},
                                                         {"tries", std::to_string(status.tries)}};
    if (!why.empty()) out.emplace_back("why", why);
    return out;
}

std::string about(const NotifyTargetStatus& status) {
    return "notify: zone " + name_to_text(status.zone) + " serial " + std::to_string(status.serial);
}

}  // namespace

const char* to_string(NotifyOutcome outcome) {
    switch (outcome) {
        case NotifyOutcome::pending: return "pending";
        case NotifyOutcome::acked: return "acked";
        case NotifyOutcome::refused: return "refused";
        case NotifyOutcome::failed: return "failed";
    }
    return "unknown";
}

NotifySender::NotifySender(NotifySenderOptions options) : options_(std::move(options)) {
    wake_fd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (wake_fd_ < 0) throw std::runtime_error(std::string("notify: cannot make an eventfd: ") + std::strerror(errno));
    socket_v4_ = open_socket(AF_INET, socket_v4_error_);
    socket_v6_ = open_socket(AF_INET6, socket_v6_error_);
    thread_ = std::thread([this] { run(); });
}

NotifySender::~NotifySender() {
    stop();
    for (int fd : {wake_fd_, socket_v4_, socket_v6_})
        if (fd >= 0) ::close(fd);
}

void NotifySender::stop() {
    {
        std::lock_guard lock(queue_mutex_);
        stopping_ = true;
    }
    wake();
    if (thread_.joinable()) thread_.join();
}

void NotifySender::notify(std::string origin_wire_canonical, std::uint32_t serial, std::vector<SocketAddress> targets) {
    if (targets.empty()) return;
    {
        std::lock_guard lock(queue_mutex_);
        if (stopping_) return;
        queued_.push_back({name_canonical(origin_wire_canonical), serial, std::move(targets)});
    }
    wake();
}

std::vector<NotifyTargetStatus> NotifySender::status() const {
    std::lock_guard lock(state_mutex_);
    std::vector<NotifyTargetStatus> out;
    out.reserve(targets_.size());
    for (const auto& [key, target] : targets_) out.push_back(target.status);
    return out;
}

std::uint64_t NotifySender::dropped() const {
    std::lock_guard lock(state_mutex_);
    return dropped_;
}

void NotifySender::wake() {
    const std::uint64_t one = 1;
    // Fails only when the counter is full, and then a wake-up is pending anyway.
    [[maybe_unused]] const auto written = ::write(wake_fd_, &one, sizeof one);
}

void NotifySender::run() {
    std::array<pollfd, 3> fds{{{wake_fd_, POLLIN, 0}, {socket_v4_, POLLIN, 0}, {socket_v6_, POLLIN, 0}}};
    while (true) {
        {
            std::lock_guard lock(queue_mutex_);
            if (stopping_) return;
        }
        take_queued();
        std::chrono::milliseconds timeout;
        {
            std::lock_guard lock(state_mutex_);
            const auto now = Clock::now();
            send_due(now);
            timeout = time_to_next_send(now);
        }
        for (auto& fd : fds) fd.revents = 0;
        if (::poll(fds.data(), fds.size(), static_cast<int>(timeout.count())) < 0) continue;  // EINTR
        if (fds[0].revents & POLLIN) {
            std::uint64_t count;
            [[maybe_unused]] const auto read = ::read(wake_fd_, &count, sizeof count);
        }
        for (std::size_t i = 1; i < fds.size(); ++i)
            if (fds[i].revents & POLLIN) read_replies(fds[i].fd);
    }
}

void NotifySender::take_queued() {
    std::vector<Queued> work;
    {
        std::lock_guard lock(queue_mutex_);
        work.swap(queued_);
    }
    if (work.empty()) return;
    std::lock_guard lock(state_mutex_);
    for (const auto& item : work)
        for (const auto& target : item.targets) start_serial(item.origin, item.serial, target);
}

void NotifySender::start_serial(const std::string& origin, std::uint32_t serial, const SocketAddress& address) {
    Key key{origin, address.to_string()};
    auto found = targets_.find(key);
    if (found == targets_.end()) {
        make_room();
        found = targets_.emplace(std::move(key), Target{}).first;
        found->second.status.zone = origin;
        found->second.status.target = address;
    }
    // Whatever was pending for an older serial is superseded: the secondary
    // needs to hear of the newest zone only.
    Target& target = found->second;
    target.status.serial = serial;
    target.status.outcome = NotifyOutcome::pending;
    target.status.tries = 0;
    target.status.last_error.clear();
    target.id = random_query_id();
    target.next_send = Clock::now();
    target.wait = options_.first_retry;
    target.touched = ++touch_counter_;
}

void NotifySender::make_room() {
    if (targets_.size() < options_.max_targets || targets_.empty()) return;
    // The oldest pair that is done, else the oldest still pending (counted).
    auto oldest = targets_.end();
    auto oldest_pending = targets_.end();
    for (auto it = targets_.begin(); it != targets_.end(); ++it) {
        auto& slot = it->second.status.outcome == NotifyOutcome::pending ? oldest_pending : oldest;
        if (slot == targets_.end() || it->second.touched < slot->second.touched) slot = it;
    }
    if (oldest == targets_.end()) {
        oldest = oldest_pending;
        ++dropped_;
        const auto& status = oldest->second.status;
        log_event(about(status) + " to " + status.target.to_string() + " dropped: more than " +
                      std::to_string(options_.max_targets) + " notifies pending",
                  fields("notify_dropped", status));
    }
    targets_.erase(oldest);
}

std::chrono::milliseconds NotifySender::time_to_next_send(Clock::time_point now) const {
    auto next = now + idle_poll;
    for (const auto& [key, target] : targets_)
        if (target.status.outcome == NotifyOutcome::pending) next = std::min(next, target.next_send);
    if (next <= now) return std::chrono::milliseconds{0};
    // Rounded up: waking a little early would only spin.
    return std::chrono::ceil<std::chrono::milliseconds>(next - now);
}

void NotifySender::send_due(Clock::time_point now) {
    for (auto& [key, target] : targets_) {
        if (target.status.outcome != NotifyOutcome::pending || target.next_send > now) continue;
        if (target.status.tries >= options_.max_tries) {
            finish(target, NotifyOutcome::failed,
                   "no reply after " + std::to_string(target.status.tries) + " tries");
            continue;
        }
        send_one(target, now);
    }
}

void NotifySender::send_one(Target& target, Clock::time_point now) {
    auto& status = target.status;
    const bool v4 = status.target.address.family == IpFamily::v4;
    const int fd = v4 ? socket_v4_ : socket_v6_;
    if (fd < 0) {
        finish(target, NotifyOutcome::failed, v4 ? socket_v4_error_ : socket_v6_error_);
        return;
    }
    std::array<std::uint8_t, message_room> message;
    std::size_t length = write_notify_query(message, target.id, status.zone);
    if (length != 0 && options_.sign) length = options_.sign(message, length, status.zone, status.target);
    if (length == 0) {
        finish(target, NotifyOutcome::failed, "the NOTIFY could not be signed");
        return;
    }
    sockaddr_storage to;
    const socklen_t to_length = to_sockaddr(status.target.address, status.target.port, to);
    // A send that fails (no route, a full buffer) counts as a try: the
    // resend after the wait is the retry.
    if (::sendto(fd, message.data(), length, 0, reinterpret_cast<const sockaddr*>(&to), to_length) < 0)
        status.last_error = std::string("send failed: ") + std::strerror(errno);
    ++status.tries;
    ++status.sent;
    status.last_sent = std::chrono::system_clock::now();
    target.next_send = now + target.wait;
    target.wait *= 2;
    if (status.tries == 1)
        log_event(about(status) + " sent to " + status.target.to_string(), fields("notify_sent", status));
}

void NotifySender::finish(Target& target, NotifyOutcome outcome, std::string why) {
    auto& status = target.status;
    status.outcome = outcome;
    status.last_error = std::move(why);
    const std::string to = status.target.to_string();
    switch (outcome) {
        case NotifyOutcome::acked:
            ++status.acked;
            status.last_acked = std::chrono::system_clock::now();
            log_event(about(status) + " acknowledged by " + to, fields("notify_acked", status));
            break;
        case NotifyOutcome::refused:
            ++status.refused;
            log_event(about(status) + " refused by " + to + ": " + status.last_error,
                      fields("notify_refused", status, status.last_error));
            break;
        default:
            ++status.failed;
            log_event(about(status) + " to " + to + " failed: " + status.last_error,
                      fields("notify_failed", status, status.last_error));
            break;
    }
}

void NotifySender::read_replies(int fd) {
    std::array<std::uint8_t, 4096> datagram;
    for (int i = 0; i < replies_per_round; ++i) {
        sockaddr_storage from;
        socklen_t from_length = sizeof from;
        const auto got = ::recvfrom(fd, datagram.data(), datagram.size(), 0, reinterpret_cast<sockaddr*>(&from),
                                    &from_length);
        if (got < 0) return;  // EAGAIN: all read
        SocketAddress sender;
        if (!from_sockaddr(from, sender.address, sender.port)) continue;
        const auto reply = read_notify_reply(std::span(datagram.data(), static_cast<std::size_t>(got)));
        if (!reply) continue;
        std::lock_guard lock(state_mutex_);
        // RFC 1996 section 3.6: a reply with the query's ID and QNAME, from
        // the address and port told. (Any rcode ends the exchange: section
        // 3.12 says so of NOTIMP, and a REFUSED will not change on resending.)
        for (auto& [key, target] : targets_) {
            if (target.status.outcome != NotifyOutcome::pending || target.id != reply->id ||
                !(target.status.target == sender) || (!reply->question.empty() && reply->question != target.status.zone))
                continue;
            if (reply->rcode == rcode::noerror) finish(target, NotifyOutcome::acked, "");
            else finish(target, NotifyOutcome::refused, rcode_name(reply->rcode));
            break;
        }
    }
}

}  // namespace azdns
