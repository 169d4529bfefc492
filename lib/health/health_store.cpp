#include "health_store.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "durable_file.hpp"
#include "regular_file.hpp"

namespace azdns {

namespace {

using Json = nlohmann::json;
using std::chrono::duration_cast;
using std::chrono::milliseconds;

constexpr int format_version = 1;

constexpr char file_name[] = "health.json";

std::string file_path(const std::string& dir) { return dir + "/" + file_name; }

// Steady -> wall-clock milliseconds since the epoch, and back.
std::int64_t to_wall_ms(HealthTime t, WallTime wall_now, HealthTime steady_now) {
    auto wall = wall_now + duration_cast<WallTime::duration>(t - steady_now);
    return duration_cast<milliseconds>(wall.time_since_epoch()).count();
}

HealthTime from_wall_ms(std::int64_t ms, WallTime wall_now, HealthTime steady_now) {
    return steady_now + duration_cast<HealthTime::duration>(WallTime(milliseconds(ms)) - wall_now);
}

std::string to_json_text(const HealthSnapshot& snapshot, WallTime wall_now, HealthTime steady_now) {
    Json fences = Json::array();
    auto fence_json = [&](const std::string& az, const ManualFence& fence, HealthTime since) {
        Json item{{"az", az}, {"reason", fence.reason}, {"since_ms", to_wall_ms(since, wall_now, steady_now)}};
        if (fence.expires) item["expires_ms"] = to_wall_ms(*fence.expires, wall_now, steady_now);
        return item;
    };
    for (const AzView& az : snapshot.azs) {
        // A local fence is stored as version 1 files stored every fence.
        if (az.local_fence) fences.push_back(fence_json(az.name, *az.local_fence, az.local_since));
        const FleetFenceRecord& fleet = az.fleet_fence;
        if (fleet.version.counter == 0) continue;
        // A lifted fleet-wide fence is kept too: its version outranks the
        // fence it lifted, should a peer still hold that one.
        Json item = fence_json(az.name, fleet.fence, fleet.since);
        item["fleet"] = {{"fenced", fleet.fenced}, {"counter", fleet.version.counter},
                         {"instance", fleet.version.instance}};
        fences.push_back(std::move(item));
    }
    Json endpoints = Json::array();
    for (const EndpointView& view : snapshot.endpoints) {
        // This instance's own verdict: the fleet's comes back from the peers.
        if (view.local == EndpointStatus::unknown) continue;
        endpoints.push_back({{"address", view.id.address.to_string()},
                             {"check", view.id.check},
                             {"status", view.local == EndpointStatus::up ? "up" : "down"},
                             {"since_ms", to_wall_ms(view.local_since, wall_now, steady_now)}});
    }
    Json doc{{"version", format_version}, {"fences", fences}, {"endpoints", endpoints}};
    return doc.dump(2) + "\n";
}

// Throws nlohmann::json::exception or std::runtime_error on a bad document.
StoredHealth from_json(const Json& doc, WallTime wall_now, HealthTime steady_now) {
    if (doc.at("version").get<int>() != format_version)
        throw std::runtime_error("unsupported version " + doc.at("version").dump());
    StoredHealth out;
    auto now_ms = duration_cast<milliseconds>(wall_now.time_since_epoch()).count();
    for (const Json& item : doc.at("fences")) {
        StoredFence fence;
        fence.az = item.at("az").get<std::string>();
        fence.fence.reason = item.at("reason").get<std::string>();
        fence.since = from_wall_ms(item.at("since_ms").get<std::int64_t>(), wall_now, steady_now);
        if (item.contains("fleet")) {
            const Json& fleet = item.at("fleet");
            fence.scope = FenceScope::fleet;
            fence.fenced = fleet.at("fenced").get<bool>();
            fence.version = {fleet.at("counter").get<std::uint64_t>(), fleet.at("instance").get<std::string>()};
        }
        if (item.contains("expires_ms")) {
            auto expires = item.at("expires_ms").get<std::int64_t>();
            fence.fence.expires = from_wall_ms(expires, wall_now, steady_now);
            if (expires <= now_ms) {  // expired while we were down
                if (fence.scope == FenceScope::local) continue;
                fence.fenced = false;  // its version still outranks older ones
            }
        }
        out.fences.push_back(std::move(fence));
    }
    for (const Json& item : doc.at("endpoints")) {
        auto text = item.at("address").get<std::string>();
        auto address = IpAddress::parse(text);
        if (!address) throw std::runtime_error("bad address \"" + text + "\"");
        auto status = item.at("status").get<std::string>();
        if (status != "up" && status != "down")
            throw std::runtime_error("bad status \"" + status + "\"");
        out.endpoints.push_back(
            {{*address, item.at("check").get<std::string>()},
             status == "up" ? EndpointStatus::up : EndpointStatus::down,
             from_wall_ms(item.at("since_ms").get<std::int64_t>(), wall_now, steady_now)});
    }
    return out;
}

}  // namespace

std::string save_health_state(const std::string& dir, const HealthSnapshot& snapshot,
                              WallTime wall_now, HealthTime steady_now) {
    return replace_file_durably(dir, file_name, to_json_text(snapshot, wall_now, steady_now));
}

std::uint64_t health_state_size_limit(const HealthStateScope& scope) {
    return (std::uint64_t{64} << 10) + (std::uint64_t{1} << 10) * scope.endpoints +
           (std::uint64_t{512} << 10) * scope.azs;
}

LoadedHealth load_health_state(const std::string& dir, WallTime wall_now, HealthTime steady_now,
                               const HealthStateScope& scope) {
    std::string path = file_path(dir);
    struct stat st{};
    if (::lstat(path.c_str(), &st) != 0 && errno == ENOENT) return {};  // nothing saved yet
    FileContent content = read_regular_file(path, health_state_size_limit(scope));
    if (content.too_large)
        content.error += ", more than a state file for " + std::to_string(scope.endpoints) + " endpoints and " +
                         std::to_string(scope.azs) + " AZs holds";
    if (!content.error.empty()) return {{}, "cannot read " + path + ": " + content.error};
    Json doc = Json::parse(content.text, nullptr, /*allow_exceptions=*/false);
    if (doc.is_discarded()) return {{}, path + ": not valid JSON (corrupt or truncated)"};
    try {
        return {from_json(doc, wall_now, steady_now), {}};
    } catch (const std::exception& e) {
        return {{}, path + ": " + e.what()};
    }
}

}  // namespace azdns
