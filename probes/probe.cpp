// The part every probe shares: the timeout, the RTT, reporting exactly one
// verdict, and closing handles before the memory goes.
#include "probe.hpp"

#include <netinet/in.h>

#include <cstring>

#include "probe_errors.hpp"
#include "probe_runner.hpp"

namespace azdns {

Probe::Probe(ProbeContext& context, ProbeListener& listener, std::chrono::milliseconds timeout)
    : context_(context), listener_(&listener), started_ns_(uv_hrtime()) {
    uv_timer_init(context_.loop, &timer_);
    timer_.data = this;
    ++open_handles_;
    // The loop's clock is cached per iteration (and coarse), so under load it
    // lags this probe's start; counting from it would cut the timeout short.
    // The lag is added back: a probe always gets its whole timeout.
    std::uint64_t started_ms = (started_ns_ + 999'999) / 1'000'000;
    std::uint64_t loop_ms = uv_now(context_.loop);
    std::uint64_t lag = started_ms > loop_ms ? started_ms - loop_ms : 0;
    uv_timer_start(&timer_, on_timeout, static_cast<std::uint64_t>(timeout.count()) + lag, 0);
}

void Probe::adopt(uv_handle_t* handle) {
    handle->data = this;
    socket_ = handle;
    ++open_handles_;
}

void Probe::cancel() {
    listener_ = nullptr;
    if (!done_) {
        done_ = true;
        close_all();
    }
}

void Probe::succeed() { finish(ProbeResult{true, {}, {}}); }

void Probe::fail(std::string_view reason) { finish(ProbeResult{false, std::string(reason), {}}); }

void Probe::fail_uv(int uv_status) { finish(ProbeResult{false, probe_error::from_uv(uv_status), {}}); }

void Probe::finish(ProbeResult result) {
    if (done_) return;
    done_ = true;
    result.rtt = std::chrono::microseconds((uv_hrtime() - started_ns_) / 1000);
    // Closing first: the listener may start another probe, and this one's
    // socket should be on its way out by then.
    close_all();
    if (listener_ != nullptr) listener_->probe_finished(result);
}

void Probe::close_all() {
    uv_close(reinterpret_cast<uv_handle_t*>(&timer_), on_closed);
    if (socket_ == nullptr) return;
    // Falls back to a plain close when there is no connection to reset.
    if (socket_->type != UV_TCP || uv_tcp_close_reset(reinterpret_cast<uv_tcp_t*>(socket_), on_closed) != 0)
        uv_close(socket_, on_closed);
}

void Probe::on_timeout(uv_timer_t* timer) {
    static_cast<Probe*>(timer->data)->fail(probe_error::timeout);
}

void Probe::on_closed(uv_handle_t* handle) {
    auto* probe = static_cast<Probe*>(handle->data);
    if (--probe->open_handles_ == 0) delete probe;
}

Probe* make_probe(ProbeContext& context, const ProbeTarget& target, SavedTlsSession& saved_session,
                  ProbeListener& listener) {
    switch (target.check.type) {
    case CheckType::tcp: return make_tcp_probe(context, target, listener);
    case CheckType::http: return make_http_probe(context, target, saved_session, listener, false);
    case CheckType::https: return make_http_probe(context, target, saved_session, listener, true);
    case CheckType::dns: return make_dns_probe(context, target, listener);
    }
    return make_tcp_probe(context, target, listener);
}

}  // namespace azdns
