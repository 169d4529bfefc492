// `azdns serve -c FILE`: load the config and every zone (refusing to start
// on any problem), bind every listener for every worker, start the health
// checks and the control API, then serve until SIGTERM or SIGINT. SIGHUP
// re-reads the config and the zone files (ZoneReloader), on a thread of its
// own: the main loop stays free to stop azdns whatever a reload is doing.
#include <grp.h>
#include <pwd.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <fstream>
#include <functional>
#include <memory>
#include <thread>
#include <vector>

#include "answer_engine.hpp"
#include "commands.hpp"
#include "config.hpp"
#include "config_zones.hpp"
#include "control_server.hpp"
#include "dns_name.hpp"
#include "fleet_link.hpp"
#include "fleet_report.hpp"
#include "health_monitor.hpp"
#include "listen_socket.hpp"
#include "live_control_backend.hpp"
#include "log.hpp"
#include "probe_metrics.hpp"
#include "query_counters.hpp"
#include "rate_limit_log.hpp"
#include "reload_thread.hpp"
#include "secondary_zones.hpp"
#include "sd_notify.hpp"
#include "serving_publisher.hpp"
#include "signals.hpp"
#include "token_file.hpp"
#include "transfer_service.hpp"
#include "worker.hpp"
#include "zone_reloader.hpp"
#include "zone_watcher.hpp"

