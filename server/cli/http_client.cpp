#include "http_client.hpp"

#include "ascii.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <http_parser.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace azdns {

namespace {

constexpr std::size_t max_response_bytes = 64 * 1024 * 1024;

std::string seconds_text(std::chrono::milliseconds timeout) {
    if (timeout.count() % 1000 == 0) return std::to_string(timeout.count() / 1000) + "s";
    return std::to_string(timeout.count()) + "ms";
}

class Socket {
public:
    explicit Socket(int fd) : fd_(fd) {}
    Socket(const Socket&) = delete;
    Socket& operator=(const Socket&) = delete;
    ~Socket() {
        if (fd_ >= 0) ::close(fd_);
    }
    [[nodiscard]] int get() const { return fd_; }

private:
    int fd_;
};

// 1 ready, 0 timed out, -1 error (errno set).
int wait_for(int fd, short events, std::chrono::milliseconds timeout) {
    pollfd entry{fd, events, 0};
    for (;;) {
        int rc = ::poll(&entry, 1, static_cast<int>(timeout.count()));
        if (rc < 0 && errno == EINTR) continue;
        return rc > 0 ? 1 : rc;
    }
}

int connect_to(const addrinfo& address, std::chrono::milliseconds timeout, std::string& error) {
    int fd = ::socket(address.ai_family, address.ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, address.ai_protocol);
    if (fd < 0) {
        error = std::strerror(errno);
        return -1;
    }
    if (::connect(fd, address.ai_addr, address.ai_addrlen) != 0) {
        if (errno != EINPROGRESS) {
            error = std::strerror(errno);
            ::close(fd);
            return -1;
        }
        int ready = wait_for(fd, POLLOUT, timeout);
        int problem = 0;
        socklen_t length = sizeof problem;
        if (ready == 0) {
            error = "timed out after " + seconds_text(timeout) + " connecting";
        } else if (ready < 0 || ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &problem, &length) != 0) {
            error = std::strerror(errno);
        } else if (problem != 0) {
            error = std::strerror(problem);
        }
        if (ready <= 0 || problem != 0) {
            ::close(fd);
            return -1;
        }
    }
    return fd;
}

struct ResponseParser {
    HttpResponse* response = nullptr;
    std::string field;
    std::string value;
    bool in_value = false;
    bool complete = false;

    void end_header() {
        if (in_value) response->headers.emplace_back(std::move(field), std::move(value));
        field.clear();
        value.clear();
        in_value = false;
    }

    static ResponseParser* of(http_parser* parser) { return static_cast<ResponseParser*>(parser->data); }
    static http_parser_settings settings() {
        http_parser_settings s{};
        s.on_header_field = [](http_parser* p, const char* at, std::size_t n) {
            of(p)->end_header();
            of(p)->field.append(at, n);
            return 0;
        };
        s.on_header_value = [](http_parser* p, const char* at, std::size_t n) {
            of(p)->in_value = true;
            of(p)->value.append(at, n);
            return 0;
        };
        s.on_headers_complete = [](http_parser* p) {
            of(p)->end_header();
            return 0;
        };
        s.on_body = [](http_parser* p, const char* at, std::size_t n) {
            if (of(p)->response->body.size() + n > max_response_bytes) return -1;
            of(p)->response->body.append(at, n);
            return 0;
        };
        s.on_message_complete = [](http_parser* p) {
            of(p)->complete = true;
            return 0;
        };
        return s;
    }
};

}  // namespace

