// sd_notify_state against a notification socket of our own, as systemd
// would bind it: a filesystem path and an abstract ('@') name.
#include <doctest/doctest.h>

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <optional>
#include <random>
#include <string>

#include "sd_notify.hpp"

namespace {

std::string unique_suffix() {
    std::random_device random;
    return std::to_string(::getpid()) + '-' + std::to_string(random());
}

// A bound AF_UNIX datagram socket; `name` as it goes into NOTIFY_SOCKET.
struct NotifySocket {
    int fd = -1;
    std::string name;
    std::filesystem::path file;  // empty for an abstract socket

    explicit NotifySocket(bool abstract) {
        fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        REQUIRE(fd >= 0);
        sockaddr_un address{};
        address.sun_family = AF_UNIX;
        socklen_t length;
        if (abstract) {
            name = "@azdns-sd-notify-test-" + unique_suffix();
            std::memcpy(address.sun_path + 1, name.data() + 1, name.size() - 1);
            length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + name.size());
        } else {
            file = std::filesystem::temp_directory_path() / ("azdns-sd-notify-" + unique_suffix());
            name = file.string();
            REQUIRE(name.size() < sizeof(address.sun_path));
            std::memcpy(address.sun_path, name.c_str(), name.size() + 1);
            length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + name.size() + 1);
        }
        REQUIRE(::bind(fd, reinterpret_cast<const sockaddr*>(&address), length) == 0);
    }
    ~NotifySocket() {
        if (fd >= 0) ::close(fd);
        if (!file.empty()) std::filesystem::remove(file);
    }
    NotifySocket(const NotifySocket&) = delete;
    NotifySocket& operator=(const NotifySocket&) = delete;

    // The next datagram, or nothing within `timeout_ms`.
    std::optional<std::string> receive(int timeout_ms = 2000) const {
        pollfd wait{fd, POLLIN, 0};
        if (::poll(&wait, 1, timeout_ms) != 1) return std::nullopt;
        char buffer[4096];
        ssize_t got = ::recv(fd, buffer, sizeof buffer, 0);
        if (got < 0) return std::nullopt;
        return std::string(buffer, static_cast<std::size_t>(got));
    }
};

// Sets NOTIFY_SOCKET for one test and restores what was there.
struct NotifyEnv {
    std::optional<std::string> saved;
    explicit NotifyEnv(const char* value) {
        if (const char* old = std::getenv("NOTIFY_SOCKET")) saved = old;
        if (value != nullptr) ::setenv("NOTIFY_SOCKET", value, 1);
        else ::unsetenv("NOTIFY_SOCKET");
    }
    ~NotifyEnv() {
        if (saved) ::setenv("NOTIFY_SOCKET", saved->c_str(), 1);
        else ::unsetenv("NOTIFY_SOCKET");
    }
};

}  // namespace

TEST_SUITE("server_sd_notify") {

TEST_CASE("READY=1 reaches a socket named by a filesystem path") {
    NotifySocket socket{false};
    NotifyEnv env{socket.name.c_str()};
    azdns::sd_notify_state("READY=1");
    CHECK(socket.receive() == std::optional<std::string>("READY=1"));
    azdns::sd_notify_state("STOPPING=1");
    CHECK(socket.receive() == std::optional<std::string>("STOPPING=1"));
}

TEST_CASE("READY=1 reaches a socket in the abstract namespace ('@' prefix)") {
    NotifySocket socket{true};
    NotifyEnv env{socket.name.c_str()};
    azdns::sd_notify_state("READY=1");
    CHECK(socket.receive() == std::optional<std::string>("READY=1"));
}

TEST_CASE("a reload is announced with RELOADING=1 and the monotonic time, in one datagram") {
    NotifySocket socket{true};
    NotifyEnv env{socket.name.c_str()};
    timespec before{};
    ::clock_gettime(CLOCK_MONOTONIC, &before);
    azdns::sd_notify_state(azdns::sd_reloading_state());
    auto message = socket.receive();
    REQUIRE(message);
    const std::string prefix = "RELOADING=1\nMONOTONIC_USEC=";
    REQUIRE(message->rfind(prefix, 0) == 0);
    std::string digits = message->substr(prefix.size());
    REQUIRE(!digits.empty());
    CHECK(digits.find_first_not_of("0123456789") == std::string::npos);
    unsigned long long usec = std::stoull(digits);
    unsigned long long before_usec =
        static_cast<unsigned long long>(before.tv_sec) * 1000000ULL + static_cast<unsigned long long>(before.tv_nsec) / 1000ULL;
    CHECK(usec >= before_usec);
    CHECK(usec < before_usec + 60ULL * 1000000ULL);
}

TEST_CASE("without NOTIFY_SOCKET, or with one that cannot be reached, nothing happens and nothing fails") {
    NotifySocket socket{false};
    {
        NotifyEnv env{nullptr};
        azdns::sd_notify_state("READY=1");
    }
    {
        NotifyEnv env{""};
        azdns::sd_notify_state("READY=1");
    }
    {
        std::string missing = socket.name + "-missing";
        NotifyEnv env{missing.c_str()};
        azdns::sd_notify_state("READY=1");
    }
    {
        NotifyEnv env{"relative/path"};
        azdns::sd_notify_state("READY=1");
    }
    {
        std::string too_long = "/" + std::string(300, 'x');
        NotifyEnv env{too_long.c_str()};
        azdns::sd_notify_state("READY=1");
    }
    {
        NotifyEnv env{"@azdns-sd-notify-test-nobody-listens"};
        azdns::sd_notify_state("READY=1");
    }
    CHECK(!socket.receive(100));  // none of those went to our socket
}

}  // TEST_SUITE
