// Zone transfers on the server's side (docs/transfers.md), wired once by
// `azdns serve`: the transfer server (AXFR/IXFR out), NOTIFY to each zone's
// secondaries on every new serial, and the filtered views' serials saved in
// state_dir. Everything it learns comes from the publisher's observer.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "notify_sender.hpp"
#include "served_serials.hpp"
#include "transfer_server.hpp"
#include "transfer_state.hpp"

namespace azdns {

// The serials saved by an earlier run, or none (first start, or a damaged
// file: `problem` then says why, and serials start again from the files').
[[nodiscard]] SerialBook::Entries load_transfer_serials(const std::string& state_dir, std::string& problem);

class TransferService {
public:
    TransferService(const AnswerEngine& engine, const ServingSnapshot& serving, QueryCounterRegistry& counters,
                    std::string state_dir, TransferServer::Options options);
    TransferService(const TransferService&) = delete;
    TransferService& operator=(const TransferService&) = delete;
    ~TransferService();  // stop()

    // ServingPublisher's observer, under its lock: only queues.
    void published(std::shared_ptr<const TransferState> state, const SerialBook& book);
    // TransferHandoff, from the workers.
    void accept(HandedOffConnection connection) { server_.accept(std::move(connection)); }
    // Ends transfers in flight, NOTIFY resends and the saving thread, after a last save.
    void stop();

    [[nodiscard]] const TransferServer& server() const { return server_; }
    [[nodiscard]] const NotifySender& notifier() const { return notifier_; }

private:
    // The key to sign a NOTIFY to `target` for `origin` with: that of the
    // first allow_transfer rule of the zone that names a key and holds the
    // target's address (the key the secondary transfers with); none: unsigned.
    [[nodiscard]] const TsigKey* notify_key(std::string_view origin, const SocketAddress& target) const;
    std::size_t sign_notify(std::span<std::uint8_t> buffer, std::size_t length, std::string_view origin,
                            const SocketAddress& target) const;
    void save_loop();

    std::string state_dir_;
    TransferServer server_;
    NotifySender notifier_;

    mutable std::mutex mutex_;
    std::shared_ptr<const TransferState> state_;    // the newest: its keys sign NOTIFYs
    std::map<std::string, std::pair<std::uint32_t, std::uint32_t>> told_;  // origin -> serials NOTIFY was sent for
    std::uint64_t saved_version_ = 0;
    std::optional<std::string> to_save_;  // the serials file's next text
    bool stopping_ = false;
    std::condition_variable wake_;
    std::thread saver_;
};

}  // namespace azdns
