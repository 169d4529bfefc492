// Serving zone transfers out (docs/transfers.md, "Serving transfers"): the
// TCP connections the workers hand over when a query is an AXFR or IXFR
// (transfer_handoff.hpp). Each connection gets a thread of its own, at most
// max_connections at once, so a transfer of a million names never runs on
// an answering thread. A transfer reads the snapshot published when it
// began (the zone, its view and journal stay alive for it), writes one
// message at a time (bounded memory), signs each one when the query was
// signed, and every read and write is bounded by the idle timeout. Anything
// the transfer rules refuse is answered by the engine, as any query, and
// then the connection ends (as Knot and NSD end it), so a refused client
// never holds a slot. A connection holds its slot at most
// max_connection_time in all, ordinary queries after a transfer included.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "answer_engine.hpp"
#include "query_counters.hpp"
#include "serving_snapshot.hpp"
#include "transfer_handoff.hpp"

namespace azdns {

// The last transfer of a zone served to anyone, for status and metrics.
struct TransferOutRecord {
    std::chrono::system_clock::time_point when{};
    std::string client;  // "192.0.2.53:40123"
    std::string kind;    // "axfr", "ixfr", "ixfr-up-to-date", "ixfr-as-axfr"
    std::string view;    // "filtered" or "raw"
    std::uint32_t serial = 0;
    std::uint64_t messages = 0;
    std::uint64_t bytes = 0;
    std::chrono::milliseconds took{0};
    std::string error;  // why it ended early; empty when complete
};

struct TransferOutTotals {
    std::uint64_t axfr = 0;        // complete full transfers (AXFR, and IXFR answered with the whole zone)
    std::uint64_t ixfr = 0;        // complete incremental ones (and "you are current")
    std::uint64_t failed = 0;      // begun and not finished (the client went, a write timed out,
                                   // the time per connection ran out)
    std::uint64_t turned_away = 0; // connections closed at once: max_connections were busy
};

class TransferServer {
public:
    struct Options {
        unsigned max_connections = 16;
        std::chrono::milliseconds idle_timeout{10'000};  // each read and each write
        // The whole connection; BIND's max-transfer-time-out is also 2 hours.
        std::chrono::milliseconds max_connection_time{std::chrono::hours(2)};
    };

    TransferServer(const AnswerEngine& engine, const ServingSnapshot& serving, QueryCounterRegistry& counters,
                   Options options);
    TransferServer(const TransferServer&) = delete;
    TransferServer& operator=(const TransferServer&) = delete;
    ~TransferServer();  // stop()

    // From a worker thread: takes the connection (TransferHandoff). Never blocks.
    void accept(HandedOffConnection connection);
    // Ends every connection at its next read or write (their sockets are shut
    // down) and joins the threads.
    void stop();

    [[nodiscard]] TransferOutTotals totals() const;
    // By origin (canonical wire form).
    [[nodiscard]] std::map<std::string, TransferOutRecord> last_by_zone() const;

private:
    struct Slot {
        std::thread thread;
        int socket = -1;            // shut down by stop(); the thread owns and closes it
        bool busy = false;
        QueryCounters* counters = nullptr;  // this slot's own block
    };

    void serve(std::size_t slot, HandedOffConnection connection);
    void remember(const std::string& origin, TransferOutRecord record, bool incremental);

    const AnswerEngine& engine_;
    const ServingSnapshot& serving_;
    Options options_;
    mutable std::mutex mutex_;
    std::vector<Slot> slots_;
    bool stopping_ = false;
    TransferOutTotals totals_;
    std::map<std::string, TransferOutRecord> last_;
};

}  // namespace azdns
