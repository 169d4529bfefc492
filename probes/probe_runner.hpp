// The health-check workers (spec: "Health"): one thread with one libuv loop
// runs every tcp, http, https and dns probe, so a slow or hanging endpoint
// never delays a DNS answer and 10,000 endpoints cost one core at most.
//
// https checks verify against OpenSSL's default trust store: the standard
// SSL_CERT_FILE / SSL_CERT_DIR environment variables choose another CA
// bundle; they are read when the first https probe of a runner starts.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config.hpp"
#include "endpoint_health.hpp"
#include "health_state.hpp"

namespace azdns {

struct ProbeTarget {
    EndpointId id;      // address + check name
    CheckConfig check;  // a copy: type, port, path, host, expect_status, expect_body, tls_verify,
                        // query_name/query_type, interval, timeout
    std::optional<IpAddress> source;  // probes.source of the address's family; nullopt: the kernel chooses
};

// Called on the probe thread for every finished probe; must be cheap and
// thread-safe on the caller's side. Never called for a cancelled probe.
using ProbeSink = std::function<void(const EndpointId&, const ProbeResult&)>;
// Called on the probe thread once the loop has run every callback that was
// ready, before it waits again, if that turn delivered any result: the
// results of one turn are one batch (an AZ going down in one round).
using ProbeTurnEnd = std::function<void()>;

class ProbeRunner {
public:
    explicit ProbeRunner(ProbeSink sink, ProbeTurnEnd turn_end = {});
    ~ProbeRunner();  // stop() + join
    ProbeRunner(const ProbeRunner&) = delete;
    ProbeRunner& operator=(const ProbeRunner&) = delete;

    // Starts the thread and its uv loop; false with `error` when it cannot.
    bool start(std::string& error);

    // Thread-safe. Replaces the probed set. A target new to the set is probed
    // at once; a kept one (same id and same probe settings; rise and fall do
    // not count) keeps its schedule and, for https, the TLS session of its
    // last passing probe; a removed one stops, and the result of its probe
    // in flight is dropped. Later probes run every 0.9..1.0
    // check.interval (jitter never lengthens a period, so detection stays
    // within interval x fall); the first periodic slot falls anywhere in the
    // first interval so that targets added together spread out. A target whose previous probe
    // is still running skips its slot. Callable before start().
    void set_targets(std::vector<ProbeTarget> targets);

    // From any thread, idempotent, bounded: cancels in-flight probes, closes
    // every handle and joins. Called from the sink (the probe thread) it only
    // asks the loop to end; the destructor joins.
    void stop();

    [[nodiscard]] std::uint64_t probes_started() const;
    [[nodiscard]] std::uint64_t probes_finished() const;

    class Impl;

private:
    std::unique_ptr<Impl> impl_;
};

}  // namespace azdns
