#include "transfer_server.hpp"

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <ctime>
#include <optional>

#include "dns_name.hpp"
#include "framed_socket.hpp"
#include "ixfr_request.hpp"
#include "log.hpp"
#include "query_reader.hpp"
#include "rr_type.hpp"
#include "socket_address.hpp"
#include "transfer_access.hpp"
#include "transfer_messages.hpp"
#include "tsig.hpp"

namespace azdns {

namespace {

using Clock = std::chrono::steady_clock;

constexpr int transfer_nice = 10;

std::string client_text(const Client& client) {
    return (client.address.family == IpFamily::v6 ? "[" + client.address.to_string() + "]"
                                                  : client.address.to_string()) +
           ":" + std::to_string(client.port);
}

std::uint64_t wall_seconds() { return static_cast<std::uint64_t>(std::time(nullptr)); }

// A transfer query the rules allow, with all it needs to be served.
struct AllowedTransfer {
    std::shared_ptr<const ServingState> serving;  // keeps the zone, view and journal alive
    const ZoneTransfers* zone = nullptr;
    TransferView view = TransferView::filtered;
    Query query;
    const TsigKey* key = nullptr;
    TsigCheck check;
};

// nullopt: the engine answers it (REFUSED, NOTAUTH, a TSIG error, FORMERR...).
std::optional<AllowedTransfer> allowed(std::span<const std::uint8_t> message, const Client& client,
                                       std::shared_ptr<const ServingState> serving) {
    AllowedTransfer out;
    if (read_query(message, out.query) != ReadStatus::ok || !serving->transfers) return std::nullopt;
    const Question& question = out.query.question;
    if (question.qclass != rr_class::in) return std::nullopt;
    std::string_view signed_by;
    if (out.query.tsig_offset != 0) {
        const auto tsig = read_tsig(message, out.query.tsig_offset);
        if (!tsig) return std::nullopt;
        out.key = serving->transfers->key(tsig->key_name());
        out.check = verify_tsig(message, *tsig, out.key, wall_seconds());
        if (out.check.verdict != TsigVerdict::ok) return std::nullopt;
        signed_by = out.key->name;
    }
    std::uint32_t slot = 0;
    const Zone* zone = serving->zones->find(question.name(), slot);
    if (zone == nullptr || zone->origin() != question.name()) return std::nullopt;
    out.zone = serving->transfers->zone(slot);
    if (out.zone == nullptr) return std::nullopt;
    const auto view = transfer_view_for(out.zone->rules, client.address, signed_by);
    if (!view) return std::nullopt;
    out.view = *view;
    out.serving = std::move(serving);
    return out;
}

const char* kind_name(TransferMessages::Kind kind, bool asked_ixfr) {
    switch (kind) {
        case TransferMessages::Kind::incremental: return "ixfr";
        case TransferMessages::Kind::up_to_date: return "ixfr-up-to-date";
        case TransferMessages::Kind::axfr: return asked_ixfr ? "ixfr-as-axfr" : "axfr";
    }
    return "axfr";
}

}  // namespace

TransferServer::TransferServer(const AnswerEngine& engine, const ServingSnapshot& serving,
                               QueryCounterRegistry& counters, Options options)
    : engine_(engine), serving_(serving), options_(options), slots_(options.max_connections) {
    for (Slot& slot : slots_) slot.counters = &counters.add();
}

TransferServer::~TransferServer() { stop(); }

void TransferServer::accept(HandedOffConnection connection) {
    std::unique_lock lock(mutex_);
    Slot* free = nullptr;
    for (Slot& slot : slots_) {
        if (!slot.busy) {
            free = &slot;
            break;
        }
    }
    if (stopping_ || free == nullptr) {
        ++totals_.turned_away;
        return;  // the connection closes with `connection`
    }
    if (free->thread.joinable()) free->thread.join();  // it ended: it only had to return
    free->busy = true;
    free->socket = connection.socket.get();
    const std::size_t index = static_cast<std::size_t>(free - slots_.data());
    free->thread = std::thread([this, index, c = std::move(connection)]() mutable { serve(index, std::move(c)); });
}

void TransferServer::stop() {
    std::vector<std::thread> threads;
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
        for (Slot& slot : slots_) {
            if (slot.socket >= 0) ::shutdown(slot.socket, SHUT_RDWR);  // wakes its poll at once
            if (slot.thread.joinable()) threads.push_back(std::move(slot.thread));
        }
    }
    for (std::thread& thread : threads) thread.join();
}

