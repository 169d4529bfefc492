// The fake DNS responder (see fake_endpoint.hpp): one UDP socket, one thread,
// one poll() loop that answers, delays, garbles or ignores each query.
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <mutex>
#include <thread>
#include <vector>

#include "fake_endpoint.hpp"
#include "socket_util.hpp"

namespace azdns::testing {

namespace {

using Clock = std::chrono::steady_clock;
using Bytes = std::vector<std::uint8_t>;

struct Question {
    std::string name;       // presentation form, "" when unparsable
    std::uint16_t type = 0;
    std::size_t end = 0;    // offset just past the question, 0 when there is none
};

Question parse_question(const std::uint8_t* data, std::size_t size) {
    Question q;
    if (size < 12 || ((data[4] << 8) | data[5]) == 0) return q;
    std::size_t at = 12;
    std::string name;
    for (;;) {
        if (at >= size) return q;
        std::size_t length = data[at];
        if (length == 0) {
            ++at;
            break;
        }
        if (length > 63 || at + 1 + length > size) return q;
        name.append(reinterpret_cast<const char*>(data + at + 1), length);
        name += '.';
        at += 1 + length;
    }
    if (at + 4 > size) return q;
    q.name = name.empty() ? "." : name;
    q.type = static_cast<std::uint16_t>((data[at] << 8) | data[at + 1]);
    q.end = at + 4;
    return q;
}

}  // namespace

struct FakeDnsEndpoint::Impl {
    struct Pending {
        Clock::time_point due;
        sockaddr_storage peer{};
        socklen_t peer_length = 0;
        Bytes wire;
    };

    FakeDnsOptions options;
    std::atomic<std::uint16_t> port{0};
    std::atomic<EndpointMode> mode{EndpointMode::ok};
    std::atomic<int> rcode{0};
    std::atomic<unsigned> queries{0};
    mutable std::mutex last_mutex;  // guards last_name, last_type and peers
    std::string last_name;
    std::uint16_t last_type = 0;
    std::vector<std::string> peers;
    detail::LoopControl control;
    std::thread thread;
    std::atomic<bool> running{false};

    // Owned by the loop thread while it runs.
    int sock = -1;
    std::vector<Pending> pending;

    explicit Impl(FakeDnsOptions opts) : options(std::move(opts)), port(options.port), rcode(options.rcode) {}

    void close_socket() {
        if (sock >= 0) close(sock);
        sock = -1;
        pending.clear();
    }

