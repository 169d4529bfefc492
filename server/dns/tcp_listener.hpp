// One listening TCP socket of one worker; accepted clients go to the
// worker's TcpClients.
#pragma once

#include <uv.h>

#include <string>

#include "listen_socket.hpp"
#include "tcp_connection.hpp"

namespace azdns {

class TcpListener {
public:
    // Starts accepting on `socket` (already bound and listening). On failure
    // returns nullptr with `error` set. Frees itself once close() completes.
    static TcpListener* start(uv_loop_t* loop, Fd socket, TcpClients& clients, std::string& error);

    TcpListener(const TcpListener&) = delete;
    TcpListener& operator=(const TcpListener&) = delete;

    void close();

private:
    explicit TcpListener(TcpClients& clients) : clients_(clients) {}
    ~TcpListener() = default;

    static void on_connection(uv_stream_t* server, int status);
    static void on_closed(uv_handle_t* handle);

    uv_tcp_t handle_{};
    TcpClients& clients_;
    bool closing_ = false;
};

}  // namespace azdns
