// Connect, write and read with libuv on behalf of the stream checks. Writes
// try the socket directly first: a probe's request almost always fits in the
// socket buffer, so the common case allocates nothing.
#include "stream_probe.hpp"

#include <netinet/in.h>

#include <memory>

#include "probe_errors.hpp"
#include "socket_address.hpp"

namespace azdns {

struct StreamProbe::Write {
    uv_write_t request{};
    std::string data;
    StreamProbe* probe;
};

StreamProbe::StreamProbe(ProbeContext& context, const ProbeTarget& target, ProbeListener& listener)
    : Probe(context, listener, target.check.timeout), target_(target) {}

void StreamProbe::start() {
    // With a source the socket must exist before bind(), to set its options.
    const int family = target_.id.address.family == IpFamily::v4 ? AF_INET : AF_INET6;
    if (int rc = target_.source ? uv_tcp_init_ex(context_.loop, &socket_, family) : uv_tcp_init(context_.loop, &socket_);
        rc != 0)
        return fail_uv(rc);
    adopt(reinterpret_cast<uv_handle_t*>(&socket_));
    if (target_.source && !bind_source()) return;
    // Probes are tiny request/response exchanges: waiting for Nagle only adds RTT.
    uv_tcp_nodelay(&socket_, 1);
    sockaddr_storage address;
    to_sockaddr(target_.id.address, target_.check.port, address);
    connect_.data = this;
    if (int rc = uv_tcp_connect(&connect_, &socket_, reinterpret_cast<sockaddr*>(&address), on_connect);
        rc != 0)
        fail_uv(rc);
}

bool StreamProbe::bind_source() {
    // Port 0 would otherwise reserve a port at bind() for any destination:
    // thousands of probes a second would run out of ports. With
    // IP_BIND_ADDRESS_NO_PORT the kernel picks it at connect(), per
    // destination, as it does without a source.
    uv_os_fd_t fd;
    if (uv_fileno(reinterpret_cast<uv_handle_t*>(&socket_), &fd) == 0) {
        int on = 1;
        setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &on, sizeof on);
    }
    sockaddr_storage source;
    to_sockaddr(*target_.source, 0, source);
    if (int rc = uv_tcp_bind(&socket_, reinterpret_cast<sockaddr*>(&source), 0); rc != 0) {
        fail(probe_error::source_unusable(target_.source->to_string(), rc));
        return false;
    }
    return true;
}

void StreamProbe::on_connect(uv_connect_t* request, int status) {
    auto* self = static_cast<StreamProbe*>(request->data);
    if (self->done()) return;  // cancelled or timed out: status is UV_ECANCELED
    if (status != 0) return self->fail_uv(status);
    self->on_connected();
}

void StreamProbe::start_reading() {
    auto* stream = reinterpret_cast<uv_stream_t*>(&socket_);
    if (int rc = uv_read_start(stream, on_alloc, on_read); rc != 0) fail_uv(rc);
}

void StreamProbe::send(std::string data) {
    auto* stream = reinterpret_cast<uv_stream_t*>(&socket_);
    uv_buf_t buf = uv_buf_init(data.data(), static_cast<unsigned>(data.size()));
    int written = uv_try_write(stream, &buf, 1);
    if (written < 0 && written != UV_EAGAIN) return fail_uv(written);
    std::size_t sent = written < 0 ? 0 : static_cast<std::size_t>(written);
    if (sent == data.size()) return;
    // Freed in on_write, which libuv calls (with UV_ECANCELED if need be)
    // before the socket's close callback.
    auto write = std::make_unique<Write>();
    write->data = data.substr(sent);
    write->probe = this;
    write->request.data = write.get();
    buf = uv_buf_init(write->data.data(), static_cast<unsigned>(write->data.size()));
    if (int rc = uv_write(&write->request, stream, &buf, 1, on_write); rc != 0) return fail_uv(rc);
    write.release();
}

void StreamProbe::on_write(uv_write_t* request, int status) {
    std::unique_ptr<Write> write(static_cast<Write*>(request->data));
    StreamProbe* self = write->probe;
    if (status != 0 && !self->done()) self->fail_uv(status);
}

void StreamProbe::on_alloc(uv_handle_t* handle, std::size_t, uv_buf_t* buf) {
    auto* self = static_cast<StreamProbe*>(handle->data);
    std::vector<char>& shared = self->context_.read_buffer;
    *buf = uv_buf_init(shared.data(), static_cast<unsigned>(shared.size()));
}

void StreamProbe::on_read(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf) {
    auto* self = static_cast<StreamProbe*>(stream->data);
    if (self->done() || nread == 0) return;
    if (nread == UV_EOF) return self->on_eof();
    if (nread < 0) return self->fail_uv(static_cast<int>(nread));
    self->on_data(buf->base, static_cast<std::size_t>(nread));
}

}  // namespace azdns
