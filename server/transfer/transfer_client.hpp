// azdns as a secondary, on sockets (docs/transfers.md): asks a primary for a
// zone's serial, and fetches the zone by AXFR or IXFR, signed with TSIG when
// a key is given. Blocking, for a thread of its own; every wait is bounded
// (a timeout per read, a deadline per exchange), so is memory (one message,
// 65535 bytes, at a time; `max_bytes` in all), and a TransferCancel stops
// any call promptly from another thread. What the transfer's records say is
// the caller's reader's to judge (lib/transfer): this checks that each
// message answers our query and carries a good signature.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>

#include "load_limits.hpp"
#include "socket_address.hpp"
#include "transfer_cancel.hpp"
#include "transfer_query.hpp"
#include "tsig.hpp"

namespace azdns {

enum class TransferError : std::uint8_t {
    none,
    network,    // no connection, or it failed (refused, unreachable, reset)
    timed_out,  // no reply or no next message within the timeout, or past the deadline
    closed,     // the primary closed the connection before the reader had all it needed
    malformed,  // a message that is not a well-formed response to our query
    refused,    // an rcode other than NOERROR (REFUSED, NOTAUTH...), or an SOA answer without AA
    tsig,       // a reply unsigned, or whose signature does not verify
    too_large,  // more than max_bytes
    cancelled,  // TransferCancel::cancel()
};

[[nodiscard]] const char* to_string(TransferError error);

// One primary, and the key our queries to it are signed with (nullptr: unsigned).
struct PrimaryServer {
    SocketAddress address;
    const TsigKey* key = nullptr;
};

struct SoaAnswer {
    TransferError error = TransferError::none;
    std::string reason;  // for the log, when error is not none
    std::uint32_t serial = 0;
    bool over_tcp = false;  // the UDP answer was truncated (TC), so the question went again over TCP

    [[nodiscard]] bool ok() const { return error == TransferError::none; }
};

// The zone's SOA serial as `primary` answers it: over UDP (a reply with
// another ID or question is ignored, RFC 5452), again over TCP when the
// answer is truncated. The answer must be authoritative and NOERROR, and,
// when the query was signed, signed with the same key. `timeout` bounds the
// whole exchange, TCP included.
[[nodiscard]] SoaAnswer query_soa(const PrimaryServer& primary, std::string_view origin_wire,
                                  std::chrono::milliseconds timeout, TransferCancel& cancel);

struct TransferLimits {
    std::chrono::milliseconds deadline{std::chrono::minutes(10)};   // the whole transfer, connecting included
    std::chrono::milliseconds idle_timeout{std::chrono::seconds(10)};  // each connect, write and read
    // The messages' bytes together, length prefixes included. A secondary
    // sets server.max_zone_size: the same number the reader holds the
    // messages to (without prefixes), so the client, counting 2 bytes more
    // a message, stops an oversized stream first (TransferError::too_large).
    std::uint64_t max_bytes = default_max_zone_size;
};

struct TransferResult {
    TransferError error = TransferError::none;
    std::string reason;  // for the log, when error is not none
    std::size_t messages = 0;
    std::uint64_t bytes = 0;

    [[nodiscard]] bool ok() const { return error == TransferError::none; }
};

// Receives each message of the transfer after it passed the checks; returns
// true to read the next, false when the stream is complete.
using TransferMessageHandler = std::function<bool(std::span<const std::uint8_t> message)>;

// Connects to `primary` over TCP, sends `request` (AXFR or IXFR), and hands
// over the response one message at a time until `on_message` says the
// stream is complete. Each message must be a response with our ID, QR set
// and NOERROR; when the query was signed, the first message must be signed
// and the stream end on a signed one, every signature verifying across it
// (RFC 8945 section 5.3.1).
[[nodiscard]] TransferResult fetch_zone(const PrimaryServer& primary, const TransferRequest& request,
                                        const TransferLimits& limits, TransferCancel& cancel,
                                        const TransferMessageHandler& on_message);

}  // namespace azdns
