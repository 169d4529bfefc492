#include "udp_listener.hpp"

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>

#include "log.hpp"
#include "socket_address.hpp"

namespace azdns {

namespace {

// A fallback for stop(): a blocked recvmmsg also gives up this often and
// the thread looks at its stop flag. shutdown(SHUT_RD) is what normally wakes
// it, at once.
constexpr long receive_timeout_us = 200'000;

// The reply leaves from the address the query was sent to: copy the
// destination of the query into the source of the reply. Returns the control
// length to send, 0 if the query carried no destination.
std::size_t reply_source(msghdr& query, unsigned char* control) {
    for (cmsghdr* cmsg = CMSG_FIRSTHDR(&query); cmsg != nullptr; cmsg = CMSG_NXTHDR(&query, cmsg)) {
        if (cmsg->cmsg_level == IPPROTO_IP && cmsg->cmsg_type == IP_PKTINFO) {
            in_pktinfo received;
            std::memcpy(&received, CMSG_DATA(cmsg), sizeof received);
            in_pktinfo reply{};
            reply.ipi_spec_dst = received.ipi_addr;  // let routing pick the interface
            auto* out = reinterpret_cast<cmsghdr*>(control);
            out->cmsg_level = IPPROTO_IP;
            out->cmsg_type = IP_PKTINFO;
            out->cmsg_len = CMSG_LEN(sizeof reply);
            std::memcpy(CMSG_DATA(out), &reply, sizeof reply);
            return CMSG_SPACE(sizeof reply);
        }
        if (cmsg->cmsg_level == IPPROTO_IPV6 && cmsg->cmsg_type == IPV6_PKTINFO) {
            // Address and interface both: link-local destinations need the interface.
            auto* out = reinterpret_cast<cmsghdr*>(control);
            out->cmsg_level = IPPROTO_IPV6;
            out->cmsg_type = IPV6_PKTINFO;
            out->cmsg_len = CMSG_LEN(sizeof(in6_pktinfo));
            std::memcpy(CMSG_DATA(out), CMSG_DATA(cmsg), sizeof(in6_pktinfo));
            return CMSG_SPACE(sizeof(in6_pktinfo));
        }
    }
    return 0;
}

}  // namespace

UdpBatch::UdpBatch(std::size_t max_response)
    : max_response(max_response),
      response_stride((max_response + 63) / 64 * 64),
      queries(new std::uint8_t[size * query_stride]),
      responses(new std::uint8_t[size * response_stride]) {
    for (std::size_t i = 0; i < size; ++i) {
        query_iov[i] = {queries.get() + i * query_stride, max_query};
        msghdr& in = received[i].msg_hdr;
        in.msg_name = &peers[i];
        in.msg_iov = &query_iov[i];
        in.msg_iovlen = 1;
        msghdr& out = replies[i].msg_hdr;
        out.msg_iov = &reply_iov[i];
        out.msg_iovlen = 1;
    }
}

void UdpBatch::prepare_receive(bool pktinfo) {
    std::size_t count = pktinfo == prepared_pktinfo_ ? dirty_ : size;
    for (std::size_t i = 0; i < count; ++i) {
        msghdr& in = received[i].msg_hdr;
        in.msg_namelen = sizeof(sockaddr_storage);
        in.msg_control = pktinfo ? received_control[i].bytes : nullptr;
        in.msg_controllen = pktinfo ? control_size : 0;
        in.msg_flags = 0;
    }
    prepared_pktinfo_ = pktinfo;
    dirty_ = 0;
}

UdpListener::UdpListener(Fd socket, bool pktinfo, const AnswerEngine& engine, const ServingSnapshot& serving,
                         QueryCounters& counters, std::string name, const SecondaryNotified& notified)
    : socket_(std::move(socket)),
      pktinfo_(pktinfo),
      engine_(engine),
      serving_(serving),
      counters_(counters),
      batch_(engine.max_response_size(Transport::udp)),
      name_(std::move(name)),
      notified_(notified) {}

std::unique_ptr<UdpListener> UdpListener::open(Fd socket, bool pktinfo, const AnswerEngine& engine,
                                               const ServingSnapshot& serving, QueryCounters& counters,
                                               std::string name, const SecondaryNotified& notified,
                                               std::string& error) {
    int fd = socket.get();
    int flags = ::fcntl(fd, F_GETFL);
    timeval timeout{0, receive_timeout_us};
    if (flags < 0 || ::fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) != 0 ||
        ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout) != 0) {
        error = std::string("cannot set up udp socket: ") + std::strerror(errno);
        return nullptr;  // `socket` closes
    }
    return std::unique_ptr<UdpListener>(new UdpListener(std::move(socket), pktinfo, engine, serving, counters, std::move(name), notified));
}

