// How much of one core the probe thread needs: N tcp, http or https targets
// at a 1 s interval against M local listeners (bench_listeners.hpp). Prints
// probes/s and the probe thread's CPU share each second, then the average
// over the steady part of the run.
//
//   bench_probes [tcp|http|https|https-no-resume] [targets=10000] [listeners=100] [seconds=20] [interval_ms=1000]
//
// https verifies a certificate from a throwaway test CA (test/support/test_ca)
// for 127.0.0.1. https-no-resume serves the same but declines TLS session
// resumption, so every probe does a full handshake, as all did before probes
// kept sessions and as they still do against servers that do not resume.
#include <malloc.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "bench_listeners.hpp"
#include "probe_runner.hpp"
#include "temp_dir.hpp"
#include "test_ca.hpp"

using namespace azdns;
using namespace std::chrono_literals;

namespace {

// Bytes malloc has handed out and not had back: with the runner still
// running, that includes one saved TLS session per https target.
double heap_in_use_mb() { return static_cast<double>(mallinfo2().uordblks) / 1e6; }

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

// Certificates for 127.0.0.1 in `dir`, trusted through SSL_CERT_FILE (read
// when the runner makes its first SSL_CTX).
bench::TlsFiles trusted_certificates(const std::filesystem::path& dir) {
    std::string error;
    std::optional<testing::TestCertificates> certs = testing::make_test_certificates(dir, {}, {"127.0.0.1"}, error);
    if (!certs || setenv("SSL_CERT_FILE", certs->ca_cert.c_str(), 1) != 0) {
        std::fprintf(stderr, "certificates: %s\n", error.c_str());
        std::exit(1);
    }
    return {certs->server_cert, certs->server_key};
}

bench::Serving serving_named(const char* name) {
    for (auto [text, serving] : {std::pair{"http", bench::Serving::http}, {"https", bench::Serving::https},
                                 {"https-no-resume", bench::Serving::https_no_resume}})
        if (std::strcmp(name, text) == 0) return serving;
    return bench::Serving::tcp;
}

}  // namespace

int main(int argc, char** argv) {
    const char* mode = argc > 1 ? argv[1] : "tcp";
    bench::Serving serving = serving_named(mode);
    bool http = serving != bench::Serving::tcp;
    bool https = http && serving != bench::Serving::http;
    std::size_t targets = argc > 2 ? std::strtoul(argv[2], nullptr, 10) : 10'000;
    std::size_t listener_count = argc > 3 ? std::strtoul(argv[3], nullptr, 10) : 100;
    int seconds = argc > 4 ? std::atoi(argv[4]) : 20;
    long interval_ms = argc > 5 ? std::atol(argv[5]) : 1000;

    // Each probe and each accepted connection holds a descriptor.
    rlimit limit{};
    getrlimit(RLIMIT_NOFILE, &limit);
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);

    testing::TempDir cert_dir{"azdns-bench"};
    bench::Listeners listeners(listener_count, serving, https ? trusted_certificates(cert_dir.path) : bench::TlsFiles{});

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
        t.check.type = https ? CheckType::https : http ? CheckType::http : CheckType::tcp;
        t.check.port = listeners.ports[i % listeners.ports.size()];
        t.check.expect_body = http ? "ok" : "";
        t.check.interval = std::chrono::milliseconds(interval_ms);
        t.check.timeout = 1000ms;
        list.push_back(std::move(t));
    }
    runner.set_targets(std::move(list));

    std::printf("%s: %zu targets @ %ld ms on %zu listeners, rlimit nofile %llu\n", mode,
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
    double heap_mb = heap_in_use_mb();
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
    std::printf("heap in use before stop: %.1f MB\n", heap_mb);
    return 0;
}
