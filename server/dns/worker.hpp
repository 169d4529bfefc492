// One worker: a thread with its own uv_loop serving its TCP socket for every
// listen address, and one UDP thread per listen address blocking in recvmmsg
// on its own UDP socket (udp_listener.hpp says why). SO_REUSEPORT spreads the
// load over the workers' sockets. Each thread has its own buffers and its own
// reference to the published zones and health view. Workers share nothing but the
// ServingSnapshot, the AnswerEngine (const) and the TCP client count.
#pragma once

#include <uv.h>

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "answer_engine.hpp"
#include "listen_socket.hpp"
#include "query_counters.hpp"
#include "serving_snapshot.hpp"
#include "tcp_connection.hpp"
#include "udp_listener.hpp"

namespace azdns {

class TcpListener;

struct WorkerShared {
    const AnswerEngine& engine;
    const ServingSnapshot& serving;
    TcpClientLimit& tcp_limit;
    std::uint64_t tcp_idle_timeout_ms;
    std::uint64_t shutdown_grace_ms;
    // Where each answering thread registers its counters block; nullptr:
    // the worker counts into a registry of its own that nobody reads.
    QueryCounterRegistry* query_counters = nullptr;
    // Where TCP connections asking for a zone transfer go (transfer_handoff.hpp); empty: answered in place.
    TransferHandoff transfer_handoff;
    // Where NOTIFYs accepted for secondary zones go; empty: nowhere.
    SecondaryNotified secondary_notified;
};

class Worker {
public:
    // Sets up the loop and its handles on the calling thread; nothing runs
    // until start(). `error()` is non-empty when set-up failed (the worker
    // must still be started and stopped to release what was set up).
    Worker(unsigned index, WorkerShared shared, std::vector<ListenSockets> sockets);
    Worker(const Worker&) = delete;
    Worker& operator=(const Worker&) = delete;
    ~Worker();  // joins the thread

    [[nodiscard]] const std::string& error() const { return error_; }

    void start();
    // From any thread: end the UDP threads, close the TCP listeners, let
    // in-flight TCP responses finish (up to the grace period), then end the
    // loop thread.
    void stop();
    void join();

private:
    static void on_stop(uv_async_t* async);
    void run();

    unsigned index_;
    WorkerShared shared_;
    std::unique_ptr<QueryCounterRegistry> own_counters_;  // when shared_.query_counters is nullptr
    QueryCounterRegistry& counters_;
    uv_loop_t loop_{};
    uv_async_t stop_async_{};
    ServingSnapshotReader serving_;  // the loop thread's (TCP)
    std::unique_ptr<std::uint8_t[]> tcp_response_;
    TcpClients tcp_clients_;
    std::vector<std::unique_ptr<UdpListener>> udp_listeners_;  // one thread each
    std::vector<TcpListener*> tcp_listeners_;
    std::string error_;
    std::thread thread_;
};

}  // namespace azdns
