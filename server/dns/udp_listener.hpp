// DNS over UDP on one socket: the hot path.
//
// Each UDP socket (one per worker and listen address) has a thread of its
// own that blocks in recvmmsg(MSG_WAITFORONE): the call returns as soon as
// one datagram is there, with every other datagram already queued (up to a
// batch). The batch is answered into buffers the thread allocated once
// (UdpBatch) and sent with one sendmmsg. Nothing is allocated per query.
//
// Why not the worker's libuv loop: waiting in epoll_wait and then reading
// with a non-blocking recvmmsg (what uv_poll_t does) measured ~0.33 us of
// server CPU per query more than blocking in recvmmsg itself, with no DNS
// work at all, and more at moderate rates (fewer queries per wakeup). A
// thread can block on only one socket, hence one thread per socket; with the
// usual one or two listen addresses that is one or two per worker. TCP stays
// on the worker's loop.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>

#include "answer_engine.hpp"
#include "listen_socket.hpp"
#include "transfer_handoff.hpp"
#include "query_counters.hpp"
#include "serving_snapshot.hpp"

namespace azdns {

// The receive and send state of one batch; one per UDP thread.
struct UdpBatch {
    static constexpr std::size_t size = 64;          // datagrams per recvmmsg/sendmmsg
    static constexpr std::size_t max_query = 4096;   // larger queries are dropped
    // Slots are one cache line longer than a query: at a page-multiple
    // stride every query's first line would fall in the same cache set.
    static constexpr std::size_t query_stride = max_query + 64;
    static constexpr std::size_t control_size = CMSG_SPACE(sizeof(in6_pktinfo)) > CMSG_SPACE(sizeof(in_pktinfo))
                                                    ? CMSG_SPACE(sizeof(in6_pktinfo))
                                                    : CMSG_SPACE(sizeof(in_pktinfo));

    // `max_response` is the engine's max_response_size(Transport::udp).
    explicit UdpBatch(std::size_t max_response);
    UdpBatch(const UdpBatch&) = delete;
    UdpBatch& operator=(const UdpBatch&) = delete;

    std::array<mmsghdr, size> received{};
    std::array<mmsghdr, size> replies{};
    std::array<iovec, size> query_iov{};
    std::array<iovec, size> reply_iov{};
    std::array<AnswerPrefetch, size> lookahead{};  // see AnswerEngine::prefetch
    std::array<sockaddr_storage, size> peers{};
    struct alignas(cmsghdr) Control {
        unsigned char bytes[control_size];
    };
    std::array<Control, size> received_control{};
    std::array<Control, size> reply_control{};
    // A UDP response is at most max_response bytes, so its slot is that
    // (rounded up to whole cache lines), not the 64 KiB TCP needs: a batch
    // then spans a few dozen pages instead of 64 x 16.
    std::size_t max_response;
    std::size_t response_stride;
    std::unique_ptr<std::uint8_t[]> queries;    // size * query_stride
    std::unique_ptr<std::uint8_t[]> responses;  // size * response_stride

    // Readies the receive headers for a recvmmsg by a listener with or
    // without pktinfo. recvmmsg rewrites only the entries it fills, so only
    // those are reset, unless the last listener set up the others differently.
    void prepare_receive(bool pktinfo);
    // What the last recvmmsg filled (its return value, or 0 on error).
    void received_count(int count) { dirty_ = count > 0 ? static_cast<std::size_t>(count) : 0; }

private:
    std::size_t dirty_ = size;  // entries to reset, from the start
    bool prepared_pktinfo_ = false;
};

// What a worker's listeners answer with.
struct AnswerContext {
    const AnswerEngine& engine;
    ServingSnapshotReader& serving;
    QueryCounters& counters;  // the answering thread's own
    const SecondaryNotified& notified;  // may be empty
};

// One UDP socket and the thread that answers on it.
class UdpListener {
public:
    // Makes `socket` blocking and readies the thread's state; nothing runs
    // until start(). On failure returns nullptr with `error` set (the socket
    // is closed). `name` names the thread (at most 15 characters).
    // `counters` becomes this thread's alone.
    // `notified` (may be empty) gets each NOTIFY the engine accepts.
    static std::unique_ptr<UdpListener> open(Fd socket, bool pktinfo, const AnswerEngine& engine,
                                             const ServingSnapshot& serving, QueryCounters& counters, std::string name,
                                             const SecondaryNotified& notified, std::string& error);

    UdpListener(const UdpListener&) = delete;
    UdpListener& operator=(const UdpListener&) = delete;
    ~UdpListener();  // stops and joins

    void start();
    // From any thread: wake the thread (shutdown(SHUT_RD) on the socket ends
    // a blocked recvmmsg) and let it end. Queued queries are not answered.
    void stop();
    void join();

private:
    UdpListener(Fd socket, bool pktinfo, const AnswerEngine& engine, const ServingSnapshot& serving,
                QueryCounters& counters, std::string name, const SecondaryNotified& notified);

    void run();
    // Waits for, answers and sends one batch.
    void answer_batch();

    Fd socket_;
    bool pktinfo_;
    const AnswerEngine& engine_;
    ServingSnapshotReader serving_;  // read once per batch, by this thread only
    QueryCounters& counters_;        // written by this thread only
    UdpBatch batch_;
    std::string name_;
    const SecondaryNotified& notified_;
    std::atomic<bool> stopping_{false};
    std::thread thread_;
};

}  // namespace azdns
