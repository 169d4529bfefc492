// A primary's side of zone transfers for the transfer client's tests: TCP
// and UDP on one port of 127.0.0.1, and one thread that reads each query and
// answers as the test scripts it (whole transfers, stalls, garbage, early
// closes, endless streams, truncated SOA answers). Every wait in it ends
// when the test's object goes.
#pragma once

#include <doctest/doctest.h>

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <ctime>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "framed_socket.hpp"
#include "query_reader.hpp"
#include "socket_address.hpp"
#include "tsig.hpp"
#include "wire_integers.hpp"

namespace azdns::testing {

using Bytes = std::vector<std::uint8_t>;

// A response to `query` (header and question copied, QR and AA set): the
// SOA of the question's name with `serial`, then `filler` A records of that
// name (192.0.2.x), owners compressed to the question.
inline Bytes response_to(const Bytes& query, std::uint32_t serial, unsigned filler = 0) {
    Query read;
    REQUIRE(read_query(query, read) != ReadStatus::ignore);
    REQUIRE(read.has_question);
    Bytes out(query.begin(), query.begin() + header_size);
    out[2] = static_cast<std::uint8_t>(0x80 | 0x04 | (out[2] & 0x78));  // QR, AA, the query's opcode
    out[3] = 0;
    write_u16(&out[4], 1);
    write_u16(&out[6], static_cast<std::uint16_t>(1 + filler));
    write_u16(&out[8], 0);
    write_u16(&out[10], 0);
    out.insert(out.end(), read.question.wire.begin(), read.question.wire.end());
    const auto record = [&](std::uint16_t type, std::uint16_t rdlength) {
        const std::size_t at = out.size();
        out.resize(at + 12);
        write_u16(&out[at], 0xC000 | header_size);  // the question's name
        write_u16(&out[at + 2], type);
        write_u16(&out[at + 4], 1);
        write_u32(&out[at + 6], 300);
        write_u16(&out[at + 10], rdlength);
    };
    const Bytes mname{3, 'n', 's', '1', 0}, rname{1, 'h', 0};
    record(6, static_cast<std::uint16_t>(mname.size() + rname.size() + 20));
    out.insert(out.end(), mname.begin(), mname.end());
    out.insert(out.end(), rname.begin(), rname.end());
    for (std::uint32_t field : {serial, 3600u, 600u, 86400u, 300u}) {
        out.resize(out.size() + 4);
        write_u32(&out[out.size() - 4], field);
    }
    for (unsigned i = 0; i < filler; ++i) {
        record(1, 4);
        for (unsigned byte : {192u, 0u, 2u, i % 250}) out.push_back(static_cast<std::uint8_t>(byte));
    }
    return out;
}

// `message` signed as the next of a stream.
inline Bytes signed_by(TsigStreamSigner& signer, Bytes message) {
    const std::size_t length = message.size();
    message.resize(length + 1024);
    message.resize(signer.sign_next(message, length, static_cast<std::uint64_t>(std::time(nullptr))));
    REQUIRE(!message.empty());
    return message;
}

// The TCP connection the script answers on, after the query was read.
class ScriptedConnection {
public:
    ScriptedConnection(int fd, Bytes query, const std::atomic<bool>& stopping)
        : fd_(fd), query_(std::move(query)), stopping_(stopping) {}

    [[nodiscard]] const Bytes& query() const { return query_; }

    // Writes a length and `message`; false once the client is gone or the test ends.
    bool send(std::span<const std::uint8_t> message) {
        Bytes framed{static_cast<std::uint8_t>(message.size() >> 8), static_cast<std::uint8_t>(message.size())};
        framed.insert(framed.end(), message.begin(), message.end());
        return send_raw(framed);
    }

    // Writes `bytes` as they are (no length added).
    bool send_raw(std::span<const std::uint8_t> bytes) {
        while (!bytes.empty()) {
            if (stopping_) return false;
            pollfd watched{fd_, POLLOUT, 0};
            if (::poll(&watched, 1, 20) <= 0) continue;
            const ssize_t sent = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
            if (sent < 0 && (errno == EAGAIN || errno == EINTR)) continue;
            if (sent <= 0) return false;
            bytes = bytes.subspan(static_cast<std::size_t>(sent));
        }
        return true;
    }

    // Keeps the connection open and silent until the client closes it or the test ends.
    void stall() {
        while (!stopping_) {
            pollfd watched{fd_, POLLIN, 0};
            if (::poll(&watched, 1, 20) > 0) {
                std::uint8_t byte;
                if (::recv(fd_, &byte, 1, MSG_DONTWAIT) == 0) return;
            }
        }
    }

