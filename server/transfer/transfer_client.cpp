#include "transfer_client.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <optional>
#include <vector>

#include "dns_name.hpp"
#include "framed_socket.hpp"
#include "notify_message.hpp"
#include "query_id.hpp"
#include "response_reader.hpp"

namespace azdns {

namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// The longest query: a 255-byte name, an IXFR's SOA (two more names) and a
// TSIG record (two more names and a MAC) stay well below this.
constexpr std::size_t query_room = 2048;
// The largest datagram there is: an answer is read whole, whatever its size.
constexpr std::size_t datagram_room = 65535;

std::uint64_t wall_seconds() { return static_cast<std::uint64_t>(std::time(nullptr)); }

struct Problem {
    TransferError error = TransferError::none;
    std::string reason;

    explicit operator bool() const { return error != TransferError::none; }
};

Problem fail(TransferError error, std::string reason) { return {error, std::move(reason)}; }

std::string errno_text() { return std::strerror(errno); }

std::string ms_text(milliseconds time) { return std::to_string(time.count()) + " ms"; }

std::string tsig_error_text(std::uint16_t error) {
    switch (error) {
        case tsig_error::badsig: return "BADSIG";
        case tsig_error::badkey: return "BADKEY";
        case tsig_error::badtime: return "BADTIME";
        case tsig_error::badtrunc: return "BADTRUNC";
        default: return std::to_string(error);
    }
}

const char* verdict_text(TsigVerdict verdict) {
    switch (verdict) {
        case TsigVerdict::ok: return "ok";
        case TsigVerdict::formerr: return "a malformed TSIG record";
        case TsigVerdict::badkey: return "another key";
        case TsigVerdict::badsig: return "a wrong MAC";
        case TsigVerdict::badtime: return "a time outside its fudge";
        case TsigVerdict::badtrunc: return "a truncated MAC";
    }
    return "?";
}

// A socket, closed when it goes.
class Socket {
public:
    explicit Socket(int fd) : fd_(fd) {}
    ~Socket() {
        if (fd_ >= 0) ::close(fd_);
    }
    Socket(const Socket&) = delete;
    Socket& operator=(const Socket&) = delete;
    [[nodiscard]] int fd() const { return fd_; }

private:
    int fd_;
};

int open_socket(const SocketAddress& to, int type) {
    return ::socket(to.address.family == IpFamily::v4 ? AF_INET : AF_INET6, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
}

// Waits up to `timeout` for `events` on `fd`; false on timeout. Any other
// outcome (ready, an error, a hang-up, a cancel's shutdown) is the next
// call's to tell.
bool wait_for(int fd, short events, milliseconds timeout) {
    pollfd watched{fd, events, 0};
    while (true) {
        const int ready = ::poll(&watched, 1, static_cast<int>(timeout.count()));
        if (ready != 0 && !(ready < 0 && errno == EINTR)) return true;
        if (ready == 0) return false;
    }
}

// Our query, written and signed, and what checks the replies against it.
struct SentQuery {
    const TransferRequest& request;
    std::string origin;  // canonical, as a reply's question reads
    std::array<std::uint8_t, query_room> bytes{};
    std::size_t length = 0;
    std::uint16_t id = 0;
    std::optional<TsigStreamVerifier> verifier;  // when signed

    explicit SentQuery(const TransferRequest& asked) : request(asked), origin(name_canonical(asked.origin)) {}
    [[nodiscard]] std::span<const std::uint8_t> wire() const { return {bytes.data(), length}; }
};

// Writes the query with a fresh ID, signed when `key` is given.
Problem write_query(const TsigKey* key, SentQuery& query) {
    query.id = random_query_id();
    query.length = write_transfer_query(query.bytes, query.id, query.request);
    if (query.length == 0) return fail(TransferError::malformed, "the query cannot be written: the SOA to send is not one");
    if (key == nullptr) return {};
    const std::size_t tsig_offset = query.length;
    query.length = sign_tsig(query.bytes, query.length, *key, {}, 0, wall_seconds());
    if (query.length == 0) return fail(TransferError::malformed, "the query cannot be signed: too long");
    const auto tsig = read_tsig(query.wire(), tsig_offset);
    if (!tsig) std::abort();  // sign_tsig wrote it just now
    query.verifier.emplace(*key, tsig->mac);
    return {};
}

// Whether a reply is to our query: our ID, a standard query, and our
// question when it carries one (later messages of a transfer need not).
bool answers(const ResponseOutline& outline, const SentQuery& query) {
    if (outline.id != query.id || outline.opcode != 0) return false;
    return !outline.has_question ||
           (outline.question.name() == query.origin && outline.question.qtype == query.request.qtype &&
            outline.question.qclass == rr_class::in);
}

// The reply's signature, when the query was signed, then its rcode.
Problem judge(std::span<const std::uint8_t> message, const ResponseOutline& outline, SentQuery& query) {
    if (query.verifier) {
        if (outline.tsig_offset != 0) {
            // A primary that rejects our signature says why in its own TSIG,
            // unsigned (RFC 8945 section 5.3.2).
            const auto tsig = read_tsig(message, outline.tsig_offset);
            if (tsig && tsig->error != 0)
                return fail(TransferError::tsig, "the primary rejected our signature: " + rcode_name(outline.rcode) +
                                                     ", TSIG error " + tsig_error_text(tsig->error));
        }
        const TsigVerdict verdict = query.verifier->verify_next(message, outline.tsig_offset, wall_seconds());
        if (verdict != TsigVerdict::ok) {
            if (outline.tsig_offset == 0 && outline.rcode != rcode::noerror)
                return fail(TransferError::refused, "the primary answered " + rcode_name(outline.rcode) + ", unsigned");
            if (outline.tsig_offset == 0) return fail(TransferError::tsig, "the reply is not signed");
            return fail(TransferError::tsig, std::string("the reply's signature does not verify: ") + verdict_text(verdict));
        }
    }
    if (outline.rcode != rcode::noerror)
        return fail(TransferError::refused, "the primary answered " + rcode_name(outline.rcode));
    return {};
}

Problem cancelled() { return fail(TransferError::cancelled, "cancelled"); }

// Connects `socket` to `to` within `timeout`.
Problem connect_tcp(const Socket& socket, const SocketAddress& to, milliseconds timeout, TransferCancel& cancel) {
    sockaddr_storage address;
    const socklen_t length = to_sockaddr(to.address, to.port, address);
    if (::connect(socket.fd(), reinterpret_cast<const sockaddr*>(&address), length) != 0 && errno != EINPROGRESS)
        return fail(TransferError::network, "cannot connect: " + errno_text());
    const bool ready = wait_for(socket.fd(), POLLOUT, timeout);
    if (cancel.cancelled()) return cancelled();
    if (!ready) return fail(TransferError::timed_out, "no connection within " + ms_text(timeout));
    int error = 0;
    socklen_t size = sizeof error;
    if (::getsockopt(socket.fd(), SOL_SOCKET, SO_ERROR, &error, &size) != 0) error = errno;
    if (error != 0) return fail(TransferError::network, std::string("cannot connect: ") + std::strerror(error));
    return {};
}

// Why FramedSocket::next gave no message.
Problem read_failure(FramedSocket::Read read, Clock::time_point deadline, milliseconds idle, std::size_t messages,
                     TransferCancel& cancel) {
    if (cancel.cancelled()) return cancelled();
    const std::string after = " after " + std::to_string(messages) + " messages";
    switch (read) {
        case FramedSocket::Read::frame: break;
        case FramedSocket::Read::closed:
            return fail(TransferError::closed, "the primary closed the connection" + after);
        case FramedSocket::Read::empty: return fail(TransferError::malformed, "a message of length 0" + after);
        case FramedSocket::Read::timed_out:
            if (Clock::now() >= deadline) return fail(TransferError::timed_out, "past the deadline" + after);
            return fail(TransferError::timed_out, "nothing received for " + ms_text(idle) + after);
        case FramedSocket::Read::failed: return fail(TransferError::network, "cannot receive: " + errno_text() + after);
    }
    std::abort();  // a frame is not a failure
}

// Over TCP: connects, sends the query, then reads replies until `on_reply`
// (given each one that is to our query, signature and rcode judged) returns
// false. `result` counts messages and bytes.
template <typename OnReply>
Problem exchange_tcp(const SocketAddress& to, SentQuery& query, Clock::time_point deadline, milliseconds idle,
                     std::uint64_t max_bytes, TransferCancel& cancel, TransferResult& result, OnReply&& on_reply) {
    Socket socket(open_socket(to, SOCK_STREAM));
    if (socket.fd() < 0) return fail(TransferError::network, "cannot open a TCP socket: " + errno_text());
    const TransferCancel::Watch watch(cancel, socket.fd());
    if (cancel.cancelled()) return cancelled();
    if (auto problem = connect_tcp(socket, to, time_left(deadline, idle), cancel)) return problem;
    FramedSocket framed(socket.fd(), {}, time_left(deadline, idle));
    const bool sent = framed.write(query.wire());
    if (cancel.cancelled()) return cancelled();
    if (!sent) return fail(TransferError::network, "cannot send the query: the primary is gone or does not read");
    std::vector<std::uint8_t> message;
    while (true) {
        // Checked here as well as in the waits: a primary that keeps data coming never lets a wait time out.
        if (Clock::now() >= deadline)
            return fail(TransferError::timed_out, "past the deadline after " + std::to_string(result.messages) + " messages");
        framed.set_timeout(time_left(deadline, idle));
        const auto read = framed.next(message);
        if (read != FramedSocket::Read::frame || cancel.cancelled())
            return read_failure(read, deadline, idle, result.messages, cancel);
        result.bytes += 2 + message.size();
        if (result.bytes > max_bytes)
            return fail(TransferError::too_large, "more than " + std::to_string(max_bytes) + " bytes after " +
                                                      std::to_string(result.messages) + " messages");
        ResponseOutline outline;
        if (!read_response(message, outline) || !answers(outline, query))
            return fail(TransferError::malformed,
                        "message " + std::to_string(result.messages + 1) + " is not a response to our query");
        if (auto problem = judge(message, outline, query)) return problem;
        ++result.messages;
        if (!on_reply(std::span<const std::uint8_t>(message), outline)) return {};
    }
}

// Over UDP: sends the query and waits for the reply to it, ignoring any
// other datagram (RFC 5452: the connected socket takes only the primary's).
Problem exchange_udp(const SocketAddress& to, const SentQuery& query, Clock::time_point deadline,
                     TransferCancel& cancel, std::vector<std::uint8_t>& reply, ResponseOutline& outline) {
    Socket socket(open_socket(to, SOCK_DGRAM));
    if (socket.fd() < 0) return fail(TransferError::network, "cannot open a UDP socket: " + errno_text());
    const TransferCancel::Watch watch(cancel, socket.fd());
    if (cancel.cancelled()) return cancelled();
    sockaddr_storage address;
    const socklen_t length = to_sockaddr(to.address, to.port, address);
    if (::connect(socket.fd(), reinterpret_cast<const sockaddr*>(&address), length) != 0 ||
        ::send(socket.fd(), query.bytes.data(), query.length, 0) < 0)
        return fail(TransferError::network, "cannot send the query: " + errno_text());
    reply.resize(datagram_room);
    while (true) {
        const milliseconds left = time_left(deadline, milliseconds::max());
        const bool ready = wait_for(socket.fd(), POLLIN, left);
        if (cancel.cancelled()) return cancelled();
        if (!ready) return fail(TransferError::timed_out, "no answer over UDP in time");
        const ssize_t got = ::recv(socket.fd(), reply.data(), reply.size(), 0);
        if (got < 0 && (errno == EAGAIN || errno == EINTR)) continue;
        // ECONNREFUSED: an ICMP port unreachable, which the connected socket reports.
        if (got < 0) return fail(TransferError::network, "no answer over UDP: " + errno_text());
        const std::span<const std::uint8_t> datagram(reply.data(), static_cast<std::size_t>(got));
        if (read_response(datagram, outline) && outline.has_question && answers(outline, query)) {
            reply.resize(static_cast<std::size_t>(got));
            return {};
        }
    }
}

SoaAnswer soa_failure(Problem problem, bool over_tcp) {
    return {problem.error, std::move(problem.reason), 0, over_tcp};
}

// An SOA answer we can use: authoritative, the zone's SOA in it.
SoaAnswer judge_soa(const ResponseOutline& outline, bool over_tcp) {
    if (!outline.authoritative)
        return soa_failure(fail(TransferError::refused, "the answer is not authoritative (no AA)"), over_tcp);
    if (!outline.answer_soa_serial)
        return soa_failure(fail(TransferError::malformed, "the answer holds no SOA of the zone"), over_tcp);
    return {TransferError::none, "", *outline.answer_soa_serial, over_tcp};
}

}  // namespace

const char* to_string(TransferError error) {
    switch (error) {
        case TransferError::none: return "none";
        case TransferError::network: return "network";
        case TransferError::timed_out: return "timed-out";
        case TransferError::closed: return "closed";
        case TransferError::malformed: return "malformed";
        case TransferError::refused: return "refused";
        case TransferError::tsig: return "tsig";
        case TransferError::too_large: return "too-large";
        case TransferError::cancelled: return "cancelled";
    }
    return "unknown";
}

SoaAnswer query_soa(const PrimaryServer& primary, std::string_view origin_wire, milliseconds timeout,
                    TransferCancel& cancel) {
    const auto deadline = Clock::now() + timeout;
    const auto request = TransferRequest::soa(std::string(origin_wire));
    SentQuery query(request);
    if (auto problem = write_query(primary.key, query)) return soa_failure(std::move(problem), false);
    std::vector<std::uint8_t> reply;
    ResponseOutline outline;
    if (auto problem = exchange_udp(primary.address, query, deadline, cancel, reply, outline))
        return soa_failure(std::move(problem), false);
    if (!outline.truncated) {
        if (auto problem = judge(reply, outline, query)) return soa_failure(std::move(problem), false);
        return judge_soa(outline, false);
    }
    // Truncated: ask again over TCP, a new query (a new ID, a new signature).
    SentQuery again(request);
    if (auto problem = write_query(primary.key, again)) return soa_failure(std::move(problem), true);
    TransferResult counted;
    ResponseOutline tcp_outline;
    auto problem = exchange_tcp(primary.address, again, deadline, timeout, datagram_room, cancel, counted,
                                [&](std::span<const std::uint8_t>, const ResponseOutline& read) {
                                    tcp_outline = read;
                                    return false;  // one answer is all
                                });
    if (problem) return soa_failure(std::move(problem), true);
    return judge_soa(tcp_outline, true);
}

TransferResult fetch_zone(const PrimaryServer& primary, const TransferRequest& request, const TransferLimits& limits,
                          TransferCancel& cancel, const TransferMessageHandler& on_message) {
    const auto deadline = Clock::now() + limits.deadline;
    TransferResult result;
    SentQuery query(request);
    auto problem = write_query(primary.key, query);
    if (!problem)
        problem = exchange_tcp(primary.address, query, deadline, limits.idle_timeout, limits.max_bytes, cancel, result,
                               [&](std::span<const std::uint8_t> message, const ResponseOutline&) {
                                   return on_message(message);
                               });
    // RFC 8945 section 5.3.1: unsigned messages are covered by the next signed one, so the last must be signed.
    if (!problem && query.verifier && !query.verifier->last_was_signed())
        problem = fail(TransferError::tsig, "the transfer ended on an unsigned message");
    result.error = problem.error;
    result.reason = std::move(problem.reason);
    return result;
}

}  // namespace azdns