UdpListener::~UdpListener() {
    stop();
    join();
}

void UdpListener::start() {
    // Signals go to the main thread (which waits for them), never interrupt
    // a receive here.
    sigset_t all, previous;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &previous);
    thread_ = std::thread([this] { run(); });
    pthread_sigmask(SIG_SETMASK, &previous, nullptr);
}

void UdpListener::stop() {
    if (stopping_.exchange(true)) return;
    // On Linux this fails with ENOTCONN on an unconnected UDP socket but still
    // marks it shut for reading and wakes a blocked recvmmsg (which then
    // returns at once, empty, from then on).
    (void)::shutdown(socket_.get(), SHUT_RD);
}

void UdpListener::join() {
    if (thread_.joinable()) thread_.join();
}

void UdpListener::run() {
    if (!name_.empty()) (void)pthread_setname_np(pthread_self(), name_.c_str());
    while (!stopping_.load(std::memory_order_relaxed)) answer_batch();
}

void UdpListener::answer_batch() {
    UdpBatch& b = batch_;
    b.prepare_receive(pktinfo_);
    // Blocks for the first datagram only; then takes what is queued.
    int received = ::recvmmsg(socket_.get(), b.received.data(), UdpBatch::size, MSG_WAITFORONE, nullptr);
    b.received_count(received);
    if (received <= 0) {
        if (received < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR &&
            !stopping_.load(std::memory_order_relaxed)) {
            log_line(std::string("udp receive error: ") + std::strerror(errno));
            std::this_thread::sleep_for(std::chrono::milliseconds(10));  // no busy loop on a lasting error
        }
        return;
    }
    if (stopping_.load(std::memory_order_relaxed)) return;

    const ServingState& serving = serving_.current();  // one snapshot per batch
    // Rate limiting counts per second; one clock read per batch.
    timespec now{};
    if (serving.guard && serving.guard->limiter) (void)::clock_gettime(CLOCK_MONOTONIC_COARSE, &now);
    const GuardContext guard{serving.guard.get(), &counters_.rate_limit(), static_cast<std::uint32_t>(now.tv_sec)};
    // Every query's first memory reads are started before any is answered,
    // so their cache misses overlap; alone, a query has nothing to overlap.
    if (received > 1) {
        for (int i = 0; i < received; ++i) {
            std::span<const std::uint8_t> query{b.queries.get() + i * UdpBatch::query_stride, b.received[i].msg_len};
            b.lookahead[i] = engine_.prefetch(query, *serving.zones);
        }
        for (int i = 0; i < received; ++i) AnswerEngine::prefetch_more(b.lookahead[i]);
    }
    unsigned replies = 0;
    for (int i = 0; i < received; ++i) {
        msghdr& in = b.received[i].msg_hdr;
        if ((in.msg_flags & MSG_TRUNC) != 0) {  // larger than any sane query: drop
            counters_.count_dropped(Transport::udp);
            continue;
        }
        std::span<const std::uint8_t> query{b.queries.get() + i * UdpBatch::query_stride, b.received[i].msg_len};
        std::span<std::uint8_t> response{b.responses.get() + i * b.response_stride, b.max_response};
        Client client{.transport = Transport::udp};
        (void)from_sockaddr(b.peers[i], client.address, client.port);  // always IPv4 or IPv6 here
        AnswerStats stats;
        std::size_t length = engine_.answer(query, *serving.zones, client, response, serving.health.get(), &stats,
                                            serving.transfers.get(), &guard);
        counters_.count(Transport::udp, length, stats);
        if (length == 0) continue;
        if (stats.notify_accepted && notified_) notified_(stats.zone_slot);

        msghdr& out = b.replies[replies].msg_hdr;
        out.msg_name = &b.peers[i];
        out.msg_namelen = in.msg_namelen;
        b.reply_iov[replies] = {response.data(), length};
        out.msg_iov = &b.reply_iov[replies];
        std::size_t control = pktinfo_ ? reply_source(in, b.reply_control[replies].bytes) : 0;
        out.msg_control = control != 0 ? b.reply_control[replies].bytes : nullptr;
        out.msg_controllen = control;
        out.msg_flags = 0;
        ++replies;
    }

    unsigned sent = 0;
    while (sent < replies) {
        int rc = ::sendmmsg(socket_.get(), b.replies.data() + sent, replies - sent, MSG_DONTWAIT);
        if (rc > 0) {
            sent += static_cast<unsigned>(rc);
        } else if (rc < 0 && errno == EINTR) {
            continue;
        } else if (rc < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS)) {
            break;  // the send queue is full: UDP may drop, the client retries
        } else {
            ++sent;  // this datagram cannot be sent (e.g. unreachable peer): skip it
        }
    }
}

}  // namespace azdns
