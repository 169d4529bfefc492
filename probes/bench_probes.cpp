// How much of one core the probe thread needs: N tcp or http targets at a
// 1 s interval against M local listeners served by a child process (its own
// descriptor table, so accepted connections do not eat the probes' limit).
// Prints probes/s and the probe thread's CPU share each second, then the
// average over the steady part of the run.
//
//   bench_probes [tcp|http] [targets=10000] [listeners=100] [seconds=20] [interval_ms=1000]
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "probe_runner.hpp"

using namespace azdns;
using namespace std::chrono_literals;

namespace {

constexpr char http_response[] =
    "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok";

// Accepts on every listener, in a child process; tcp: closes at once; http:
// reads the request head, answers, closes.
class Listeners {
public:
    Listeners(std::size_t count, bool http) : http_(http) {
        epoll_ = epoll_create1(EPOLL_CLOEXEC);
        for (std::size_t i = 0; i < count; ++i) {
            int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
            int one = 1;
            setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
            sockaddr_in address{};
            address.sin_family = AF_INET;
            address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
            if (bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 || listen(fd, 4096) != 0) {
                std::perror("listen");
                std::exit(1);
            }
            socklen_t length = sizeof address;
            getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
            ports.push_back(ntohs(address.sin_port));
            listening_.push_back(fd);
            add(fd, true);
        }
        child_ = fork();
        if (child_ == 0) {
            prctl(PR_SET_PDEATHSIG, SIGKILL);
            run();
        }
        for (int fd : listening_) close(fd);
        close(epoll_);
    }
    ~Listeners() {
        kill(child_, SIGKILL);
        waitpid(child_, nullptr, 0);
    }

    std::vector<std::uint16_t> ports;

private:
    void add(int fd, bool listener) {
        epoll_event event{};
        event.events = EPOLLIN;
        event.data.u64 = (static_cast<std::uint64_t>(listener) << 32) | static_cast<std::uint32_t>(fd);
        epoll_ctl(epoll_, EPOLL_CTL_ADD, fd, &event);
    }

