// Zone transfers leave the answering threads (docs/transfers.md, "Serving
// transfers"): an AXFR of a large zone is seconds of work and megabytes of
// output, which must never sit in a worker's loop between two ordinary
// queries. A TCP connection whose next query is an AXFR or IXFR is handed,
// whole, to whoever serves transfers; the worker forgets it.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "client.hpp"
#include "listen_socket.hpp"

namespace azdns {

struct HandedOffConnection {
    Fd socket;  // blocking or not, as the receiver sets it; the worker keeps no copy
    Client client;
    // What was read and not answered: the transfer query's frame (with its
    // two length bytes) first, then anything the client pipelined after it.
    std::vector<std::uint8_t> received;
};

// Takes ownership; runs on the worker's thread, so it must only queue.
using TransferHandoff = std::function<void(HandedOffConnection)>;

// A NOTIFY the engine accepted for the secondary zone of ZoneSet slot
// `slot` (AnswerStats::notify_accepted): its primaries are to be asked now.
// Runs on an answering thread, so it must only queue.
using SecondaryNotified = std::function<void(std::uint32_t slot)>;

// An AXFR or IXFR query (QR=0, opcode QUERY): judged on the question alone;
// everything else about it is the transfer server's to judge.
[[nodiscard]] bool is_transfer_query(std::span<const std::uint8_t> query);

}  // namespace azdns
