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
      own_counters_(shared.query_counters == nullptr ? std::make_unique<QueryCounterRegistry>() : nullptr),
      counters_(shared.query_counters != nullptr ? *shared.query_counters : *own_counters_),
      serving_(shared.serving),
      tcp_response_(new std::uint8_t[max_message_size]),
      tcp_clients_(init_loop(&loop_), index, AnswerContext{shared.engine, serving_, counters_.add(), shared_.secondary_notified}, shared.tcp_limit,
                   shared.tcp_idle_timeout_ms, {tcp_response_.get(), max_message_size}, shared.transfer_handoff) {
    uv_async_init(&loop_, &stop_async_, on_stop);
    stop_async_.data = this;
    for (std::size_t i = 0; i < sockets.size(); ++i) {
        ListenSockets& socket = sockets[i];
        std::string error;
        std::string name = "azdns-udp" + std::to_string(index) + "." + std::to_string(i);
        if (name.size() > 15) name.resize(15);
        if (auto udp = UdpListener::open(std::move(socket.udp), socket.udp_pktinfo, shared.engine, shared.serving,
                                         counters_.add(), std::move(name), shared_.secondary_notified, error))
            udp_listeners_.push_back(std::move(udp));
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
    for (auto& udp : udp_listeners_) udp->start();
}

void Worker::stop() {
    for (auto& udp : udp_listeners_) udp->stop();
    uv_async_send(&stop_async_);  // the loop's only call from another thread
}

void Worker::join() {
    for (auto& udp : udp_listeners_) udp->join();
    if (thread_.joinable()) thread_.join();
}

void Worker::run() {
    uv_run(&loop_, UV_RUN_DEFAULT);  // returns once every handle is closed
    if (uv_loop_close(&loop_) != 0) log_line("worker " + std::to_string(index_) + ": loop closed with open handles");
}

void Worker::on_stop(uv_async_t* async) {
    auto* self = static_cast<Worker*>(async->data);
    for (auto* tcp : self->tcp_listeners_) tcp->close();
    self->tcp_listeners_.clear();
    uv_close(reinterpret_cast<uv_handle_t*>(&self->stop_async_), nullptr);
    self->tcp_clients_.drain(self->shared_.shutdown_grace_ms);
}

}  // namespace azdns
