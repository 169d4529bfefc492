// One probe in flight, as the runner sees it: started, then either it reports
// one verdict to its listener or the runner cancels it. The object owns its
// libuv handles and frees itself once they have all closed, because libuv may
// still call into it after the verdict (cancelled requests, close callbacks).
#pragma once

#include <uv.h>

#include <cstdint>
#include <random>
#include <string>
#include <string_view>
#include <sys/socket.h>
#include <vector>

#include "endpoint_health.hpp"

namespace azdns {

struct ProbeTarget;
struct SavedTlsSession;
class TlsContexts;

// What every probe of one runner shares; lives on the probe thread.
struct ProbeContext {
    uv_loop_t* loop = nullptr;
    TlsContexts* tls = nullptr;
    std::mt19937_64* random = nullptr;
    // Every read lands here and is consumed inside its callback, so one
    // buffer serves all probes of the loop.
    std::vector<char> read_buffer;
};

class ProbeListener {
public:
    virtual void probe_finished(const ProbeResult& result) = 0;

protected:
    ~ProbeListener() = default;
};

class Probe {
public:
    Probe(const Probe&) = delete;
    Probe& operator=(const Probe&) = delete;

    // The verdict may come before start() returns (no socket to be had).
    virtual void start() = 0;
    // Ends the probe without a verdict.
    void cancel();

protected:
    Probe(ProbeContext& context, ProbeListener& listener, std::chrono::milliseconds timeout);
    virtual ~Probe() = default;

    // Each reports the verdict once, then closes everything; later calls are
    // ignored, so racing events (timeout vs. data) need no coordination.
    void succeed();
    void fail(std::string_view reason);
    void fail_uv(int uv_status);
    [[nodiscard]] bool done() const { return done_; }

    // The probe's socket: closed with the timer, and the object is freed
    // after both. A TCP socket is closed with an RST (SO_LINGER 0), as
    // HAProxy's checks do: at thousands of probes a second, orderly closes
    // would leave that many TIME_WAIT sockets a minute behind, on both sides,
    // and new connects would collide with them.
    void adopt(uv_handle_t* handle);

    ProbeContext& context_;

private:
    void finish(ProbeResult result);
    void close_all();
    static void on_timeout(uv_timer_t* timer);
    static void on_closed(uv_handle_t* handle);

    ProbeListener* listener_;
    uv_timer_t timer_{};
    std::uint64_t started_ns_;
    uv_handle_t* socket_ = nullptr;
    int open_handles_ = 0;
    bool done_ = false;
};

// The probe that `target.check.type` calls for, not yet started. An https
// probe offers `saved_session` and replaces it after a success.
[[nodiscard]] Probe* make_probe(ProbeContext& context, const ProbeTarget& target,
                                SavedTlsSession& saved_session, ProbeListener& listener);
[[nodiscard]] Probe* make_tcp_probe(ProbeContext& context, const ProbeTarget& target,
                                    ProbeListener& listener);
[[nodiscard]] Probe* make_http_probe(ProbeContext& context, const ProbeTarget& target,
                                     SavedTlsSession& saved_session, ProbeListener& listener,
                                     bool tls);
[[nodiscard]] Probe* make_dns_probe(ProbeContext& context, const ProbeTarget& target,
                                    ProbeListener& listener);

}  // namespace azdns