namespace azdns {

namespace {

// In-flight TCP responses get this long to finish at shutdown.
constexpr std::uint64_t shutdown_grace_ms = 2000;

std::string plural(std::size_t count, const char* word) {
    return std::to_string(count) + ' ' + word + (count == 1 ? "" : "s");
}

unsigned worker_count(const ServerConfig& server) {
    if (server.workers != 0) return server.workers;
    unsigned cpus = std::thread::hardware_concurrency();
    return cpus != 0 ? cpus : 1;
}

// Binds every address once per worker. Any failure is fatal.
bool bind_all(const ServerConfig& server, unsigned workers, std::vector<std::vector<ListenSockets>>& sockets,
              std::string& error) {
    for (const auto& address : server.listen)
        if (!check_address_free(address, error)) return false;
    sockets.resize(workers);
    for (auto& per_worker : sockets) {
        for (const auto& address : server.listen) {
            ListenSockets opened;
            if (!open_listen_sockets(address, opened, error)) return false;
            per_worker.push_back(std::move(opened));
        }
    }
    return true;
}

// `user` in the config: give up root once the sockets are bound.
bool drop_privileges(const std::string& user, std::string& error) {
    if (user.empty()) return true;
    const passwd* entry = ::getpwnam(user.c_str());
    if (entry == nullptr) return error = "cannot switch to user \"" + user + "\": no such user", false;
    if (::geteuid() != 0) {
        if (entry->pw_uid == ::geteuid()) return true;
        return error = "cannot switch to user \"" + user + "\": not running as root", false;
    }
    if (::initgroups(entry->pw_name, entry->pw_gid) != 0 || ::setgid(entry->pw_gid) != 0 ||
        ::setuid(entry->pw_uid) != 0)
        return error = "cannot switch to user \"" + user + "\": " + std::strerror(errno), false;
    return true;
}

// Probes hold a socket each while they run, and run at most half the
// descriptor limit at once: take everything the hard limit allows.
void raise_descriptor_limit() {
    rlimit limit{};
    if (::getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur == limit.rlim_max) return;
    limit.rlim_cur = limit.rlim_max;
    if (::setrlimit(RLIMIT_NOFILE, &limit) != 0) log_line(std::string("cannot raise the open files limit: ") + std::strerror(errno));
}

}  // namespace

int run_serve(const std::string& config_path, std::ostream& err) {
    std::signal(SIGPIPE, SIG_IGN);  // a client gone mid-response is an error code, not a signal
    hold_stop_signals();            // before any thread starts
    raise_descriptor_limit();

    Diagnostics diags;
    std::shared_ptr<const Config> config;
    if (auto loaded = load_config(config_path, diags)) config = std::make_shared<const Config>(std::move(*loaded));
    LoadedZones zones;
    if (config) zones = load_zones(*config, diags);
    for (const auto& problem : diags.all()) err << problem.to_string() << '\n';
    err.flush();
    if (diags.has_errors()) {
        log_line("not serving: " + plural(diags.error_count(), "error") + " in " + config_path);
        return exit_problem;
    }
    for (std::size_t i = 0; i < zones.zones.size(); ++i) {
        if (zones.zones[i]) log_line(describe_loaded_zone(*zones.zones[i]) +
                                     (config->zones[i].is_secondary() ? " (the kept copy)" : ""));
        else log_line("zone " + name_to_text(config->zones[i].origin) + ": not held yet; taken from its primaries");
    }

    const ServerConfig& server = config->server;
    unsigned workers = worker_count(server);
    std::vector<std::vector<ListenSockets>> sockets;
    std::string error;
    if (!bind_all(server, workers, sockets, error) || !drop_privileges(server.user, error)) {
        log_line(error);
        return exit_problem;
    }

    const AnswerEngine engine{AnswerOptions{server.identity, server.version, server.edns_udp_size}};
    ServingSnapshot snapshot{{zones.set, nullptr}};
    // Filtered views go on from the serials an earlier run served (docs/transfers.md, "Serials").
    std::string serials_problem;
    auto serials = load_transfer_serials(server.state_dir, serials_problem);
    if (!serials_problem.empty())
        log_line(serials_problem + "; filtered views start again from their files' serials, which secondaries "
                                   "may hold newer ones of");
    ServingPublisher publisher{config, snapshot, std::move(serials)};  // the one writer of `snapshot`
    QueryCounterRegistry query_counters;
    TransferService transfers{engine, snapshot, query_counters, server.state_dir,
                              {.idle_timeout = server.tcp_idle_timeout}};
    publisher.observe_transfers([&transfers](std::shared_ptr<const TransferState> state, const SerialBook& book) {
        transfers.published(std::move(state), book);
    });
    // Health first: the first answers already carry the first probe round.
    ProbeMetrics probe_metrics;
    HealthMonitor health{publisher, HealthClock::now, &probe_metrics};
    health.restore(zones.set);
    if (!health.start(error)) {
        log_line(error);
        return exit_problem;
    }
    ZoneReloader reloader{config_path, zones, health, publisher};
    // Zones taken from primaries (docs/transfers.md, "azdns as a secondary").
    SecondaryZones secondaries{{.state_dir = server.state_dir,
                                .limits = {.idle_timeout = server.tcp_idle_timeout,
                                           .max_bytes = server.max_zone_size},
                                .max_zone_records = server.max_zone_records},
                               [&reloader](const std::string& origin, std::shared_ptr<const Zone> zone) {
                                   reloader.serve_transferred(origin, std::move(zone));
                               }};
    reloader.set_secondaries_listener([&secondaries](const Config& in_force, const ZoneReloader::HeldZones& held) {
        secondaries.configure(in_force, held);
    });
    ReloadThread background_reloads{[&] {
        sd_notify_state(sd_reloading_state());  // `systemctl reload` waits for the READY=1 that follows
        reloader.reload();
        sd_notify_state("READY=1");
    }};
    ZoneWatcher watcher{[&] {
        log_line("a zone file changed");
        background_reloads.request();
    }};
    // The watched files follow every reload, from whichever thread it runs on.
    reloader.set_files_listener([&](std::vector<std::string> files) { watcher.watch(std::move(files)); });
    LiveControlBackend control_backend{engine, health, publisher, reloader, &query_counters, &probe_metrics,
                                      &transfers, &secondaries};
    // load_config refuses a non-loopback listener without a token_file; on
    // loopback a token_file, when given, is enforced too.
    std::string token;
    if (!config->control.token_file.empty() && !read_token_file(config->control.token_file, token, error)) {
        log_line(error);
        return exit_problem;
    }
    // HTTPS is on or off from start to stop; the pair it serves is the config in force's (a reload renews it).
    std::function<TlsServerContext()> tls;
    if (config->control.tls) tls = [&publisher] { return publisher.config()->control.tls; };
    // Peers authenticate with the fleet token, which may differ from the
    // operators' (docs/fleet.md, "Tokens"); their reports may be as large as
    // this config's endpoints and AZs explain, with room for peers whose
    // zones hold more.
    std::string fleet_token;
    if (!config->fleet.peers.empty() && config->fleet.token_file != config->control.token_file &&
        !read_token_file(config->fleet.token_file, fleet_token, error)) {
        log_line(error);
        return exit_problem;
    }
    ControlLimits control_limits;
    control_limits.max_fleet_body_bytes =
        fleet_report_size_limit(health.endpoint_count() * 4 + 1024, config->azs.size() * 4 + 64);
    ControlServer control{config->control.listen, token, fleet_token, control_backend, tls, control_limits};
    if (!control.start(error)) {
        log_line(error);
        return exit_problem;
    }
    log_line(std::string("control API on ") + (tls ? "https://" : "http://") + config->control.listen.to_string());
    // Rate limiting summarised in the log every 10 s (docs/security.md).
    RateLimitLog rate_limit_log{[&publisher] {
                                    const auto guard = publisher.serving().guard;
                                    return guard ? guard->limiter : nullptr;
                                },
                                std::chrono::seconds(10)};
    // The fleet: this instance's report goes to every peer (docs/fleet.md).
    std::unique_ptr<FleetLink> fleet;
    if (!config->fleet.peers.empty()) {
        std::string fleet_token;
        if (!read_token_file(config->fleet.token_file, fleet_token, error)) {
            log_line(error);
            return exit_problem;
        }
        fleet = std::make_unique<FleetLink>(health, config->fleet, fleet_token);
        fleet->start();
        log_line("fleet: vantage point " + config->fleet.name + ", " + plural(config->fleet.peers.size(), "peer") +
                 ", quorum " + std::to_string(config->fleet.quorum));
    }
    TcpClientLimit tcp_limit{server.max_tcp_clients, workers};
    WorkerShared shared{engine, snapshot, tcp_limit, static_cast<std::uint64_t>(server.tcp_idle_timeout.count()),
                        shutdown_grace_ms, &query_counters,
                        [&transfers](HandedOffConnection connection) { transfers.accept(std::move(connection)); },
                        [&snapshot, &secondaries](std::uint32_t slot) {
                            const auto origins = snapshot.load()->zones->origins();
                            if (slot < origins.size()) secondaries.notified(origins[slot]);
                        }};
    std::vector<std::unique_ptr<Worker>> pool;
    for (unsigned i = 0; i < workers; ++i) {
        pool.push_back(std::make_unique<Worker>(i, shared, std::move(sockets[i])));
        if (error.empty()) error = pool.back()->error();
    }
    for (auto& worker : pool) worker->start();
    if (!error.empty()) {
        for (auto& worker : pool) worker->stop();
        pool.clear();  // joins
        log_line(error);
        return exit_problem;
    }

    std::string addresses;
    for (const auto& address : server.listen) {
        log_line("listening on udp+tcp " + address.to_string());
        addresses += (addresses.empty() ? "" : ", ") + address.to_string();
    }
    log_line("serving " + plural(zones.zones.size(), "zone") + " on udp+tcp " + addresses + " with " +
             plural(workers, "worker"));
    auto ready = [] {
        log_line("ready");
        sd_notify_state("READY=1");  // Type=notify: systemd starts dependents only now
    };
    int signal = wait_for_stop_signal([&] { background_reloads.request(); }, &watcher, ready);

    log_line(std::string("stopping on ") + signal_name(signal));
    sd_notify_state("STOPPING=1");
    // A reload in progress (here or on the control thread) ends at its next
    // read and publishes nothing: joining its thread then waits little.
    reloader.abandon();
    background_reloads.stop();
    secondaries.stop();  // transfers in end at once; nothing more is served or kept
    if (fleet) fleet->stop();
    control.stop();
    for (auto& worker : pool) worker->stop();
    pool.clear();  // joins: each worker ends once its TCP responses are written or the grace period ends
    transfers.stop();  // after the workers: none hands a connection over any more
    health.stop();  // saves the health state a last time
    log_line("stopped");
    return exit_ok;
}

}  // namespace azdns
