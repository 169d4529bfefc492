// DNS messages over one TCP socket, for a thread that may block (the
// transfer server's): two-byte length framing (RFC 1035 section 4.2.2), every
// wait bounded by a timeout through poll(2). Not for the answering threads,
// which never block (tcp_connection.hpp).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace azdns {

// The time from now to `deadline`, at most `cap`, never negative; rounded
// up, since waking early would only wait again.
[[nodiscard]] std::chrono::milliseconds time_left(std::chrono::steady_clock::time_point deadline,
                                                  std::chrono::milliseconds cap);

class FramedSocket {
public:
    // `fd` stays the caller's to close; `received`: bytes already read from it.
    FramedSocket(int fd, std::vector<std::uint8_t> received, std::chrono::milliseconds timeout);

    // empty: a length of 0, which no DNS message has (a broken peer).
    enum class Read : std::uint8_t { frame, closed, empty, timed_out, failed };
    // The next whole message into `frame` (at most 65535 bytes: no more is ever buffered).
    [[nodiscard]] Read next(std::vector<std::uint8_t>& frame);
    // Writes the length and the message; false when the peer is gone or stalls past the timeout.
    [[nodiscard]] bool write(std::span<const std::uint8_t> message);
    // The bound on each wait from now on (a client shortens it as its deadline nears).
    void set_timeout(std::chrono::milliseconds timeout) { timeout_ = timeout; }
    // No wait goes past `deadline`: a read or write still waiting then fails
    // (the transfer server's total time per connection).
    void set_deadline(std::chrono::steady_clock::time_point deadline) { deadline_ = deadline; }

private:
    // Waits for `events` on the socket; false on timeout or error.
    [[nodiscard]] bool wait(short events);

    int fd_;
    std::vector<std::uint8_t> in_;
    std::chrono::milliseconds timeout_;
    std::optional<std::chrono::steady_clock::time_point> deadline_;
};

}  // namespace azdns