    void run();
    void handle(const std::uint8_t* data, std::size_t size, const sockaddr_storage& peer, socklen_t peer_length);
};

void FakeDnsEndpoint::Impl::run() {
    while (!control.stop_requested()) {
        std::uint64_t generation = control.requested();
        if (mode.load() == EndpointMode::refuse) {
            close_socket();
        } else if (sock < 0) {
            std::string error;
            std::uint16_t same = port.load();
            sock = detail::bind_socket(SOCK_DGRAM, options.address, same, error);  // retried while it fails
        }
        control.mark_applied(generation);

        std::vector<pollfd> fds{{control.fd(), POLLIN, 0}};
        if (sock >= 0) fds.push_back({sock, POLLIN, 0});
        auto now = Clock::now();
        auto timeout = std::chrono::milliseconds(1000);
        if (sock < 0 && mode.load() != EndpointMode::refuse) timeout = std::chrono::milliseconds(50);
        for (auto& p : pending)
            timeout = std::min(timeout, std::max(std::chrono::milliseconds(0),
                std::chrono::ceil<std::chrono::milliseconds>(p.due - now)));
        if (poll(fds.data(), fds.size(), static_cast<int>(timeout.count())) < 0 && errno != EINTR) break;
        if (fds[0].revents) control.drain();
        if (control.stop_requested()) break;

        if (sock >= 0 && fds[1].revents) {
            for (int round = 0; round < 64; ++round) {
                std::uint8_t buffer[4096];
                sockaddr_storage peer{};
                socklen_t peer_length = sizeof peer;
                ssize_t n = recvfrom(sock, buffer, sizeof buffer, 0, reinterpret_cast<sockaddr*>(&peer), &peer_length);
                if (n < 0) {
                    if (errno == EINTR) continue;
                    break;  // EAGAIN, or an ICMP error from an earlier answer
                }
                handle(buffer, static_cast<std::size_t>(n), peer, peer_length);
            }
        }
        now = Clock::now();
        std::erase_if(pending, [&](const Pending& p) {
            if (p.due > now) return false;
            sendto(sock, p.wire.data(), p.wire.size(), 0, reinterpret_cast<const sockaddr*>(&p.peer), p.peer_length);
            return true;
        });
    }
    close_socket();
}

void FakeDnsEndpoint::Impl::handle(const std::uint8_t* data, std::size_t size, const sockaddr_storage& peer,
                                   socklen_t peer_length) {
    ++queries;
    Question q = parse_question(data, size);
    {
        std::lock_guard lock(last_mutex);
        last_name = q.name;
        last_type = q.type;
        peers.push_back(detail::address_text(peer));
    }
    EndpointMode now_mode = mode.load();
    Bytes wire;
    if (now_mode == EndpointMode::garbage) {
        for (int i = 0; i < 64; ++i) wire.push_back(static_cast<std::uint8_t>(i * 37 + 11));
    } else if (now_mode == EndpointMode::ok || now_mode == EndpointMode::error_status ||
               now_mode == EndpointMode::slow) {
        if (size < 12) return;  // no ID to echo
        int code = now_mode == EndpointMode::error_status ? 2 : (rcode.load() & 0x0f);
        bool answer = code == 0 && q.end && q.type == 1;
        wire = {data[0], data[1],
                static_cast<std::uint8_t>(0x80 | (data[2] & 0x78) | 0x04 | (data[2] & 0x01)),
                static_cast<std::uint8_t>(code),
                0, static_cast<std::uint8_t>(q.end ? 1 : 0),
                0, static_cast<std::uint8_t>(answer ? 1 : 0),
                0, 0, 0, 0};
        if (q.end) wire.insert(wire.end(), data + 12, data + q.end);
        if (answer) {
            const std::uint8_t record[] = {0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 192, 0, 2, 1};
            wire.insert(wire.end(), std::begin(record), std::end(record));
        }
    } else {
        return;  // hang, reset, endless_body: silence
    }
    if (now_mode == EndpointMode::slow) {
        pending.push_back({Clock::now() + options.slow_delay, peer, peer_length, std::move(wire)});
        return;
    }
    sendto(sock, wire.data(), wire.size(), 0, reinterpret_cast<const sockaddr*>(&peer), peer_length);
}

FakeDnsEndpoint::FakeDnsEndpoint(FakeDnsOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}

FakeDnsEndpoint::~FakeDnsEndpoint() {
    stop();
}

bool FakeDnsEndpoint::start(std::string& error) {
    auto& d = *impl_;
    if (d.running) {
        error = "already running";
        return false;
    }
    std::uint16_t port = d.port.load();
    d.sock = detail::bind_socket(SOCK_DGRAM, d.options.address, port, error);
    if (d.sock < 0) return false;
    d.port = port;
    d.control.reset_stop();
    d.thread = std::thread([&d] { d.run(); });
    d.running = true;
    return true;
}

void FakeDnsEndpoint::stop() {
    auto& d = *impl_;
    if (!d.running) return;
    d.control.request_stop();
    d.thread.join();
    d.running = false;
}

void FakeDnsEndpoint::set_mode(EndpointMode mode) {
    impl_->mode = mode;
    impl_->control.change_and_wait(impl_->running);
}

void FakeDnsEndpoint::set_rcode(int rcode) { impl_->rcode = rcode; }
EndpointMode FakeDnsEndpoint::mode() const { return impl_->mode; }
std::uint16_t FakeDnsEndpoint::port() const { return impl_->port; }
const std::string& FakeDnsEndpoint::address() const { return impl_->options.address; }
unsigned FakeDnsEndpoint::queries_seen() const { return impl_->queries; }

std::string FakeDnsEndpoint::last_query_name() const {
    std::lock_guard lock(impl_->last_mutex);
    return impl_->last_name;
}

std::vector<std::string> FakeDnsEndpoint::peers_seen() const {
    std::lock_guard lock(impl_->last_mutex);
    return impl_->peers;
}

std::uint16_t FakeDnsEndpoint::last_query_type() const {
    std::lock_guard lock(impl_->last_mutex);
    return impl_->last_type;
}

}  // namespace azdns::testing
