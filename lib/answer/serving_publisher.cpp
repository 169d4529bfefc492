#include "serving_publisher.hpp"

namespace azdns {

ServingPublisher::Inputs ServingPublisher::prepare(std::shared_ptr<const ZoneSet> zones,
                                                   std::shared_ptr<const Config> config,
                                                   const HealthTargets& targets) {
    std::vector<EndpointId> probed;
    probed.reserve(targets.endpoints.size());
    for (const HealthTarget& target : targets.endpoints) probed.push_back(target.id);
    auto index = HealthIndex::build(*zones, *config, std::move(probed));
    return {std::move(config), std::move(zones), std::move(index)};
}

ServingPublisher::ServingPublisher(std::shared_ptr<const Config> config, ServingSnapshot& out,
                                   SerialBook::Entries serials)
    : out_(out), transfers_(std::move(serials)), random_cookie_secret_(random_cookie_secret()) {
    current_.config = std::move(config);
    guard_ = ClientGuard::build(*current_.config, nullptr, random_cookie_secret_);
}

void ServingPublisher::replace(Inputs next, const HealthSnapshot& health) {
    std::lock_guard lock(mutex_);
    current_ = std::move(next);
    guard_ = ClientGuard::build(*current_.config, guard_.get(), random_cookie_secret_);
    publish_locked(health);
}

void ServingPublisher::publish(const HealthSnapshot& health) {
    std::lock_guard lock(mutex_);
    if (current_.zones) publish_locked(health);  // before the first replace() there is nothing to filter
}

std::shared_ptr<const Config> ServingPublisher::config() const {
    std::lock_guard lock(mutex_);
    return current_.config;
}

void ServingPublisher::publish_locked(const HealthSnapshot& health) {
    auto view = HealthView::build(current_.index, health);
    auto transfers = transfers_.advance(*current_.config, *current_.zones, view);
    out_.publish({current_.zones, std::move(view), transfers, guard_});
    rebuilds_.fetch_add(1, std::memory_order_relaxed);
    if (observer_) observer_(std::move(transfers), transfers_.serials());
}

}  // namespace azdns
