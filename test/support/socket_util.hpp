// Internal to the test support library: the socket and thread plumbing that
// the fake HTTP and DNS endpoints share (binding, an eventfd to wake a poll()
// loop, synchronous hand-over of mode changes to the loop thread).
#pragma once

#include <sys/socket.h>

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>

namespace azdns::testing::detail {

// address:port ("127.0.0.2", "::1") as a socket address; false when
// `address` is not an IP address.
bool to_sockaddr(const std::string& address, std::uint16_t port, sockaddr_storage& storage, socklen_t& length);

// The address of `storage` as text ("127.0.0.2", "::1"), without the port.
std::string address_text(const sockaddr_storage& storage);

// A non-blocking, close-on-exec socket of `type` (SOCK_STREAM: also
// listening) bound with SO_REUSEADDR to address:port. `port` 0 picks one and
// is written back. -1 with `error` set on failure.
int bind_socket(int type, const std::string& address, std::uint16_t& port, std::string& error);

// Closes `fd` with an RST instead of a FIN (SO_LINGER 0).
void close_with_reset(int fd);

// SIGPIPE ignored for the whole process (once): writes to closed peers fail with EPIPE instead.
void ignore_sigpipe();

// Wakes a poll() loop and hands it changes: the caller bumps a generation and
// waits (bounded) until the loop says it applied it.
class LoopControl {
public:
    LoopControl();
    ~LoopControl();
    LoopControl(const LoopControl&) = delete;
    LoopControl& operator=(const LoopControl&) = delete;

    [[nodiscard]] int fd() const { return fd_; }  // poll it for POLLIN
    void drain();                                 // loop side, after POLLIN

    // Caller side. `running`: whether a loop thread exists to wait for.
    void change_and_wait(bool running);
    void request_stop();
    // Loop side.
    [[nodiscard]] bool stop_requested();
    [[nodiscard]] std::uint64_t requested();
    void mark_applied(std::uint64_t generation);
    // Before starting a new loop thread.
    void reset_stop();

private:
    void wake();
    int fd_ = -1;
    std::mutex mutex_;
    std::condition_variable cv_;
    std::uint64_t requested_ = 0, applied_ = 0;
    bool stop_ = false;
};

}  // namespace azdns::testing::detail
