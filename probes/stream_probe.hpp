// The TCP connection under the tcp, http and https checks: connect, send,
// receive, and turn socket errors into reasons. Subclasses say what the
// bytes mean.
#pragma once

#include <string>

#include "probe.hpp"
#include "probe_runner.hpp"

namespace azdns {

class StreamProbe : public Probe {
public:
    void start() final;

protected:
    StreamProbe(ProbeContext& context, const ProbeTarget& target, ProbeListener& listener);

    virtual void on_connected() = 0;
    virtual void on_data(const char* data, std::size_t size) = 0;
    virtual void on_eof() = 0;

    // Queues bytes for the peer. Called only once connected.
    void send(std::string data);
    // After connect: deliver reads to on_data/on_eof.
    void start_reading();

    // The runner's copy, which outlives this probe's verdict but not its
    // close callbacks: read it only while !done().
    const ProbeTarget& target_;

private:
    struct Write;
    // Binds to target_.source; false after failing the probe.
    [[nodiscard]] bool bind_source();
    static void on_connect(uv_connect_t* request, int status);
    static void on_write(uv_write_t* request, int status);
    static void on_alloc(uv_handle_t* handle, std::size_t suggested, uv_buf_t* buf);
    static void on_read(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf);

    uv_tcp_t socket_{};
    uv_connect_t connect_{};
};

}  // namespace azdns
