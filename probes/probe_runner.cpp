// The probe thread: its loop, the schedule of every target, and the hand-over
// of target lists from other threads (uv_async, the only way into the loop).
#include "probe_runner.hpp"

#include <sys/resource.h>

#include <algorithm>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <system_error>
#include <thread>

#include "probe.hpp"
#include "tls_session.hpp"

namespace azdns {
namespace {

// Settings that change what a probe does or when; rise and fall only matter
// to the health state, so changing them keeps the schedule.
bool same_probe(const ProbeTarget& old_target, const ProbeTarget& new_target) {
    const CheckConfig& a = old_target.check;
    const CheckConfig& b = new_target.check;
    return old_target.source == new_target.source && a.type == b.type && a.port == b.port && a.path == b.path && a.host == b.host &&
           a.expect_status == b.expect_status && a.expect_body == b.expect_body &&
           a.tls_verify == b.tls_verify && a.query_name == b.query_name &&
           a.query_type == b.query_type && a.interval == b.interval && a.timeout == b.timeout;
}

// Probes in flight at once, each holding a socket: half the descriptor limit
// leaves the rest to the server's listeners and clients. Beyond it, probes
// wait in line rather than fail with EMFILE and mark endpoints down.
std::size_t max_in_flight() {
    rlimit limit{};
    if (getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY) return 4096;
    return std::clamp<std::size_t>(static_cast<std::size_t>(limit.rlim_cur) / 2, 16, 65536);
}

}  // namespace

class ProbeRunner::Impl {
public:
    Impl(ProbeSink sink, ProbeTurnEnd turn_end) : sink_(std::move(sink)), turn_end_(std::move(turn_end)) {}

    bool start(std::string& error);
    void set_targets(std::vector<ProbeTarget> targets);
    void stop();

    std::atomic<std::uint64_t> started{0};
    std::atomic<std::uint64_t> finished{0};

private:
    // One probed (address, check): its schedule and its probe in flight.
    struct Target final : ProbeListener {
        Impl* runner;
        ProbeTarget spec;
        uv_timer_t timer{};
        Probe* in_flight = nullptr;
        bool waiting = false;  // in waiting_, for a free probe slot
        // https: from the last probe if it passed. A changed check makes a
        // new Target, so the session never outlives the check it was made by.
        SavedTlsSession tls_session;

        Target(Impl* owner, ProbeTarget target) : runner(owner), spec(std::move(target)) {}
        void probe_finished(const ProbeResult& result) override { runner->finished_probe(*this, result); }
    };

    void run();
    void on_wake();
    void on_turn_end();
    void apply(std::vector<ProbeTarget> targets);
    void remove(Target* target);
    void arm(Target& target, double low, double high);
    void request_probe(Target& target);
    void launch(Target& target);
    void drain_waiting();
    void finished_probe(Target& target, const ProbeResult& result);
    void shut_down();

    ProbeSink sink_;
    ProbeTurnEnd turn_end_;
    std::thread thread_;
    std::thread::id thread_id_;
    uv_loop_t loop_{};
    uv_async_t wake_{};
    uv_prepare_t turn_end_handle_{};  // runs before every wait for I/O

    std::mutex mutex_;  // guards the fields below it up to the blank line
    bool running_ = false;
    bool stop_requested_ = false;
    std::optional<std::vector<ProbeTarget>> incoming_;

    std::mutex join_mutex_;

