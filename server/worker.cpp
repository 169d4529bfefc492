#include "worker.hpp"

#include "log.hpp"
#include "tcp_listener.hpp"

namespace azdns {

namespace {

uv_loop_t* init_loop(uv_loop_t* loop) {
    uv_loop_init(loop);
    return loop;
}

}  // namespace

Worker::Worker(unsigned index, WorkerShared shared, std::vector<ListenSockets> sockets)
    : index_(index),
      shared_(shared),
      zones_(shared.zones),
      udp_batch_(shared.engine.max_response_size(Transport::udp)),
      tcp_response_(new std::uint8_t[max_message_size]),
      tcp_clients_(init_loop(&loop_), index, AnswerContext{shared.engine, zones_}, shared.tcp_limit,
                   shared.tcp_idle_timeout_ms, {tcp_response_.get(), max_message_size}) {
    uv_async_init(&loop_, &stop_async_, on_stop);
    stop_async_.data = this;
    AnswerContext context{shared.engine, zones_};
    for (auto& socket : sockets) {
        std::string error;
        if (auto* udp = UdpListener::start(&loop_, std::move(socket.udp), socket.udp_pktinfo, context, udp_batch_, error))
            udp_listeners_.push_back(udp);
        else if (error_.empty())
            error_ = error;
        if (auto* tcp = TcpListener::start(&loop_, std::move(socket.tcp), tcp_clients_, error))
            tcp_listeners_.push_back(tcp);
        else if (error_.empty())
            error_ = error;
    }
}

Worker::~Worker() {
    join();
}

void Worker::start() {
    thread_ = std::thread([this] { run(); });
}

void Worker::stop() {
    uv_async_send(&stop_async_);  // the only call that crosses threads
}

void Worker::join() {
    if (thread_.joinable()) thread_.join();
}

void Worker::run() {
    uv_run(&loop_, UV_RUN_DEFAULT);  // returns once every handle is closed
    if (uv_loop_close(&loop_) != 0) log_line("worker " + std::to_string(index_) + ": loop closed with open handles");
}

void Worker::on_stop(uv_async_t* async) {
    auto* self = static_cast<Worker*>(async->data);
    for (auto* udp : self->udp_listeners_) udp->close();
    for (auto* tcp : self->tcp_listeners_) tcp->close();
    self->udp_listeners_.clear();
    self->tcp_listeners_.clear();
    uv_close(reinterpret_cast<uv_handle_t*>(&self->stop_async_), nullptr);
    self->tcp_clients_.drain(self->shared_.shutdown_grace_ms);
}

}  // namespace azdns
