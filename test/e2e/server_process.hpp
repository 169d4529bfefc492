// Long-running servers for end-to-end tests: the real `azdns serve` on a free
// loopback port, in a private temp folder, stopped by PID with bounded waits
// (the differential tests' NSD and Knot are in peer_server.hpp).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "dns_client.hpp"
#include "temp_dir.hpp"

namespace azdns::e2e {

namespace fs = std::filesystem;

using testing::TempDir;

// A port free for UDP and TCP on both 127.0.0.1 and ::1, outside the
// kernel's ephemeral range (so no outgoing connection takes it meanwhile)
// and claimed for this test process (so no other test picks it).
std::uint16_t free_port();

// A child process whose stdout and stderr go to a file. Only this PID is ever signalled.
class ChildProcess {
public:
    ChildProcess() = default;
    ~ChildProcess();
    ChildProcess(const ChildProcess&) = delete;
    ChildProcess& operator=(const ChildProcess&) = delete;

    // `append`: add to `output` instead of starting it afresh (a restart).
    bool spawn(const std::vector<std::string>& argv, const fs::path& output, bool append = false);
    // True while the child has not exited (reaps it when it has).
    bool running();
    // SIGTERM, wait up to `grace`, then SIGKILL. Returns the exit code, or
    // -1 when it had to be killed or died by a signal. Idempotent.
    int stop(std::chrono::milliseconds grace = std::chrono::seconds(5));
    [[nodiscard]] pid_t pid() const { return pid_; }
    [[nodiscard]] std::optional<int> exit_code() const { return exit_code_; }
    [[nodiscard]] bool was_killed() const { return killed_; }

private:
    void record(int status);
    pid_t pid_ = -1;
    bool reaped_ = false;
    bool killed_ = false;
    std::optional<int> exit_code_;
};

std::string read_text(const fs::path& path);
void write_text(const fs::path& path, const std::string& text);

// The folder holding the e2e zones (test/data/e2e).
fs::path e2e_data_dir();

struct ServerOptions {
    // Lines added to [server], e.g. {"tcp_idle_timeout = \"1s\""}.
    std::vector<std::string> server_lines;
    // origin -> file name in test/data/e2e.
    std::vector<std::pair<std::string, std::string>> zones{{"example.com.", "example.com.zone"},
                                                           {"example.net.", "example.net.zone"}};
    // origin -> zone text, written by the test (health tests make their own zones).
    std::vector<std::pair<std::string, std::string>> zone_texts;
    // Appended to the config as is: [[az]], [[check]], [[service]], [ttl], [policy].
    std::string extra_config;
    // The DNS port on 127.0.0.1 and ::1; 0 picks a free one. A primary that
    // NOTIFYs this server must know it before either starts.
    std::uint16_t port = 0;
    // The control API's port on 127.0.0.1; 0 picks a free one. A fleet's
    // instances must know each other's before any starts.
    std::uint16_t control_port = 0;
    // Lines added to [control], e.g. {"token_file = \"token\""}.
    std::vector<std::string> control_lines;
    // Added to `azdns serve -c CONFIG`, e.g. {"--log-format", "json"}.
    std::vector<std::string> serve_args;
    unsigned workers = 2;
    std::string identity = "e2e-ns1";
    std::chrono::milliseconds ready_wait{10'000};
};

// `azdns serve -c CONFIG` on 127.0.0.1:PORT and [::1]:PORT.
class AzdnsServer {
public:
    explicit AzdnsServer(ServerOptions options = {});
    ~AzdnsServer();

    // Started and answered an SOA query over UDP in time.
    [[nodiscard]] bool ready() const { return ready_; }
    [[nodiscard]] std::uint16_t port() const { return port_; }
    [[nodiscard]] std::uint16_t control_port() const { return control_port_; }
    [[nodiscard]] fs::path config_path() const { return dir_.path / "azdns.toml"; }
    [[nodiscard]] Endpoint v4() const { return {"127.0.0.1", port_}; }
    [[nodiscard]] Endpoint v6() const { return {"::1", port_}; }
    [[nodiscard]] const fs::path& dir() const { return dir_.path; }
    [[nodiscard]] bool running() { return process_.running(); }
    // What the server printed (stderr and stdout), for failure messages.
    [[nodiscard]] std::string log() const;
    // Until the log file holds `text`, at most `wait`. Lines are written after
    // the act they tell of (a transfer's after its last message), so a client
    // can be done before the line is there. Reads the file, so it works on a
    // server whose control API hangs.
    [[nodiscard]] bool logs(const std::string& text, std::chrono::milliseconds wait) const;
    // SIGTERM and wait (bounded): the exit code, -1 if killed.
    int stop() { return process_.stop(); }
    // Stops the server (if running) and starts it again with the same config,
    // ports and state_dir; true when it answers and says "ready" again in time.
    bool restart();
    ChildProcess& process() { return process_; }

private:
    [[nodiscard]] std::size_t ready_lines() const;
    bool wait_until_ready(std::size_t readies_before);

    TempDir dir_{"azdns-e2e"};
    std::uint16_t port_ = 0;
    std::uint16_t control_port_ = 0;
    std::string first_zone_;
    std::chrono::milliseconds ready_wait_;
    std::vector<std::string> argv_;
    ChildProcess process_;
    bool ready_ = false;
};

// Polls `server` with an SOA query for `zone` over UDP until it answers or `wait` passes.
bool wait_until_answering(const Endpoint& server, const std::string& zone, std::chrono::milliseconds wait,
                          ChildProcess& process);

}  // namespace azdns::e2e