    // A stream signer for answers to the query, which `key` signed.
    [[nodiscard]] TsigStreamSigner signer(const TsigKey& key) const {
        Query read;
        REQUIRE(read_query(query_, read) == ReadStatus::ok);
        REQUIRE(read.tsig_offset != 0);
        const auto tsig = read_tsig(query_, read.tsig_offset);
        REQUIRE(tsig);
        return TsigStreamSigner(key, tsig->mac);
    }

private:
    int fd_;
    Bytes query_;
    const std::atomic<bool>& stopping_;
};

// A UDP query's datagrams back, in order (none: silence).
using UdpScript = std::function<std::vector<Bytes>(const Bytes& query)>;
using TcpScript = std::function<void(ScriptedConnection&)>;

class ScriptedPrimary {
public:
    // `port` 0: a free one; another: a primary back where one was before
    // (SO_REUSEADDR: the connections the last one closed may linger).
    explicit ScriptedPrimary(TcpScript tcp, UdpScript udp = {}, std::uint16_t port = 0)
        : tcp_(std::move(tcp)), udp_(std::move(udp)) {
        listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        REQUIRE(listener_ >= 0);
        const int reuse = 1;
        REQUIRE(::setsockopt(listener_, SOL_SOCKET, SO_REUSEADDR, &reuse, sizeof reuse) == 0);
        sockaddr_storage storage;
        socklen_t length = to_sockaddr(*IpAddress::parse("127.0.0.1"), port, storage);
        REQUIRE(::bind(listener_, reinterpret_cast<sockaddr*>(&storage), length) == 0);
        REQUIRE(::listen(listener_, 4) == 0);
        length = sizeof storage;
        REQUIRE(::getsockname(listener_, reinterpret_cast<sockaddr*>(&storage), &length) == 0);
        REQUIRE(from_sockaddr(storage, address_.address, address_.port));
        datagrams_ = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        REQUIRE(datagrams_ >= 0);
        length = to_sockaddr(address_.address, address_.port, storage);
        REQUIRE(::bind(datagrams_, reinterpret_cast<sockaddr*>(&storage), length) == 0);
        thread_ = std::thread([this] { run(); });
    }

    ~ScriptedPrimary() {
        stopping_ = true;
        thread_.join();
        ::close(listener_);
        ::close(datagrams_);
    }

    [[nodiscard]] SocketAddress address() const { return address_; }

    // The queries received, over UDP and TCP, in order.
    [[nodiscard]] std::vector<Bytes> queries() const {
        std::lock_guard lock(mutex_);
        return queries_;
    }

private:
    void run() {
        pollfd watched[2] = {{listener_, POLLIN, 0}, {datagrams_, POLLIN, 0}};
        while (!stopping_) {
            if (::poll(watched, 2, 20) <= 0) continue;
            if (watched[1].revents & POLLIN) answer_datagram();
            if (watched[0].revents & POLLIN) answer_connection();
        }
    }

    void answer_datagram() {
        Bytes query(65535);
        sockaddr_storage from;
        socklen_t from_length = sizeof from;
        const auto got = ::recvfrom(datagrams_, query.data(), query.size(), 0, reinterpret_cast<sockaddr*>(&from),
                                    &from_length);
        if (got <= 0) return;
        query.resize(static_cast<std::size_t>(got));
        record(query);
        if (!udp_) return;
        for (const auto& reply : udp_(query))
            (void)::sendto(datagrams_, reply.data(), reply.size(), 0, reinterpret_cast<sockaddr*>(&from), from_length);
    }

    void answer_connection() {
        const int fd = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
        if (fd < 0) return;
        FramedSocket framed(fd, {}, std::chrono::seconds(5));
        Bytes query;
        if (framed.next(query) == FramedSocket::Read::frame) {
            record(query);
            ScriptedConnection connection(fd, query, stopping_);
            if (tcp_) tcp_(connection);
        }
        ::close(fd);
    }

    void record(const Bytes& query) {
        std::lock_guard lock(mutex_);
        queries_.push_back(query);
    }

    TcpScript tcp_;
    UdpScript udp_;
    int listener_ = -1;
    int datagrams_ = -1;
    SocketAddress address_;
    std::atomic<bool> stopping_{false};
    mutable std::mutex mutex_;
    std::vector<Bytes> queries_;
    std::thread thread_;
};

}  // namespace azdns::testing
