// Shared by the control server's suites: a raw HTTP client over loopback,
// and a ControlServer on a free port with a fake backend.
#pragma once

#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <map>
#include <optional>
#include <string>

#include "control_server.hpp"
#include "fake_control_backend.hpp"

namespace azdns::control_test {

using azdns::ControlLimits;
using azdns::ControlServer;
using azdns::testing::FakeControlBackend;
using nlohmann::json;
using namespace std::chrono_literals;

// The reason of the last fence call, or "" if there was none.
inline std::string last_reason(FakeControlBackend& backend) {
    auto fences = backend.fences();
    return fences.empty() ? std::string() : fences.back().reason;
}

inline azdns::ListenAddress loopback_any_port() { return {{{azdns::IpFamily::v4, {127, 0, 0, 1}}, 0}, {}}; }

struct Response {
    int status = 0;
    std::map<std::string, std::string> headers;  // names lower-cased
    std::string body;
};

// A raw HTTP client: sends bytes as given, reads responses by Content-Length.
class Client {
public:
    explicit Client(std::uint16_t port) {
        fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        REQUIRE(fd_ >= 0);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_port = htons(port);
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        REQUIRE(::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
    }
    Client(const Client&) = delete;
    Client& operator=(const Client&) = delete;
    ~Client() { ::close(fd_); }

    void send(const std::string& bytes) {
        std::size_t sent = 0;
        while (sent < bytes.size()) {
            ssize_t n = ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
            if (n <= 0) return;  // the server may have closed already
            sent += static_cast<std::size_t>(n);
        }
    }

    // The next response, or nullopt if the connection closed or 5 s passed first.
    std::optional<Response> response() {
        for (;;) {
            auto end = buffer_.find("\r\n\r\n");
            if (end != std::string::npos) {
                Response response;
                std::string head = buffer_.substr(0, end);
                std::size_t line_end = head.find("\r\n");
                std::string status_line = head.substr(0, line_end);
                REQUIRE(status_line.starts_with("HTTP/1.1 "));
                response.status = std::stoi(status_line.substr(9, 3));
                std::size_t at = line_end;
                while (at != std::string::npos && at < head.size()) {
                    std::size_t next = head.find("\r\n", at + 2);
                    std::string line = head.substr(at + 2, next == std::string::npos ? std::string::npos : next - at - 2);
                    auto colon = line.find(':');
                    std::string name = line.substr(0, colon);
                    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
                    std::string value = line.substr(colon + 1);
                    while (!value.empty() && value.front() == ' ') value.erase(0, 1);
                    response.headers[name] = value;
                    at = next;
                }
                if (response.status == 100) {
                    buffer_.erase(0, end + 4);
                    return response;
                }
                REQUIRE(response.headers.count("content-length") == 1);
                std::size_t length = std::stoul(response.headers["content-length"]);
                if (buffer_.size() >= end + 4 + length) {
                    response.body = buffer_.substr(end + 4, length);
                    buffer_.erase(0, end + 4 + length);
                    return response;
                }
            }
            if (!read_more(5s)) return std::nullopt;
        }
    }

    // True when the server closes the connection within `timeout` (any bytes before are dropped).
    bool closed_within(std::chrono::milliseconds timeout) {
        auto deadline = std::chrono::steady_clock::now() + timeout;
        for (;;) {
            auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
            if (left.count() <= 0) return false;
            pollfd entry{fd_, POLLIN, 0};
            if (::poll(&entry, 1, static_cast<int>(left.count())) <= 0) return false;
            char chunk[4096];
            ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
            if (n <= 0) return true;
        }
    }

private:
    bool read_more(std::chrono::milliseconds timeout) {
        pollfd entry{fd_, POLLIN, 0};
        if (::poll(&entry, 1, static_cast<int>(timeout.count())) <= 0) return false;
        char chunk[16384];
        ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
        if (n <= 0) return false;
        buffer_.append(chunk, static_cast<std::size_t>(n));
        return true;
    }

    int fd_ = -1;
    std::string buffer_;
};

inline const std::string get_status = "GET /v1/status HTTP/1.1\r\nHost: x\r\n\r\n";

struct Running {
    FakeControlBackend backend;
    ControlServer server;
    explicit Running(std::string token = {}, ControlLimits limits = {}, std::string fleet_token = {})
        : server(loopback_any_port(), std::move(token), std::move(fleet_token), backend, {}, limits) {
        std::string error;
        REQUIRE_MESSAGE(server.start(error), error);
        REQUIRE(server.port() != 0);
    }
};


// The 401 of a request with a body: it goes out as soon as the head is in,
// and the connection closes without the body being read.
inline void check_refused_unread(Client& client) {
    auto response = client.response();
    REQUIRE(response);
    CHECK(response->status == 401);
    CHECK(response->headers["www-authenticate"] == "Bearer realm=\"azdns\"");
    CHECK(json::parse(response->body)["error"] == "this control API needs \"Authorization: Bearer TOKEN\"");
    CHECK(response->headers["connection"] == "close");
    CHECK(client.closed_within(3s));
}

}  // namespace azdns::control_test
