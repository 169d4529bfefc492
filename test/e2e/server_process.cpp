#include "server_process.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>

extern char** environ;

namespace azdns::e2e {

namespace {

using Clock = std::chrono::steady_clock;

// Binds `type` on loopback of `family` at `port` (0 = any); returns the port bound or 0.
std::uint16_t try_bind(int family, int type, std::uint16_t port) {
    int fd = socket(family, type | SOCK_CLOEXEC, 0);
    if (fd < 0) return 0;
    sockaddr_storage storage{};
    socklen_t length = 0;
    if (family == AF_INET) {
        auto* four = reinterpret_cast<sockaddr_in*>(&storage);
        four->sin_family = AF_INET;
        four->sin_port = htons(port);
        four->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        length = sizeof *four;
    } else {
        auto* six = reinterpret_cast<sockaddr_in6*>(&storage);
        six->sin6_family = AF_INET6;
        six->sin6_port = htons(port);
        six->sin6_addr = in6addr_loopback;
        length = sizeof *six;
    }
    std::uint16_t bound = 0;
    if (bind(fd, reinterpret_cast<sockaddr*>(&storage), length) == 0 &&
        getsockname(fd, reinterpret_cast<sockaddr*>(&storage), &length) == 0)
        bound = ntohs(family == AF_INET ? reinterpret_cast<sockaddr_in*>(&storage)->sin_port
                                        : reinterpret_cast<sockaddr_in6*>(&storage)->sin6_port);
    close(fd);
    return bound;
}

// The kernel's ephemeral range, from which connect() and bind(0) take ports.
std::pair<unsigned, unsigned> ephemeral_range() {
    unsigned low = 32768, high = 60999;
    std::ifstream("/proc/sys/net/ipv4/ip_local_port_range") >> low >> high;
    return {low, high};
}

// Holds an advisory lock on `port` for this process's life, so that test
// processes running side by side never pick the same one; the kernel drops
// the lock when the process ends, however it ends.
bool claim_for_this_process(std::uint16_t port) {
    const fs::path folder = fs::temp_directory_path() / "azdns-e2e-ports";
    std::error_code ignored;
    fs::create_directories(folder, ignored);
    const std::string file = (folder / std::to_string(port)).string();
    int fd = open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0666);
    if (fd < 0) return false;
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        close(fd);
        return false;
    }
    return true;  // fd stays open: the lock lasts until exit
}

}  // namespace

std::uint16_t free_port() {
    // Outside the ephemeral range: a probe's or a client's outgoing
    // connection can take an ephemeral port between our check and the
    // server's bind, which no check can prevent.
    const auto [low, high] = ephemeral_range();
    const unsigned first = low > 12000 ? 10000 : high + 1, last = low > 12000 ? low - 1 : 65535;
    thread_local std::mt19937 random(std::random_device{}() ^ static_cast<unsigned>(getpid()));
    std::uniform_int_distribution<unsigned> pick(first, last);
    for (int attempt = 0; attempt < 200; ++attempt) {
        const auto port = static_cast<std::uint16_t>(pick(random));
        if (try_bind(AF_INET, SOCK_STREAM, port) == port && try_bind(AF_INET, SOCK_DGRAM, port) == port &&
            try_bind(AF_INET6, SOCK_STREAM, port) == port && try_bind(AF_INET6, SOCK_DGRAM, port) == port &&
            claim_for_this_process(port))
            return port;
    }
    throw std::runtime_error("no free loopback port found in 200 attempts");
}

ChildProcess::~ChildProcess() { stop(); }