    // Probe thread only.
    std::map<EndpointId, Target*, EndpointIdLess> targets_;
    std::deque<Target*> waiting_;
    std::size_t in_flight_ = 0;
    std::size_t max_in_flight_ = 0;
    bool draining_ = false;
    bool delivered_this_turn_ = false;
    std::mt19937_64 random_{std::random_device{}()};
    TlsContexts tls_;
    ProbeContext context_;
};

bool ProbeRunner::Impl::start(std::string& error) {
    std::lock_guard lock(mutex_);
    if (running_ || thread_.joinable()) {
        error = "probe runner already started";
        return false;
    }
    if (int rc = uv_loop_init(&loop_); rc != 0) {
        error = std::string("probe loop: ") + uv_strerror(rc);
        return false;
    }
    if (int rc = uv_async_init(&loop_, &wake_, [](uv_async_t* a) { static_cast<Impl*>(a->data)->on_wake(); });
        rc != 0) {
        uv_loop_close(&loop_);
        error = std::string("probe loop: ") + uv_strerror(rc);
        return false;
    }
    wake_.data = this;
    uv_prepare_init(&loop_, &turn_end_handle_);  // cannot fail
    turn_end_handle_.data = this;
    uv_prepare_start(&turn_end_handle_, [](uv_prepare_t* p) { static_cast<Impl*>(p->data)->on_turn_end(); });
    context_.loop = &loop_;
    context_.tls = &tls_;
    context_.random = &random_;
    context_.read_buffer.resize(64 * 1024);
    max_in_flight_ = max_in_flight();
    try {
        thread_ = std::thread([this] { run(); });
    } catch (const std::system_error& e) {
        uv_close(reinterpret_cast<uv_handle_t*>(&wake_), nullptr);
        uv_close(reinterpret_cast<uv_handle_t*>(&turn_end_handle_), nullptr);
        uv_run(&loop_, UV_RUN_DEFAULT);
        uv_loop_close(&loop_);
        error = std::string("probe thread: ") + e.what();
        return false;
    }
    running_ = true;
    stop_requested_ = false;
    thread_id_ = thread_.get_id();  // under mutex_: stop() reads it there
    if (incoming_) uv_async_send(&wake_);
    return true;
}

void ProbeRunner::Impl::run() {
    uv_run(&loop_, UV_RUN_DEFAULT);
    uv_loop_close(&loop_);
}

void ProbeRunner::Impl::set_targets(std::vector<ProbeTarget> targets) {
    std::lock_guard lock(mutex_);
    incoming_ = std::move(targets);
    if (running_) uv_async_send(&wake_);
}

void ProbeRunner::Impl::stop() {
    {
        std::lock_guard lock(mutex_);
        if (running_) {
            running_ = false;
            stop_requested_ = true;
            uv_async_send(&wake_);
        }
        if (std::this_thread::get_id() == thread_id_) return;  // the sink: cannot join itself
    }
    std::lock_guard lock(join_mutex_);
    if (thread_.joinable()) thread_.join();
}

void ProbeRunner::Impl::on_wake() {
    std::optional<std::vector<ProbeTarget>> targets;
    bool stopping = false;
    {
        std::lock_guard lock(mutex_);
        targets.swap(incoming_);
        stopping = stop_requested_;
    }
    if (stopping) return shut_down();
    if (targets) apply(std::move(*targets));
}

void ProbeRunner::Impl::on_turn_end() {
    if (!delivered_this_turn_) return;
    delivered_this_turn_ = false;
    if (turn_end_) turn_end_();
}

void ProbeRunner::Impl::apply(std::vector<ProbeTarget> targets) {
    std::map<EndpointId, ProbeTarget, EndpointIdLess> wanted;  // a duplicate id: the last wins
    for (ProbeTarget& spec : targets) wanted.insert_or_assign(spec.id, std::move(spec));
    std::map<EndpointId, Target*, EndpointIdLess> next;
    std::vector<Target*> fresh;
    for (auto& [id, spec] : wanted) {
        auto old = targets_.find(id);
        if (old != targets_.end() && same_probe(old->second->spec, spec)) {
            next.emplace(id, old->second);
            targets_.erase(old);
            continue;
        }
        auto* target = new Target(this, std::move(spec));
        uv_timer_init(&loop_, &target->timer);
        target->timer.data = target;
        next.emplace(id, target);
        fresh.push_back(target);
    }
    // Leavers first: their probe slots go to the newcomers.
    for (auto& [id, target] : targets_) remove(target);
    targets_.swap(next);
    for (Target* target : fresh) {
        // Spread the first periodic slot over a whole interval, so that
        // targets added together (all of them, at start-up) fall out of step.
        arm(*target, 0.0, 1.0);
        request_probe(*target);
    }
    drain_waiting();
}

void ProbeRunner::Impl::remove(Target* target) {
    if (target->in_flight != nullptr) {
        target->in_flight->cancel();
        target->in_flight = nullptr;
        --in_flight_;
    }
    if (target->waiting) waiting_.erase(std::find(waiting_.begin(), waiting_.end(), target));
    uv_close(reinterpret_cast<uv_handle_t*>(&target->timer),
             [](uv_handle_t* h) { delete static_cast<Target*>(h->data); });
}

void ProbeRunner::Impl::arm(Target& target, double low, double high) {
    double factor = std::uniform_real_distribution<double>(low, high)(random_);
    auto delay = static_cast<std::uint64_t>(static_cast<double>(target.spec.check.interval.count()) * factor);
    uv_timer_start(&target.timer, [](uv_timer_t* timer) {
        auto* t = static_cast<Target*>(timer->data);
        // Jitter only ever shortens a period: detection stays within
        // interval x fall (the spec's promise), never a jittered interval more.
        t->runner->arm(*t, 0.9, 1.0);
        t->runner->request_probe(*t);
    }, std::max<std::uint64_t>(delay, 1), 0);
}

void ProbeRunner::Impl::request_probe(Target& target) {
    if (target.in_flight != nullptr || target.waiting) return;  // still busy: skip this slot
    if (in_flight_ < max_in_flight_ && waiting_.empty()) return launch(target);
    target.waiting = true;
    waiting_.push_back(&target);
    drain_waiting();
}

void ProbeRunner::Impl::launch(Target& target) {
    Probe* probe = make_probe(context_, target.spec, target.tls_session, target);
    target.in_flight = probe;
    ++in_flight_;
    started.fetch_add(1, std::memory_order_relaxed);
    probe->start();
}

// A loop, not recursion: a probe that fails inside start() (no sockets left)
// finishes at once and would otherwise start the next from within itself.
void ProbeRunner::Impl::drain_waiting() {
    if (draining_) return;
    draining_ = true;
    while (in_flight_ < max_in_flight_ && !waiting_.empty()) {
        Target* next = waiting_.front();
        waiting_.pop_front();
        next->waiting = false;
        launch(*next);
    }
    draining_ = false;
}

void ProbeRunner::Impl::finished_probe(Target& target, const ProbeResult& result) {
    target.in_flight = nullptr;
    --in_flight_;
    // Whatever failed, the next probe starts over with a full handshake.
    if (!result.ok) target.tls_session.session.reset();
    finished.fetch_add(1, std::memory_order_relaxed);
    sink_(target.spec.id, result);
    delivered_this_turn_ = true;
    drain_waiting();
}

void ProbeRunner::Impl::shut_down() {
    waiting_.clear();
    for (auto& [id, target] : targets_) {
        target->waiting = false;
        remove(target);
    }
    targets_.clear();
    // With every handle closing, uv_run returns after their callbacks.
    uv_close(reinterpret_cast<uv_handle_t*>(&wake_), nullptr);
    uv_close(reinterpret_cast<uv_handle_t*>(&turn_end_handle_), nullptr);
}

ProbeRunner::ProbeRunner(ProbeSink sink, ProbeTurnEnd turn_end)
    : impl_(std::make_unique<Impl>(std::move(sink), std::move(turn_end))) {}
ProbeRunner::~ProbeRunner() { impl_->stop(); }
bool ProbeRunner::start(std::string& error) { return impl_->start(error); }
void ProbeRunner::set_targets(std::vector<ProbeTarget> targets) { impl_->set_targets(std::move(targets)); }
void ProbeRunner::stop() { impl_->stop(); }
std::uint64_t ProbeRunner::probes_started() const { return impl_->started.load(std::memory_order_relaxed); }
std::uint64_t ProbeRunner::probes_finished() const { return impl_->finished.load(std::memory_order_relaxed); }

}  // namespace azdns
