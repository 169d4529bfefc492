#include "framed_socket.hpp"

#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>

namespace azdns {

std::chrono::milliseconds time_left(std::chrono::steady_clock::time_point deadline, std::chrono::milliseconds cap) {
    const auto now = std::chrono::steady_clock::now();
    if (deadline <= now) return std::chrono::milliseconds{0};
    return std::min(cap, std::chrono::ceil<std::chrono::milliseconds>(deadline - now));
}

FramedSocket::FramedSocket(int fd, std::vector<std::uint8_t> received, std::chrono::milliseconds timeout)
    : fd_(fd), in_(std::move(received)), timeout_(timeout) {}

bool FramedSocket::wait(short events) {
    pollfd watched{fd_, events, 0};
    while (true) {
        if (deadline_ && std::chrono::steady_clock::now() >= *deadline_) return false;
        const auto timeout = deadline_ ? time_left(*deadline_, timeout_) : timeout_;
        const int ready = ::poll(&watched, 1, static_cast<int>(timeout.count()));
        if (ready > 0) return true;  // readable, writable, or hung up: the next call says which
        if (ready == 0 || errno != EINTR) return false;
    }
}

FramedSocket::Read FramedSocket::next(std::vector<std::uint8_t>& frame) {
    while (true) {
        if (in_.size() >= 2) {
            const std::size_t length = std::size_t{in_[0]} << 8 | in_[1];
            if (length == 0) return Read::empty;
            if (in_.size() >= 2 + length) {
                frame.assign(in_.begin() + 2, in_.begin() + 2 + static_cast<std::ptrdiff_t>(length));
                in_.erase(in_.begin(), in_.begin() + 2 + static_cast<std::ptrdiff_t>(length));
                return Read::frame;
            }
        }
        if (!wait(POLLIN)) return Read::timed_out;
        std::uint8_t chunk[4096];
        // Never more than one frame ahead: a buffer this full holds a whole frame, returned above.
        const std::size_t room = std::min(sizeof chunk, std::size_t{2 + 65535} - in_.size());
        const ssize_t got = ::recv(fd_, chunk, room, 0);
        if (got == 0) return Read::closed;
        if (got < 0) {
            if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK) continue;
            return Read::failed;
        }
        in_.insert(in_.end(), chunk, chunk + got);
    }
}

bool FramedSocket::write(std::span<const std::uint8_t> message) {
    const std::uint8_t length[2] = {static_cast<std::uint8_t>(message.size() >> 8),
                                    static_cast<std::uint8_t>(message.size() & 0xff)};
    std::span<const std::uint8_t> parts[2] = {{length, 2}, message};
    for (std::span<const std::uint8_t> part : parts) {
        while (!part.empty()) {
            const ssize_t sent = ::send(fd_, part.data(), part.size(), MSG_NOSIGNAL | (part.data() == length ? MSG_MORE : 0));
            if (sent > 0) {
                part = part.subspan(static_cast<std::size_t>(sent));
                continue;
            }
            if (sent < 0 && errno == EINTR) continue;
            if (sent < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
                if (!wait(POLLOUT)) return false;
                continue;
            }
            return false;
        }
    }
    return true;
}

}  // namespace azdns
