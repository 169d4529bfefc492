#include "tcp_connection.hpp"

#include <unistd.h>

#include "socket_address.hpp"

namespace azdns {

namespace {

// Responses queued beyond this stop the reading of more queries until the
// client has read what it was sent (backpressure).
constexpr std::size_t output_limit = 64 * 1024;

constexpr std::uint64_t ns_per_ms = 1'000'000;

}  // namespace

// ---- TcpConnection ----------------------------------------------------------

TcpConnection::TcpConnection(TcpClients& owner) : owner_(owner) {
    uv_tcp_init(owner.loop_, &handle_);  // cannot fail on a valid loop
    handle_.data = this;
    write_request_.data = this;
}

void TcpConnection::close() {
    if (closing_) return;
    closing_ = true;
    owner_.closed(*this);
    uv_close(reinterpret_cast<uv_handle_t*>(&handle_), on_closed);
}

void TcpConnection::finish() {
    if (closing_) return;
    finishing_ = true;
    update_reading();
    if (!write_in_flight_ && queued_.empty()) close_or_hand_off();
}

void TcpConnection::close_or_hand_off() {
    if (!handing_off_.empty()) hand_off();
    close();
}

void TcpConnection::on_closed(uv_handle_t* handle) {
    delete static_cast<TcpConnection*>(handle->data);  // after any write callback (UV_ECANCELED)
}

void TcpConnection::learn_peer() {
    sockaddr_storage peer{};
    int length = sizeof peer;
    // Fails only for a peer that has reset already: the client stays
    // unspecified, and the next read ends the connection anyway.
    if (uv_tcp_getpeername(&handle_, reinterpret_cast<sockaddr*>(&peer), &length) == 0) {
        (void)from_sockaddr(peer, client_.address, client_.port);
    }
}

void TcpConnection::touch(std::uint64_t when) {
    owner_.touched(*this, when);
}

void TcpConnection::on_alloc(uv_handle_t* handle, std::size_t /*suggested*/, uv_buf_t* buf) {
    auto* self = static_cast<TcpConnection*>(handle->data);
    std::span<std::uint8_t> space = self->framer_.read_space();
    *buf = uv_buf_init(reinterpret_cast<char*>(space.data()), static_cast<unsigned>(space.size()));
}

void TcpConnection::on_read(uv_stream_t* stream, ssize_t nread, const uv_buf_t* /*buf*/) {
    auto* self = static_cast<TcpConnection*>(stream->data);
    if (self->closing_) return;
    if (nread == 0) return;  // EAGAIN
    if (nread == UV_EOF) {
        // The client has sent all it will: answer what is whole, then close.
        self->finish();
        return;
    }
    if (nread < 0) {  // reset, or no buffer
        self->close();
        return;
    }
    self->framer_.commit(static_cast<std::size_t>(nread));
    self->touch(uv_hrtime());
    self->serve_buffered();
}

void TcpConnection::answer_buffered() {
    const ServingState* serving = nullptr;
    while (!closing_ && queued_.size() < output_limit) {
        std::span<const std::uint8_t> query;
        TcpFramer::Next next = framer_.next(query);
        if (next == TcpFramer::Next::incomplete) return;
        if (next == TcpFramer::Next::zero_length) {
            finishing_ = true;  // answer nothing more; close once written
            return;
        }
        if (owner_.handoff_ && is_transfer_query(query)) {
            // Answered elsewhere, after what is queued has been written.
            handing_off_.reserve(2 + query.size() + framer_.buffered());
            handing_off_.push_back(static_cast<std::uint8_t>(query.size() >> 8));
            handing_off_.push_back(static_cast<std::uint8_t>(query.size() & 0xff));
            handing_off_.insert(handing_off_.end(), query.begin(), query.end());
            const auto rest = framer_.unconsumed();
            handing_off_.insert(handing_off_.end(), rest.begin(), rest.end());
            finishing_ = true;
            return;
        }
        if (serving == nullptr) serving = &owner_.context_.serving.current();
        AnswerStats stats;
        const GuardContext guard{serving->guard.get()};  // cookies; no rate limit over TCP
        std::size_t length = owner_.context_.engine.answer(query, *serving->zones, client_, owner_.response_,
                                                           serving->health.get(), &stats, serving->transfers.get(),
                                                           &guard);
        owner_.context_.counters.count(Transport::tcp, length, stats);
        if (length == 0) continue;
        if (stats.notify_accepted && owner_.context_.notified) owner_.context_.notified(stats.zone_slot);
        queued_.push_back(static_cast<std::uint8_t>(length >> 8));
        queued_.push_back(static_cast<std::uint8_t>(length & 0xff));
        queued_.insert(queued_.end(), owner_.response_.data(), owner_.response_.data() + length);
    }
}

void TcpConnection::write_queued() {
    if (closing_ || write_in_flight_ || queued_.empty()) return;
    // Most responses fit in the socket's buffer: try without a request first.
    uv_buf_t buf = uv_buf_init(reinterpret_cast<char*>(queued_.data()), static_cast<unsigned>(queued_.size()));
    std::uint64_t before_write = uv_hrtime();  // see touch(): not after the client can have the bytes
    int written = uv_try_write(stream(), &buf, 1);
    if (written == static_cast<int>(queued_.size())) {
        queued_.clear();
        touch(before_write);
        return;
    }
    if (written > 0) {
        queued_.erase(queued_.begin(), queued_.begin() + written);
    } else if (written != UV_EAGAIN) {
        close();  // the client has gone
        return;
    }
    writing_.swap(queued_);  // the emptied buffer is reused for what comes next
    queued_.clear();
    buf = uv_buf_init(reinterpret_cast<char*>(writing_.data()), static_cast<unsigned>(writing_.size()));
    if (uv_write(&write_request_, stream(), &buf, 1, on_write) != 0) {
        close();
        return;
    }
    write_in_flight_ = true;
}

void TcpConnection::on_write(uv_write_t* request, int status) {
    auto* self = static_cast<TcpConnection*>(request->data);
    self->write_in_flight_ = false;
    if (self->closing_) return;  // UV_ECANCELED: the close callback frees us next
    if (status < 0) {  // the client closed mid-response
        self->close();
        return;
    }
    self->writing_.clear();
    // Only when the response outgrew the socket's buffer: libuv made the last
    // write before this callback, so the stamp may trail it (see touch()).
    self->touch(uv_hrtime());
    self->serve_buffered();  // frames left behind by backpressure
}

void TcpConnection::serve_buffered() {
    answer_buffered();
    write_queued();
    if (closing_) return;
    if (finishing_ && !write_in_flight_ && queued_.empty()) {
        close_or_hand_off();
        return;
    }
    update_reading();
}

void TcpConnection::hand_off() {
    uv_os_fd_t fd = -1;
    if (uv_fileno(reinterpret_cast<uv_handle_t*>(&handle_), &fd) != 0) return;
    // A second descriptor of the same socket: closing the handle closes ours only.
    Fd socket(::dup(fd));
    if (!socket) return;  // out of descriptors: the client sees the connection close
    owner_.handoff_(HandedOffConnection{std::move(socket), client_, std::move(handing_off_)});
}

void TcpConnection::update_reading() {
    if (closing_) return;
    bool want = !finishing_ && queued_.size() < output_limit;
    if (want && !reading_) {
        if (uv_read_start(stream(), on_alloc, on_read) != 0) {
            close();
            return;
        }
        reading_ = true;
    } else if (!want && reading_) {
        uv_read_stop(stream());
        reading_ = false;
    }
}

// ---- TcpClients -------------------------------------------------------------

TcpClients::TcpClients(uv_loop_t* loop, std::size_t worker_index, AnswerContext context, TcpClientLimit& limit,
                       std::uint64_t idle_timeout_ms, std::span<std::uint8_t> response_buffer,
                       TransferHandoff handoff)
    : loop_(loop),
      index_(worker_index),
      context_(context),
      limit_(limit),
      idle_timeout_ms_(idle_timeout_ms),
      response_(response_buffer),
      handoff_(std::move(handoff)) {
    uv_timer_init(loop_, &idle_timer_);
    idle_timer_.data = this;
    uv_async_init(loop_, &evict_async_, on_evict_request);
    evict_async_.data = this;
    std::lock_guard lock(limit_.slots[index_].wake_lock);
    limit_.slots[index_].wake = &evict_async_;
}

void TcpClients::accept(uv_stream_t* server) {
    auto* connection = new TcpConnection(*this);
    if (uv_accept(server, connection->stream()) != 0 || draining_) {
        connection->close();
        return;
    }
    if (limit_.count.fetch_add(1, std::memory_order_relaxed) >= limit_.max && !evict_oldest_anywhere()) {
        limit_.count.fetch_sub(1, std::memory_order_relaxed);
        connection->close();
        return;
    }
    connection->counted_ = true;
    connection->learn_peer();
    uv_tcp_nodelay(&connection->handle_, 1);
    connection->touch(uv_hrtime());
    arm_idle_timer();
    connection->update_reading();
}

bool TcpClients::evict_oldest_anywhere() {
    std::size_t victim = limit_.workers;
    std::uint64_t oldest = UINT64_MAX;
    for (std::size_t i = 0; i < limit_.workers; ++i) {
        std::uint64_t when = limit_.slots[i].oldest.load(std::memory_order_relaxed);
        if (when < oldest) {
            oldest = when;
            victim = i;
        }
    }
    if (victim == limit_.workers) return false;  // nobody to evict
    if (victim == index_) {
        if (list_.empty()) return false;
        list_.front()->close();  // gives back its slot; the new client takes it
        return true;
    }
    // The other worker closes its oldest client when it wakes: until then the
    // count is over the limit by the evictions in flight.
    TcpClientLimit::Slot& slot = limit_.slots[victim];
    std::lock_guard lock(slot.wake_lock);
    if (slot.wake == nullptr) return false;  // it is shutting down
    slot.evictions.fetch_add(1, std::memory_order_relaxed);
    uv_async_send(slot.wake);
    return true;
}

void TcpClients::on_evict_request(uv_async_t* async) {
    auto* self = static_cast<TcpClients*>(async->data);
    unsigned evictions = self->limit_.slots[self->index_].evictions.exchange(0, std::memory_order_relaxed);
    for (; evictions > 0 && !self->list_.empty(); --evictions) self->list_.front()->close();
}

void TcpClients::publish_oldest() {
    limit_.slots[index_].oldest.store(list_.empty() ? UINT64_MAX : list_.front()->last_activity(),
                                      std::memory_order_relaxed);
}

void TcpClients::touched(TcpConnection& connection, std::uint64_t when) {
    connection.last_activity_ = when;  // never earlier than the list's back: taken on this thread, after its stamp
    list_.move_to_back(connection);
    publish_oldest();
}

void TcpClients::closed(TcpConnection& connection) {
    list_.remove(connection);
    publish_oldest();
    if (connection.counted_) {
        connection.counted_ = false;
        limit_.count.fetch_sub(1, std::memory_order_relaxed);
    }
    if (draining_ && list_.empty() && grace_timer_open_) {
        grace_timer_open_ = false;
        uv_close(reinterpret_cast<uv_handle_t*>(&grace_timer_), nullptr);
    }
}

void TcpClients::arm_idle_timer() {
    if (draining_) return;
    if (list_.empty()) {
        uv_timer_stop(&idle_timer_);
        return;
    }
    if (uv_is_active(reinterpret_cast<uv_handle_t*>(&idle_timer_))) return;
    std::uint64_t due = list_.front()->last_activity() + idle_timeout_ms_ * ns_per_ms;
    std::uint64_t now = uv_hrtime();
    uv_timer_start(&idle_timer_, on_idle_timer, due > now ? (due - now + ns_per_ms - 1) / ns_per_ms : 0, 0);
}

void TcpClients::on_idle_timer(uv_timer_t* timer) {
    auto* self = static_cast<TcpClients*>(timer->data);
    std::uint64_t now = uv_hrtime();
    while (TcpConnection* oldest = self->list_.front()) {
        if (oldest->last_activity() + self->idle_timeout_ms_ * ns_per_ms > now) break;
        oldest->close();
    }
    self->arm_idle_timer();
}

void TcpClients::drain(std::uint64_t grace_ms) {
    if (draining_) return;
    draining_ = true;
    uv_close(reinterpret_cast<uv_handle_t*>(&idle_timer_), nullptr);
    {
        std::lock_guard lock(limit_.slots[index_].wake_lock);
        limit_.slots[index_].wake = nullptr;  // no other worker sends to it from now on
    }
    uv_close(reinterpret_cast<uv_handle_t*>(&evict_async_), nullptr);
    for (TcpConnection* connection = list_.front(); connection != nullptr;) {
        TcpConnection* next = decltype(list_)::next(*connection);
        connection->finish();
        connection = next;
    }
    if (list_.empty()) return;
    uv_timer_init(loop_, &grace_timer_);
    grace_timer_.data = this;
    grace_timer_open_ = true;
    uv_timer_start(&grace_timer_, on_grace_timer, grace_ms, 0);
}

void TcpClients::on_grace_timer(uv_timer_t* timer) {
    auto* self = static_cast<TcpClients*>(timer->data);
    while (TcpConnection* connection = self->list_.front()) connection->close();  // the last one closes this timer
}

}  // namespace azdns
