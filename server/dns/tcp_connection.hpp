// DNS over TCP (RFC 7766): the clients of one worker.
//
// A TcpConnection reads length-framed queries, answers them in order
// (pipelining), and writes the responses with uv_write. While responses are
// queued beyond a bound it stops reading, so a client that does not read its
// answers costs bounded memory. TcpClients keeps a worker's connections in a
// list ordered by last activity: the idle timer and the client limit both
// look only at its front.
#pragma once

#include <uv.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <vector>

#include "intrusive_list.hpp"
#include "tcp_framer.hpp"
#include "transfer_handoff.hpp"
#include "udp_listener.hpp"

namespace azdns {

// The TCP client limit is the server's, not a worker's: the count is shared,
// and each worker publishes when its longest-idle client was last active, so
// a worker over the limit can ask the worker holding the oldest idle client
// to close it (uv_async_send, the only call that crosses threads). Touched
// only when a connection arrives over the limit, never per query.
struct TcpClientLimit {
    TcpClientLimit(unsigned max, std::size_t workers) : max(max), workers(workers), slots(new Slot[workers]) {}

    struct Slot {
        std::atomic<std::uint64_t> oldest{UINT64_MAX};  // uv_hrtime() of its longest-idle client
        std::atomic<unsigned> evictions{0};             // clients it was asked to close
        std::mutex wake_lock;                           // guards `wake` against its closing
        uv_async_t* wake = nullptr;
    };

    const unsigned max;
    const std::size_t workers;
    std::atomic<unsigned> count{0};
    std::unique_ptr<Slot[]> slots;
};

class TcpClients;

class TcpConnection {
public:
    TcpConnection(const TcpConnection&) = delete;
    TcpConnection& operator=(const TcpConnection&) = delete;

    // Closes now; queued responses are dropped. Idempotent.
    void close();
    // Stops reading; closes once the responses already made are written.
    void finish();

    [[nodiscard]] std::uint64_t last_activity() const { return last_activity_; }

    ListHook<TcpConnection> hook;

private:
    friend class TcpClients;
    explicit TcpConnection(TcpClients& owner);
    ~TcpConnection() = default;

    static void on_alloc(uv_handle_t* handle, std::size_t suggested, uv_buf_t* buf);
    static void on_read(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf);
    static void on_write(uv_write_t* request, int status);
    static void on_closed(uv_handle_t* handle);

    void serve_buffered();    // answers, writes, then closes or reads on as the state says
    void answer_buffered();   // answers whole frames until the output bound
    void write_queued();      // starts a write if none is in flight
    void update_reading();    // reads while there is room for more responses
    void learn_peer();        // fills client_ once accepted
    void close_or_hand_off();  // once the output is written
    void hand_off();           // gives the socket and the unanswered bytes to the transfer server
    // Marks activity at `when`. A write is stamped with a time taken before
    // the write itself: once the bytes are in the socket the client may read
    // them and act on another connection (of any worker) before this thread
    // runs again, and a stamp taken then would rank this connection as newer
    // than that later activity, so the client limit would evict the wrong one.
    void touch(std::uint64_t when);

    uv_stream_t* stream() { return reinterpret_cast<uv_stream_t*>(&handle_); }

    TcpClients& owner_;
    uv_tcp_t handle_{};
    uv_write_t write_request_{};
    TcpFramer framer_;
    Client client_{.transport = Transport::tcp};  // who asks every query of this connection
    std::vector<std::uint8_t> writing_;  // owned by the write in flight
    std::vector<std::uint8_t> queued_;   // responses made since
    std::vector<std::uint8_t> handing_off_;  // a transfer query's frame and what followed it
    std::uint64_t last_activity_ = 0;  // uv_hrtime(): comparable across workers
    bool reading_ = false;
    bool write_in_flight_ = false;
    bool finishing_ = false;  // no more reads: close when the output is written
    bool closing_ = false;
    bool counted_ = false;    // holds a slot of TcpClientLimit
};

class TcpClients {
public:
    // `handoff`: where connections go whose next query is a transfer; empty:
    // the engine answers transfers as it answers any query.
    TcpClients(uv_loop_t* loop, std::size_t worker_index, AnswerContext context, TcpClientLimit& limit,
               std::uint64_t idle_timeout_ms, std::span<std::uint8_t> response_buffer, TransferHandoff handoff);
    TcpClients(const TcpClients&) = delete;
    TcpClients& operator=(const TcpClients&) = delete;

    // Accepts one pending connection from `server`. Over the limit, the
    // longest-idle client of the whole server makes room (on another worker,
    // shortly after); with none to evict the new connection is closed at once.
    void accept(uv_stream_t* server);

    // Shutdown: stop reading everywhere, let written responses finish, close
    // whatever remains after `grace_ms`. The loop ends when the last
    // connection and timer are closed.
    void drain(std::uint64_t grace_ms);

    [[nodiscard]] std::size_t size() const { return list_.size(); }

private:
    friend class TcpConnection;

    void touched(TcpConnection& connection, std::uint64_t when);
    void closed(TcpConnection& connection);
    void arm_idle_timer();
    void publish_oldest();
    bool evict_oldest_anywhere();
    static void on_evict_request(uv_async_t* async);
    static void on_idle_timer(uv_timer_t* timer);
    static void on_grace_timer(uv_timer_t* timer);

    uv_loop_t* loop_;
    std::size_t index_;
    AnswerContext context_;
    TcpClientLimit& limit_;
    std::uint64_t idle_timeout_ms_;
    std::span<std::uint8_t> response_;  // scratch for one answer
    TransferHandoff handoff_;
    IntrusiveList<TcpConnection, &TcpConnection::hook> list_;  // by last activity, oldest first
    uv_timer_t idle_timer_{};
    uv_timer_t grace_timer_{};
    uv_async_t evict_async_{};
    bool draining_ = false;
    bool grace_timer_open_ = false;
};

}  // namespace azdns
