// DNS over UDP on one socket of one worker: the hot path.
//
// libuv's UDP API receives and sends one datagram per call; the kernel's
// per-call cost dominates, so the socket is watched with uv_poll_t and read
// with recvmmsg / answered with sendmmsg, a batch at a time, into buffers the
// worker allocated once (UdpBatch). Nothing is allocated per query.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>
#include <uv.h>

#include <array>
#include <cstdint>
#include <memory>

#include "answer_engine.hpp"
#include "listen_socket.hpp"
#include "zone_snapshot.hpp"

namespace azdns {

// The receive and send state of one batch; one per worker, shared by its UDP
// sockets (a loop runs one callback at a time).
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
    ZoneSnapshotReader& zones;
};

class UdpListener {
public:
    // Starts watching `socket` on `loop`. On failure returns nullptr with
    // `error` set (the socket is closed). The listener frees itself once
    // close() has completed.
    static UdpListener* start(uv_loop_t* loop, Fd socket, bool pktinfo, AnswerContext context, UdpBatch& batch,
                              std::string& error);

    UdpListener(const UdpListener&) = delete;
    UdpListener& operator=(const UdpListener&) = delete;

    void close();

private:
    UdpListener(Fd socket, bool pktinfo, AnswerContext context, UdpBatch& batch);
    ~UdpListener() = default;

    static void on_readable(uv_poll_t* poll, int status, int events);
    static void on_closed(uv_handle_t* handle);

    // Receives, answers and sends one batch; false when the socket is drained.
    bool answer_batch();

    uv_poll_t poll_{};
    Fd socket_;
    bool pktinfo_;
    AnswerContext context_;
    UdpBatch& batch_;
    bool closing_ = false;
};

}  // namespace azdns
