#include "udp_listener.hpp"

#include <cerrno>
#include <cstring>

#include "log.hpp"

namespace azdns {

namespace {

// Batches per wakeup: bounded so TCP clients on the same loop get their turn.
// The poll is level-triggered, so what is left is picked up on the next turn.
constexpr int max_batches_per_wakeup = 8;

// The reply leaves from the address the query was sent to: copy the
// destination of the query into the source of the reply. Returns the control
// length to send, 0 if the query carried no destination.
std::size_t reply_source(msghdr& query, unsigned char* control) {
    for (cmsghdr* cmsg = CMSG_FIRSTHDR(&query); cmsg != nullptr; cmsg = CMSG_NXTHDR(&query, cmsg)) {
        if (cmsg->cmsg_level == IPPROTO_IP && cmsg->cmsg_type == IP_PKTINFO) {
            in_pktinfo received;
            std::memcpy(&received, CMSG_DATA(cmsg), sizeof received);
            in_pktinfo reply{};
            reply.ipi_spec_dst = received.ipi_addr;  // let routing pick the interface
            auto* out = reinterpret_cast<cmsghdr*>(control);
            out->cmsg_level = IPPROTO_IP;
            out->cmsg_type = IP_PKTINFO;
            out->cmsg_len = CMSG_LEN(sizeof reply);
            std::memcpy(CMSG_DATA(out), &reply, sizeof reply);
            return CMSG_SPACE(sizeof reply);
        }
        if (cmsg->cmsg_level == IPPROTO_IPV6 && cmsg->cmsg_type == IPV6_PKTINFO) {
            // Address and interface both: link-local destinations need the interface.
            auto* out = reinterpret_cast<cmsghdr*>(control);
            out->cmsg_level = IPPROTO_IPV6;
            out->cmsg_type = IPV6_PKTINFO;
            out->cmsg_len = CMSG_LEN(sizeof(in6_pktinfo));
            std::memcpy(CMSG_DATA(out), CMSG_DATA(cmsg), sizeof(in6_pktinfo));
            return CMSG_SPACE(sizeof(in6_pktinfo));
        }
    }
    return 0;
}

}  // namespace

UdpBatch::UdpBatch(std::size_t max_response)
    : max_response(max_response),
      response_stride((max_response + 63) / 64 * 64),
      queries(new std::uint8_t[size * query_stride]),
      responses(new std::uint8_t[size * response_stride]) {
    for (std::size_t i = 0; i < size; ++i) {
        query_iov[i] = {queries.get() + i * query_stride, max_query};
        msghdr& in = received[i].msg_hdr;
        in.msg_name = &peers[i];
        in.msg_iov = &query_iov[i];
        in.msg_iovlen = 1;
        msghdr& out = replies[i].msg_hdr;
        out.msg_iov = &reply_iov[i];
        out.msg_iovlen = 1;
    }
}

void UdpBatch::prepare_receive(bool pktinfo) {
    std::size_t count = pktinfo == prepared_pktinfo_ ? dirty_ : size;
    for (std::size_t i = 0; i < count; ++i) {
        msghdr& in = received[i].msg_hdr;
        in.msg_namelen = sizeof(sockaddr_storage);
        in.msg_control = pktinfo ? received_control[i].bytes : nullptr;
        in.msg_controllen = pktinfo ? control_size : 0;
        in.msg_flags = 0;
    }
    prepared_pktinfo_ = pktinfo;
    dirty_ = 0;
}

UdpListener::UdpListener(Fd socket, bool pktinfo, AnswerContext context, UdpBatch& batch)
    : socket_(std::move(socket)), pktinfo_(pktinfo), context_(context), batch_(batch) {}

UdpListener* UdpListener::start(uv_loop_t* loop, Fd socket, bool pktinfo, AnswerContext context, UdpBatch& batch,
                                std::string& error) {
    auto* listener = new UdpListener(std::move(socket), pktinfo, context, batch);
    int rc = uv_poll_init(loop, &listener->poll_, listener->socket_.get());
    if (rc != 0) {
        error = std::string("cannot watch udp socket: ") + uv_strerror(rc);
        delete listener;  // the handle was never initialised
        return nullptr;
    }
    listener->poll_.data = listener;
    rc = uv_poll_start(&listener->poll_, UV_READABLE, on_readable);
    if (rc != 0) {
        error = std::string("cannot watch udp socket: ") + uv_strerror(rc);
        listener->close();
        return nullptr;
    }
    return listener;
}

void UdpListener::close() {
    if (closing_) return;
    closing_ = true;
    uv_close(reinterpret_cast<uv_handle_t*>(&poll_), on_closed);
}

void UdpListener::on_closed(uv_handle_t* handle) {
    delete static_cast<UdpListener*>(handle->data);  // closes the socket after the watcher is gone
}

void UdpListener::on_readable(uv_poll_t* poll, int status, int /*events*/) {
    auto* self = static_cast<UdpListener*>(poll->data);
    if (status < 0) {
        log_line(std::string("udp socket error: ") + uv_strerror(status));
        return;
    }
    for (int round = 0; round < max_batches_per_wakeup && !self->closing_; ++round)
        if (!self->answer_batch()) break;
}

bool UdpListener::answer_batch() {
    UdpBatch& b = batch_;
    b.prepare_receive(pktinfo_);
    int received;
    do {
        received = ::recvmmsg(socket_.get(), b.received.data(), UdpBatch::size, MSG_DONTWAIT, nullptr);
    } while (received < 0 && errno == EINTR);
    b.received_count(received);
    if (received <= 0) return false;  // EAGAIN: drained (other errors: the next wakeup retries)

    const ZoneSet& zones = context_.zones.current();  // one snapshot per batch
    unsigned replies = 0;
    for (int i = 0; i < received; ++i) {
        msghdr& in = b.received[i].msg_hdr;
        if ((in.msg_flags & MSG_TRUNC) != 0) continue;  // larger than any sane query: drop
        std::span<const std::uint8_t> query{b.queries.get() + i * UdpBatch::query_stride, b.received[i].msg_len};
        std::span<std::uint8_t> response{b.responses.get() + i * b.response_stride, b.max_response};
        std::size_t length = context_.engine.answer(query, zones, Transport::udp, response);
        if (length == 0) continue;

        msghdr& out = b.replies[replies].msg_hdr;
        out.msg_name = &b.peers[i];
        out.msg_namelen = in.msg_namelen;
        b.reply_iov[replies] = {response.data(), length};
        out.msg_iov = &b.reply_iov[replies];
        std::size_t control = pktinfo_ ? reply_source(in, b.reply_control[replies].bytes) : 0;
        out.msg_control = control != 0 ? b.reply_control[replies].bytes : nullptr;
        out.msg_controllen = control;
        out.msg_flags = 0;
        ++replies;
    }

    unsigned sent = 0;
    while (sent < replies) {
        int rc = ::sendmmsg(socket_.get(), b.replies.data() + sent, replies - sent, MSG_DONTWAIT);
        if (rc > 0) {
            sent += static_cast<unsigned>(rc);
        } else if (rc < 0 && errno == EINTR) {
            continue;
        } else if (rc < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS)) {
            break;  // the send queue is full: UDP may drop, the client retries
        } else {
            ++sent;  // this datagram cannot be sent (e.g. unreachable peer): skip it
        }
    }
    return received == static_cast<int>(UdpBatch::size);
}

}  // namespace azdns