void TransferServer::serve(std::size_t index, HandedOffConnection connection) {
    // Below the answering threads: on a busy core a transfer waits, answers do not
    // (Linux applies a nice value to the one thread named by its id).
    (void)::setpriority(PRIO_PROCESS, static_cast<id_t>(::gettid()), transfer_nice);
    const int fd = connection.socket.get();
    ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
    FramedSocket socket(fd, std::move(connection.received), options_.idle_timeout);
    const auto closes_at = Clock::now() + options_.max_connection_time;
    socket.set_deadline(closes_at);
    QueryCounters& counters = *slots_[index].counters;
    std::vector<std::uint8_t> query;
    std::vector<std::uint8_t> out(max_message_size);
    // One connection may ask for several transfers, and ordinary queries too,
    // until closes_at (checked here too: pipelined queries need no wait).
    for (bool open = true; open && Clock::now() < closes_at && socket.next(query) == FramedSocket::Read::frame;) {
        auto serving = serving_.load();
        // What is not a transfer to serve here is the engine's to answer (a refusal, any other query).
        const auto answer_by_engine = [&] {
            AnswerStats stats;
            const std::size_t length = engine_.answer(query, *serving->zones, connection.client, out,
                                                      serving->health.get(), &stats, serving->transfers.get());
            counters.count(Transport::tcp, length, stats);
            return length == 0 || socket.write({out.data(), length});
        };
        const bool asked_transfer = is_transfer_query(query);
        auto transfer = asked_transfer ? allowed(query, connection.client, serving) : std::nullopt;
        if (!transfer) {
            // A transfer not served ends the connection, its slot free for the next.
            open = answer_by_engine() && !asked_transfer;
            continue;
        }
        const AllowedTransfer& t = *transfer;
        const HealthView* view = t.view == TransferView::filtered ? t.serving->health.get() : nullptr;
        const std::uint32_t serial = t.zone->serial(t.view);
        const TransferLimits limits{.max_message = max_message_size,
                                    .tsig_reserve = t.key != nullptr ? tsig_record_size(*t.key) : 0};
        const bool asked_ixfr = t.query.question.qtype == rr_type::ixfr;
        std::optional<std::uint32_t> client_serial;
        if (asked_ixfr) {
            client_serial = ixfr_client_serial(query);
            if (!client_serial) {  // RFC 1995 section 3: an IXFR carries the client's SOA
                (void)answer_by_engine();
                break;  // not served: the connection ends, as a refused one does
            }
        }
        TransferMessages messages =
            asked_ixfr ? TransferMessages::ixfr(t.query, *t.zone->zone, view, serial, *client_serial,
                                                t.zone->journal(t.view), limits)
                       : TransferMessages::axfr(t.query, *t.zone->zone, view, serial, limits);
        std::optional<TsigStreamSigner> signer;
        if (t.key != nullptr) signer.emplace(*t.key, t.check.request_mac());

        TransferOutRecord record;
        record.when = std::chrono::system_clock::now();
        record.client = client_text(connection.client);
        record.view = t.view == TransferView::filtered ? "filtered" : "raw";
        record.serial = serial;
        const auto began = Clock::now();
        while (std::size_t length = messages.next_message(out)) {
            if (signer) length = signer->sign_next(out, length, wall_seconds());
            if (length == 0) {
                record.error = "a message and its signature do not fit";
                break;
            }
            if (Clock::now() >= closes_at || !socket.write({out.data(), length})) {
                record.error =
                    Clock::now() >= closes_at ? "past the time limit per connection" : "the client stopped reading";
                break;
            }
            ++record.messages;
            record.bytes += length;
        }
        if (record.error.empty() && messages.failed()) record.error = "a record fits in no message";
        record.kind = kind_name(messages.kind(), asked_ixfr);
        record.took = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - began);
        open = record.error.empty();
        log_event(std::string(record.error.empty() ? "transfer out: " : "transfer out failed: ") + record.kind +
                      " of " + name_to_text(t.zone->origin) + " (" + record.view + ") serial " +
                      std::to_string(serial) + " to " + record.client + ", " + std::to_string(record.messages) +
                      " messages, " + std::to_string(record.bytes) + " bytes, " + std::to_string(record.took.count()) +
                      " ms" + (record.error.empty() ? "" : ": " + record.error),
                  {{"event", record.error.empty() ? "transfer_out" : "transfer_out_failed"},
                   {"zone", name_to_text(t.zone->origin)},
                   {"kind", record.kind},
                   {"view", record.view},
                   {"serial", std::to_string(serial)},
                   {"client", record.client},
                   {"messages", std::to_string(record.messages)},
                   {"bytes", std::to_string(record.bytes)}});
        remember(t.zone->origin, std::move(record), messages.kind() != TransferMessages::Kind::axfr);
    }
    std::lock_guard lock(mutex_);
    slots_[index].socket = -1;  // stop() must not shut down a descriptor number reused after this
    slots_[index].busy = false;
    connection.socket = Fd();   // closes it, under the lock for the same reason
}

void TransferServer::remember(const std::string& origin, TransferOutRecord record, bool incremental) {
    std::lock_guard lock(mutex_);
    if (!record.error.empty()) ++totals_.failed;
    else if (incremental) ++totals_.ixfr;
    else ++totals_.axfr;
    last_[origin] = std::move(record);
}

TransferOutTotals TransferServer::totals() const {
    std::lock_guard lock(mutex_);
    return totals_;
}

std::map<std::string, TransferOutRecord> TransferServer::last_by_zone() const {
    std::lock_guard lock(mutex_);
    return last_;
}

}  // namespace azdns
