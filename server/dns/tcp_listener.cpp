#include "tcp_listener.hpp"

#include "log.hpp"

namespace azdns {

namespace {
constexpr int backlog = 1024;
}

TcpListener* TcpListener::start(uv_loop_t* loop, Fd socket, TcpClients& clients, std::string& error) {
    auto* listener = new TcpListener(clients);
    uv_tcp_init(loop, &listener->handle_);
    listener->handle_.data = listener;
    int rc = uv_tcp_open(&listener->handle_, socket.get());
    if (rc == 0) {
        (void)socket.release();  // the handle owns it now and closes it with itself
        rc = uv_listen(reinterpret_cast<uv_stream_t*>(&listener->handle_), backlog, on_connection);
    }
    if (rc != 0) {
        error = std::string("cannot accept tcp connections: ") + uv_strerror(rc);
        listener->close();
        return nullptr;
    }
    return listener;
}

void TcpListener::close() {
    if (closing_) return;
    closing_ = true;
    uv_close(reinterpret_cast<uv_handle_t*>(&handle_), on_closed);
}

void TcpListener::on_closed(uv_handle_t* handle) {
    delete static_cast<TcpListener*>(handle->data);
}

void TcpListener::on_connection(uv_stream_t* server, int status) {
    auto* self = static_cast<TcpListener*>(server->data);
    if (status < 0) {
        log_line(std::string("tcp accept failed: ") + uv_strerror(status));
        return;
    }
    self->clients_.accept(server);
}

}  // namespace azdns
