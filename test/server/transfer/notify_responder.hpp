// A secondary's side of NOTIFY for the sender's tests: a UDP socket on
// loopback and a thread that records every datagram and answers as the test
// says (at once, after ignoring some, never, with an rcode, with a wrong ID).
#pragma once

#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "socket_address.hpp"

namespace azdns::testing {

struct ResponderPolicy {
    unsigned ignore_first = 0;          // datagrams left unanswered before answering
    std::optional<std::uint8_t> rcode;  // nullopt: never answer
    bool wrong_id = false;              // answer with the query's ID plus one
};

class NotifyResponder {
public:
    // "127.0.0.1" or "::1"; the port is picked by the kernel.
    explicit NotifyResponder(ResponderPolicy policy, const char* address = "127.0.0.1") : policy_(policy) {
        auto ip = IpAddress::parse(address);
        REQUIRE(ip);
        const int family = ip->family == IpFamily::v4 ? AF_INET : AF_INET6;
        fd_ = ::socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        REQUIRE(fd_ >= 0);
        sockaddr_storage storage;
        socklen_t length = to_sockaddr(*ip, 0, storage);
        REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&storage), length) == 0);
        length = sizeof storage;
        REQUIRE(::getsockname(fd_, reinterpret_cast<sockaddr*>(&storage), &length) == 0);
        REQUIRE(from_sockaddr(storage, address_.address, address_.port));
        thread_ = std::thread([this] { run(); });
    }

    ~NotifyResponder() {
        stop_ = true;
        thread_.join();
        ::close(fd_);
    }

    [[nodiscard]] SocketAddress address() const { return address_; }

    void set_policy(ResponderPolicy policy) {
        std::lock_guard lock(mutex_);
        policy_ = policy;
    }

    [[nodiscard]] std::vector<std::vector<std::uint8_t>> received() const {
        std::lock_guard lock(mutex_);
        return received_;
    }

private:
    void run() {
        // Short poll timeouts so that the destructor's flag is seen soon.
        pollfd watched{fd_, POLLIN, 0};
        while (!stop_) {
            if (::poll(&watched, 1, 20) <= 0) continue;
            std::vector<std::uint8_t> datagram(4096);
            sockaddr_storage from;
            socklen_t from_length = sizeof from;
            const auto got = ::recvfrom(fd_, datagram.data(), datagram.size(), 0,
                                        reinterpret_cast<sockaddr*>(&from), &from_length);
            if (got < 12) continue;
            datagram.resize(static_cast<std::size_t>(got));
            std::lock_guard lock(mutex_);
            received_.push_back(datagram);
            if (received_.size() <= policy_.ignore_first || !policy_.rcode) continue;
            const auto reply = reply_to(datagram);
            (void)::sendto(fd_, reply.data(), reply.size(), 0, reinterpret_cast<sockaddr*>(&from), from_length);
        }
    }

    // The query's header and question with QR set and the rcode: what NSD
    // and Knot send back to a NOTIFY.
    std::vector<std::uint8_t> reply_to(const std::vector<std::uint8_t>& query) const {
        std::size_t end = 12;
        while (end < query.size() && query[end] != 0) end += 1 + query[end];
        end += 1 + 4;  // root label, type, class
        std::vector<std::uint8_t> reply(query.begin(), query.begin() + static_cast<long>(std::min(end, query.size())));
        if (policy_.wrong_id) reply[1] = static_cast<std::uint8_t>(reply[1] + 1);
        reply[2] |= 0x80;
        reply[3] = *policy_.rcode;
        for (std::size_t i = 6; i < 12; ++i) reply[i] = 0;  // AN, NS, AR counts
        return reply;
    }

    mutable std::mutex mutex_;
    ResponderPolicy policy_;
    std::vector<std::vector<std::uint8_t>> received_;
    int fd_ = -1;
    SocketAddress address_;
    std::atomic<bool> stop_{false};
    std::thread thread_;
};

}  // namespace azdns::testing