    [[noreturn]] void run() {
        std::vector<epoll_event> events(512);
        char buffer[4096];
        for (;;) {
            int n = epoll_wait(epoll_, events.data(), static_cast<int>(events.size()), 100);
            for (int i = 0; i < n; ++i) {
                int fd = static_cast<int>(events[i].data.u64 & 0xffffffff);
                if ((events[i].data.u64 >> 32) != 0) {
                    for (int client; (client = accept4(fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0;) {
                        if (http_) add(client, false);
                        else close(client);
                    }
                    continue;
                }
                ssize_t got = read(fd, buffer, sizeof buffer);
                if (got > 0 && std::string_view(buffer, static_cast<std::size_t>(got)).find("\r\n\r\n") == std::string_view::npos)
                    continue;  // the head is not complete yet
                if (got > 0) (void)!write(fd, http_response, sizeof http_response - 1);
                close(fd);
            }
        }
    }

    bool http_;
    int epoll_;
    std::vector<int> listening_;
    pid_t child_;
};

// utime + stime of one thread of this process, in seconds.
double thread_cpu_seconds(pid_t tid) {
    std::ifstream stat("/proc/self/task/" + std::to_string(tid) + "/stat");
    std::string text((std::istreambuf_iterator<char>(stat)), {});
    if (text.rfind(')') == std::string::npos) return 0;
    std::istringstream fields(text.substr(text.rfind(')') + 2));
    std::string skip;
    for (int i = 3; i < 14; ++i) fields >> skip;  // fields 3..13
    unsigned long long utime = 0, stime = 0;
    fields >> utime >> stime;
    return static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

}  // namespace

int main(int argc, char** argv) {
    bool http = argc > 1 && std::strcmp(argv[1], "http") == 0;
    std::size_t targets = argc > 2 ? std::strtoul(argv[2], nullptr, 10) : 10'000;
    std::size_t listener_count = argc > 3 ? std::strtoul(argv[3], nullptr, 10) : 100;
    int seconds = argc > 4 ? std::atoi(argv[4]) : 20;
    long interval_ms = argc > 5 ? std::atol(argv[5]) : 1000;

    // Each probe and each accepted connection holds a descriptor.
    rlimit limit{};
    getrlimit(RLIMIT_NOFILE, &limit);
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);

    Listeners listeners(listener_count, http);

    std::atomic<pid_t> probe_tid{0};
    std::atomic<std::uint64_t> ok{0}, failed{0}, slow{0};
    std::mutex reasons_mutex;
    std::map<std::string, std::uint64_t> reasons;
    std::vector<long> rtts;
    ProbeRunner runner([&](const EndpointId&, const ProbeResult& result) {
        if (probe_tid.load(std::memory_order_relaxed) == 0) probe_tid = gettid();
        if (result.rtt > 100ms) slow.fetch_add(1, std::memory_order_relaxed);
        {
            std::lock_guard lock(reasons_mutex);
            rtts.push_back(result.rtt.count());
        }
        if (result.ok) {
            ok.fetch_add(1, std::memory_order_relaxed);
            return;
        }
        failed.fetch_add(1, std::memory_order_relaxed);
        std::lock_guard lock(reasons_mutex);
        ++reasons[result.error];
    });
    std::string error;
    if (!runner.start(error)) {
        std::fprintf(stderr, "%s\n", error.c_str());
        return 1;
    }

    std::vector<ProbeTarget> list;
    for (std::size_t i = 0; i < targets; ++i) {
        ProbeTarget t;
        t.id = EndpointId{*IpAddress::parse("127.0.0.1"), "t" + std::to_string(i)};
        t.check.name = t.id.check;
        t.check.type = http ? CheckType::http : CheckType::tcp;
        t.check.port = listeners.ports[i % listeners.ports.size()];
        t.check.expect_body = http ? "ok" : "";
        t.check.interval = std::chrono::milliseconds(interval_ms);
        t.check.timeout = 1000ms;
        list.push_back(std::move(t));
    }
    runner.set_targets(std::move(list));

    std::printf("%s: %zu targets @ %ld ms on %zu listeners, rlimit nofile %llu\n", http ? "http" : "tcp",
                targets, interval_ms, listener_count, static_cast<unsigned long long>(limit.rlim_cur));
    auto deadline = std::chrono::steady_clock::now() + 5s;
    while (probe_tid == 0 && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(10ms);
    if (probe_tid == 0) {
        std::fprintf(stderr, "no probe finished\n");
        return 1;
    }
    double cpu_before = thread_cpu_seconds(probe_tid), steady_cpu = 0;
    std::uint64_t done_before = runner.probes_finished(), steady_done = 0;
    auto start = std::chrono::steady_clock::now(), last = start;
    int steady_seconds = 0;
    for (int second = 1; second <= seconds; ++second) {
        std::this_thread::sleep_until(start + std::chrono::seconds(second));
        auto now = std::chrono::steady_clock::now();
        double wall = std::chrono::duration<double>(now - last).count();
        double cpu = thread_cpu_seconds(probe_tid);
        std::uint64_t done = runner.probes_finished();
        std::printf("t=%2ds probes/s %7.0f  probe thread cpu %5.1f %%  ok %llu failed %llu rtt>100ms %llu\n", second,
                    static_cast<double>(done - done_before) / wall, 100 * (cpu - cpu_before) / wall,
                    static_cast<unsigned long long>(ok.load()), static_cast<unsigned long long>(failed.load()),
                    static_cast<unsigned long long>(slow.load()));
        if (second > 2) {  // past the start-up burst
            steady_cpu += cpu - cpu_before;
            steady_done += done - done_before;
            ++steady_seconds;
        }
        cpu_before = cpu;
        done_before = done;
        last = now;
    }
    runner.stop();
    if (steady_seconds > 0)
        std::printf("steady state: %.0f probes/s, probe thread %.1f %% of one core, %.2f us cpu per probe\n",
                    static_cast<double>(steady_done) / steady_seconds, 100 * steady_cpu / steady_seconds,
                    1e6 * steady_cpu / static_cast<double>(std::max<std::uint64_t>(steady_done, 1)));
    std::sort(rtts.begin(), rtts.end());
    if (!rtts.empty())
        std::printf("rtt us: p50 %ld p90 %ld p99 %ld max %ld\n", rtts[rtts.size() / 2], rtts[rtts.size() * 9 / 10],
                    rtts[rtts.size() * 99 / 100], rtts.back());
    for (const auto& [reason, count] : reasons) std::printf("  failure %-28s %llu\n", reason.c_str(), static_cast<unsigned long long>(count));
    return 0;
}
