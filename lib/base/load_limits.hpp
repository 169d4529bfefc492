// Bounds on loading zones, so that no file makes a load run without end
// (spec: "Reload"): the size of a zone's files, its records, and a stop for
// a reload that passes its time bound or meets a shutdown. Checked as the
// files are read.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <stop_token>

namespace azdns {

// server.max_zone_size's default: room for 10 million records of 100 bytes,
// over three times the 28 bytes a typical host record takes.
inline constexpr std::uint64_t default_max_zone_size = std::uint64_t{1} << 30;
// server.max_zone_records' default, for zone files and transfers in alike:
// a zone that loads on a primary then also transfers to a secondary.
inline constexpr std::uint64_t default_max_zone_records = 10'000'000;

// When a load gives up before its end. The default never does.
class LoadStop {
public:
    using Clock = std::chrono::steady_clock;
    using Now = std::function<Clock::time_point()>;
    enum class Reason { none, deadline, shutdown };

    LoadStop() = default;
    // `now` is injected so tests can pass the deadline without waiting.
    LoadStop(Clock::time_point deadline, std::stop_token shutdown, Now now = Clock::now)
        : deadline_(deadline), shutdown_(std::move(shutdown)), now_(std::move(now)) {}

    [[nodiscard]] Reason reason() const {
        if (shutdown_.stop_requested()) return Reason::shutdown;
        if (now_ && now_() >= deadline_) return Reason::deadline;
        return Reason::none;
    }
    [[nodiscard]] bool due() const { return reason() != Reason::none; }

private:
    Clock::time_point deadline_{};
    std::stop_token shutdown_;
    Now now_;  // empty: no deadline
};

// What loading one zone may take.
struct ZoneLoadLimits {
    std::uint64_t max_bytes = default_max_zone_size;  // its file and its $INCLUDEs together
    LoadStop stop;
    std::uint64_t max_records = default_max_zone_records;
};

}  // namespace azdns
