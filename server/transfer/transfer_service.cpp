#include "transfer_service.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <ctime>

#include "durable_file.hpp"
#include "log.hpp"
#include "regular_file.hpp"
#include "tsig.hpp"

namespace azdns {

namespace {

constexpr char serials_file[] = "transfer-serials.json";
// About 100 bytes a zone: room for a hundred thousand zones.
constexpr std::uint64_t max_serials_file = 16 << 20;

}  // namespace

SerialBook::Entries load_transfer_serials(const std::string& state_dir, std::string& problem) {
    const std::string path = state_dir + "/" + serials_file;
    struct stat st{};
    if (::lstat(path.c_str(), &st) != 0 && errno == ENOENT) return {};  // nothing saved yet
    const FileContent content = read_regular_file(path, max_serials_file);
    if (!content.error.empty()) {
        problem = "cannot read " + path + ": " + content.error;
        return {};
    }
    std::string why;
    auto entries = decode_serials(content.text, why);
    if (!entries) {
        problem = path + ": " + why;
        return {};
    }
    return std::move(*entries);
}

TransferService::TransferService(const AnswerEngine& engine, const ServingSnapshot& serving,
                                 QueryCounterRegistry& counters, std::string state_dir,
                                 TransferServer::Options options)
    : state_dir_(std::move(state_dir)),
      server_(engine, serving, counters, options),
      notifier_(NotifySenderOptions{.sign = [this](std::span<std::uint8_t> buffer, std::size_t length,
                                                   std::string_view origin, const SocketAddress& target) {
          return sign_notify(buffer, length, origin, target);
      }}),
      saver_([this] { save_loop(); }) {}

TransferService::~TransferService() { stop(); }

void TransferService::published(std::shared_ptr<const TransferState> state, const SerialBook& book) {
    std::lock_guard lock(mutex_);
    std::map<std::string, std::pair<std::uint32_t, std::uint32_t>> told;
    for (const ZoneTransfers& zone : state->zones()) {
        const std::pair serials{zone.filtered_serial, zone.raw_serial};
        const auto before = told_.find(zone.origin);
        if (!zone.notify.empty() && (before == told_.end() || before->second != serials)) {
            std::vector<SocketAddress> targets;
            for (const ListenAddress& target : zone.notify) targets.push_back(target);
            // The serial a secondary of the filtered view will find; a raw
            // secondary compares its own, whatever the NOTIFY says.
            notifier_.notify(zone.origin, zone.serves_filtered ? zone.filtered_serial : zone.raw_serial,
                             std::move(targets));
        }
        told[zone.origin] = serials;
    }
    told_ = std::move(told);
    state_ = std::move(state);
    if (book.version() != saved_version_) {
        saved_version_ = book.version();
        to_save_ = encode_serials(book.entries());
        wake_.notify_one();
    }
}

const TsigKey* TransferService::notify_key(std::string_view origin, const SocketAddress& target) const {
    if (!state_) return nullptr;
    for (const ZoneTransfers& zone : state_->zones()) {
        if (zone.origin != origin) continue;
        for (const TransferRule& rule : zone.rules) {
            if (rule.key.empty()) continue;
            for (const IpPrefix& prefix : rule.prefixes)
                if (prefix.contains(target.address)) return state_->key(rule.key);
        }
    }
    return nullptr;
}

std::size_t TransferService::sign_notify(std::span<std::uint8_t> buffer, std::size_t length, std::string_view origin,
                                         const SocketAddress& target) const {
    std::lock_guard lock(mutex_);
    const TsigKey* key = notify_key(origin, target);
    if (key == nullptr) return length;
    return sign_tsig(buffer, length, *key, {}, 0, static_cast<std::uint64_t>(std::time(nullptr)));
}

void TransferService::save_loop() {
    std::unique_lock lock(mutex_);
    while (true) {
        wake_.wait(lock, [&] { return stopping_ || to_save_; });
        if (to_save_) {
            const std::string text = std::move(*to_save_);
            to_save_.reset();
            lock.unlock();  // a slow disk never holds up a publish
            if (const std::string error = replace_file_durably(state_dir_, serials_file, text); !error.empty())
                log_event("cannot save the transfer serials: " + error, {{"event", "transfer_serials_not_saved"}});
            lock.lock();
            continue;
        }
        if (stopping_) return;
    }
}

void TransferService::stop() {
    server_.stop();
    notifier_.stop();
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_one();
    if (saver_.joinable()) saver_.join();
}

}  // namespace azdns
