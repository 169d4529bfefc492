#include "slow_clients.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

namespace azdns::e2e {

namespace {

// The request a slow client never finishes: a head, then header lines forever.
char request_byte(std::size_t index) {
    static const std::string head = "GET /v1/status HTTP/1.1\r\nHost: azdns\r\n";
    static const std::string line = "X-Slow: a\r\n";
    return index < head.size() ? head[index] : line[(index - head.size()) % line.size()];
}

}  // namespace

SlowClients::SlowClients(std::uint16_t port, std::size_t count, std::chrono::milliseconds round)
    : port_(port), round_(round), fds_(count, -1), sent_(count, 0) {
    thread_ = std::thread([this] { run(); });
}

SlowClients::~SlowClients() { stop(); }

bool SlowClients::make_room(std::size_t count, std::string& error) {
    rlimit limit{};
    if (getrlimit(RLIMIT_NOFILE, &limit) != 0) {
        error = "getrlimit(RLIMIT_NOFILE) failed";
        return false;
    }
    const rlim_t needed = count + 256;  // the clients, and what the test itself has open
    if (limit.rlim_cur != RLIM_INFINITY && limit.rlim_cur < needed) {
        if (limit.rlim_max != RLIM_INFINITY && limit.rlim_max < needed) {
            error = "the open-file limit (ulimit -Hn " + std::to_string(limit.rlim_max) + ") is below the " +
                    std::to_string(needed) + " this test needs";
            return false;
        }
        limit.rlim_cur = needed;
        if (setrlimit(RLIMIT_NOFILE, &limit) != 0) {
            error = "cannot raise the open-file limit to " + std::to_string(needed);
            return false;
        }
    }
    return true;
}

void SlowClients::stop() {
    stopping_ = true;
    if (thread_.joinable()) thread_.join();
    for (std::size_t slot = 0; slot < fds_.size(); ++slot) {
        if (fds_[slot] >= 0) close(slot);
    }
}

void SlowClients::open(std::size_t slot) {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return;  // out of descriptors for now: the next round tries again
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port_);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 && errno != EINPROGRESS) {
        ::close(fd);
        return;
    }
    fds_[slot] = fd;
    sent_[slot] = 0;
    ++connects_;
}

void SlowClients::close(std::size_t slot) {
    ::close(fds_[slot]);
    fds_[slot] = -1;
}

void SlowClients::run() {
    std::vector<pollfd> entries(fds_.size());
    while (!stopping_) {
        // The server's answers (a 408 or 503, or just FIN) are read and discarded; an ended connection is reopened.
        for (std::size_t slot = 0; slot < fds_.size(); ++slot) entries[slot] = {fds_[slot], POLLIN, 0};
        ::poll(entries.data(), entries.size(), 0);
        for (std::size_t slot = 0; slot < fds_.size(); ++slot) {
            if (fds_[slot] < 0 || (entries[slot].revents & (POLLIN | POLLERR | POLLHUP)) == 0) continue;
            char discard[4096];
            ssize_t n = ::recv(fds_[slot], discard, sizeof discard, 0);
            if (n == 0 || (n < 0 && errno != EAGAIN)) {
                close(slot);
                ++closed_;
            }
        }
        for (std::size_t slot = 0; slot < fds_.size() && !stopping_; ++slot) {
            if (fds_[slot] < 0) {
                open(slot);
                continue;  // its first byte goes out at the next round, once connected
            }
            const char byte = request_byte(sent_[slot]);
            ssize_t n = ::send(fds_[slot], &byte, 1, MSG_NOSIGNAL);
            if (n == 1) {
                ++sent_[slot];
                ++bytes_;
            } else if (errno != EAGAIN && errno != ENOTCONN) {
                close(slot);
                ++closed_;
            }
        }
        // One round per `round_`, woken early by stop().
        for (auto slept = std::chrono::milliseconds(0); slept < round_ && !stopping_; slept += std::chrono::milliseconds(50))
            ::poll(nullptr, 0, 50);
    }
}

}  // namespace azdns::e2e