std::string HttpUrl::authority() const {
    bool v6 = host.find(':') != std::string::npos;
    return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

std::optional<HttpUrl> parse_http_url(std::string_view url, std::string& error) {
    const std::string given(url);
    if (auto scheme = url.find("://"); scheme != std::string_view::npos) {
        std::string_view name = url.substr(0, scheme);
        if (ascii_iequals(name, "https")) {
            error = "\"" + given + "\": https:// is not supported; the control API speaks plain HTTP";
            return std::nullopt;
        }
        if (!ascii_iequals(name, "http")) {
            error = "\"" + given + "\": only http:// URLs are supported";
            return std::nullopt;
        }
        url.remove_prefix(scheme + 3);
    }
    auto end = url.find_first_of("/?#");
    std::string_view authority = url.substr(0, end);
    std::string_view rest = end == std::string_view::npos ? std::string_view{} : url.substr(end);
    HttpUrl result;
    std::string_view port_text;
    if (authority.find('@') != std::string_view::npos) {
        error = "\"" + given + "\": user information in the URL is not supported";
        return std::nullopt;
    }
    if (authority.starts_with("[")) {
        auto close = authority.find(']');
        if (close == std::string_view::npos) {
            error = "\"" + given + "\": missing ']' after the IPv6 address";
            return std::nullopt;
        }
        result.host = std::string(authority.substr(1, close - 1));
        in6_addr ignored{};
        if (inet_pton(AF_INET6, result.host.c_str(), &ignored) != 1) {
            error = "\"" + given + "\": \"" + result.host + "\" is not an IPv6 address";
            return std::nullopt;
        }
        std::string_view after = authority.substr(close + 1);
        if (!after.empty()) {
            if (after.front() != ':') {
                error = "\"" + given + "\": expected ':PORT' after ']'";
                return std::nullopt;
            }
            port_text = after.substr(1);
            if (port_text.empty()) port_text = "x";
        }
    } else {
        auto colon = authority.find(':');
        if (colon != std::string_view::npos && authority.find(':', colon + 1) != std::string_view::npos) {
            error = "\"" + given + "\": put an IPv6 address in brackets, as in http://[::1]:8053";
            return std::nullopt;
        }
        result.host = std::string(authority.substr(0, colon));
        if (colon != std::string_view::npos) {
            port_text = authority.substr(colon + 1);
            if (port_text.empty()) port_text = "x";
        }
    }
    if (result.host.empty()) {
        error = "\"" + given + "\": no host";
        return std::nullopt;
    }
    if (!port_text.empty()) {
        unsigned long port = 0;
        bool digits = port_text.size() <= 5 && std::all_of(port_text.begin(), port_text.end(),
                                                            [](char c) { return c >= '0' && c <= '9'; });
        if (digits) port = std::stoul(std::string(port_text));
        if (!digits || port == 0 || port > 65535) {
            error = "\"" + given + "\": invalid port \"" + std::string(port_text) + "\"";
            return std::nullopt;
        }
        result.port = static_cast<std::uint16_t>(port);
    }
    rest = rest.substr(0, rest.find_first_of("?#"));
    while (rest.ends_with("/")) rest.remove_suffix(1);
    result.path = std::string(rest);
    return result;
}

std::string HttpResponse::header(std::string_view name) const {
    for (const auto& [key, value] : headers)
        if (ascii_iequals(key, name)) return value;
    return {};
}

bool http_exchange(const HttpUrl& url, const HttpRequest& request, HttpResponse& response, std::string& error,
                   std::chrono::milliseconds timeout) {
    response = HttpResponse{};
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV;
    addrinfo* found = nullptr;
    const std::string port = std::to_string(url.port);
    if (int rc = ::getaddrinfo(url.host.c_str(), port.c_str(), &hints, &found); rc != 0) {
        error = "cannot resolve \"" + url.host + "\": " + gai_strerror(rc);
        return false;
    }
    int fd = -1;
    std::string connect_error = "no address";
    for (addrinfo* address = found; address != nullptr && fd < 0; address = address->ai_next)
        fd = connect_to(*address, timeout, connect_error);
    ::freeaddrinfo(found);
    if (fd < 0) {
        error = "cannot connect: " + connect_error;
        return false;
    }
    Socket socket(fd);

    std::string text = request.method + ' ' + url.path + request.target + " HTTP/1.1\r\n";
    text += "Host: " + url.authority() + "\r\n";
    text += "User-Agent: azdns-ctl\r\nAccept: application/json\r\nConnection: close\r\n";
    for (const auto& [name, value] : request.headers) text += name + ": " + value + "\r\n";
    if (!request.body.empty() || request.method == "POST" || request.method == "PUT")
        text += "Content-Length: " + std::to_string(request.body.size()) + "\r\n";
    text += "\r\n";
    text += request.body;

    for (std::size_t sent = 0; sent < text.size();) {
        ssize_t n = ::send(fd, text.data() + sent, text.size() - sent, MSG_NOSIGNAL);
        if (n > 0) {
            sent += static_cast<std::size_t>(n);
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            int ready = wait_for(fd, POLLOUT, timeout);
            if (ready == 0) {
                error = "timed out after " + seconds_text(timeout) + " sending the request";
                return false;
            }
            if (ready > 0) continue;
        }
        error = std::string("cannot send the request: ") + std::strerror(errno);
        return false;
    }

    http_parser parser{};
    http_parser_init(&parser, HTTP_RESPONSE);
    ResponseParser state;
    state.response = &response;
    parser.data = &state;
    static const http_parser_settings settings = ResponseParser::settings();
    char buffer[16 * 1024];
    while (!state.complete) {
        ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            int ready = wait_for(fd, POLLIN, timeout);
            if (ready == 0) {
                error = "timed out after " + seconds_text(timeout) + " waiting for the response";
                return false;
            }
            if (ready > 0) continue;
        }
        if (n < 0) {
            error = std::string("cannot read the response: ") + std::strerror(errno);
            return false;
        }
        http_parser_execute(&parser, &settings, buffer, static_cast<std::size_t>(n));  // n == 0: end of input
        if (HTTP_PARSER_ERRNO(&parser) != HPE_OK) {
            error = std::string("malformed HTTP response: ") + http_errno_description(HTTP_PARSER_ERRNO(&parser));
            return false;
        }
        if (n == 0 && !state.complete) {
            error = "the server closed the connection before a complete response";
            return false;
        }
    }
    response.status = static_cast<int>(parser.status_code);
    return true;
}

}  // namespace azdns