bool ChildProcess::spawn(const std::vector<std::string>& argv, const fs::path& output, bool append) {
    reaped_ = killed_ = false;
    exit_code_.reset();
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, output.c_str(), O_WRONLY | O_CREAT | (append ? O_APPEND : O_TRUNC), 0644);
    posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
    std::vector<char*> args;
    for (const auto& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
    args.push_back(nullptr);
    int spawned = posix_spawn(&pid_, args[0], &actions, nullptr, args.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (spawned != 0) pid_ = -1;
    return spawned == 0;
}

void ChildProcess::record(int status) {
    reaped_ = true;
    if (WIFEXITED(status)) exit_code_ = WEXITSTATUS(status);
    else exit_code_ = -1;
}

bool ChildProcess::running() {
    if (pid_ <= 0 || reaped_) return false;
    int status = 0;
    pid_t got = waitpid(pid_, &status, WNOHANG);
    if (got == pid_) {
        record(status);
        return false;
    }
    return got == 0;
}

int ChildProcess::stop(std::chrono::milliseconds grace) {
    if (pid_ <= 0) return -1;
    if (reaped_) return exit_code_.value_or(-1);
    kill(pid_, SIGTERM);
    auto deadline = Clock::now() + grace;
    int status = 0;
    while (Clock::now() < deadline) {
        pid_t got = waitpid(pid_, &status, WNOHANG);
        if (got == pid_) {
            record(status);
            return exit_code_.value_or(-1);
        }
        if (got < 0 && errno != EINTR) break;
        // Not a fixed sleep: a short, bounded poll interval while waiting for exit.
        poll(nullptr, 0, 20);
    }
    killed_ = true;
    kill(pid_, SIGKILL);
    waitpid(pid_, &status, 0);
    reaped_ = true;
    exit_code_ = -1;
    return -1;
}

std::string read_text(const fs::path& path) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

void write_text(const fs::path& path, const std::string& text) { std::ofstream(path) << text; }

fs::path e2e_data_dir() { return fs::path(AZDNS_TEST_DATA_DIR) / "e2e"; }

bool wait_until_answering(const Endpoint& server, const std::string& zone, std::chrono::milliseconds wait,
                          ChildProcess& process) {
    auto deadline = Clock::now() + wait;
    while (Clock::now() < deadline) {
        if (!process.running()) return false;
        Query soa{.name = zone, .type = rrtype::SOA};
        if (auto reply = ask_udp(server, soa, milliseconds(100)); reply && reply->qr) return true;
        // ask_udp waited up to 100 ms; when the port refused at once, pause briefly before retrying.
        poll(nullptr, 0, 20);
    }
    return false;
}

AzdnsServer::AzdnsServer(ServerOptions options) {
    port_ = options.port != 0 ? options.port : free_port();
    control_port_ = options.control_port != 0 ? options.control_port : free_port();
    std::ostringstream config;
    config << "# written by test/e2e/server_process.cpp\n[server]\n"
           << "listen = [\"127.0.0.1:" << port_ << "\", \"[::1]:" << port_ << "\"]\n"
           << "workers = " << options.workers << "\n"
           << "identity = \"" << options.identity << "\"\n"
           << "state_dir = \"state\"\n";
    for (const auto& line : options.server_lines) config << line << "\n";
    config << "\n[control]\nlisten = \"127.0.0.1:" << control_port_ << "\"\n";
    for (const auto& line : options.control_lines) config << line << "\n";
    for (const auto& [origin, file] : options.zones) {
        fs::copy_file(e2e_data_dir() / file, dir_.path / file, fs::copy_options::overwrite_existing);
        config << "\n[[zone]]\norigin = \"" << origin << "\"\nfile = \"" << file << "\"\n";
    }
    for (const auto& [origin, text] : options.zone_texts) {
        std::string file = origin + "zone";
        write_text(dir_.path / file, text);
        config << "\n[[zone]]\norigin = \"" << origin << "\"\nfile = \"" << file << "\"\n";
    }
    config << "\n" << options.extra_config;
    fs::create_directories(dir_.path / "state");
    write_text(config_path(), config.str());
    first_zone_ = !options.zones.empty()        ? options.zones.front().first
                  : !options.zone_texts.empty() ? options.zone_texts.front().first
                                                : ".";
    ready_wait_ = options.ready_wait;
    argv_ = {AZDNS_BINARY, "serve", "-c", config_path().string()};
    argv_.insert(argv_.end(), options.serve_args.begin(), options.serve_args.end());
    if (!process_.spawn(argv_, dir_.path / "azdns.log")) return;
    ready_ = wait_until_ready(0);
}

bool AzdnsServer::restart() {
    process_.stop();
    const std::size_t readies_before = ready_lines();
    ready_ = process_.spawn(argv_, dir_.path / "azdns.log", true) && wait_until_ready(readies_before);
    return ready_;
}

std::size_t AzdnsServer::ready_lines() const {
    const std::string log = read_text(dir_.path / "azdns.log");
    std::size_t count = 0;
    for (const char* line : {"azdns: ready\n", "\"message\":\"ready\""})
        for (auto at = log.find(line); at != std::string::npos; at = log.find(line, at + 1)) ++count;
    return count;
}

// Answering is not all of started: the zone watcher starts after the
// workers, and says "ready" once it has (as systemd hears READY=1).
bool AzdnsServer::wait_until_ready(std::size_t readies_before) {
    const auto deadline = Clock::now() + ready_wait_;
    if (!wait_until_answering(v4(), first_zone_, ready_wait_, process_)) return false;
    for (;;) {
        if (ready_lines() > readies_before) return true;
        if (Clock::now() >= deadline || !process_.running()) return false;
        poll(nullptr, 0, 20);
    }
}

AzdnsServer::~AzdnsServer() { process_.stop(); }

bool AzdnsServer::logs(const std::string& text, std::chrono::milliseconds wait) const {
    const auto until = Clock::now() + wait;
    for (;;) {
        if (read_text(dir_.path / "azdns.log").find(text) != std::string::npos) return true;
        if (Clock::now() >= until) return false;
        poll(nullptr, 0, 50);
    }
}

std::string AzdnsServer::log() const {
    return "--- azdns log (" + (dir_.path / "azdns.log").string() + ") ---\n" + read_text(dir_.path / "azdns.log") +
           "--- config ---\n" + read_text(dir_.path / "azdns.toml");
}

}  // namespace azdns::e2e
