// Which AZ a client lives in (docs/health.md, "The client's own AZ first").
// The networks every [[az]] lists under `clients` are flattened, once per
// HealthIndex, into sorted ranges that do not overlap (the longest prefix
// wins where networks nest), one table per family. A query's lookup is then
// one binary search and no allocation, and the range it lands in also gives
// the widest prefix with the same answer: the scope of an EDNS Client
// Subnet reply (RFC 7871 section 7.2.1).
#pragma once

#include <cstdint>
#include <vector>

#include "config.hpp"
#include "ip_prefix.hpp"

namespace azdns {

// Where one query's client is, found at most once per query and only when
// an answer depends on it. Built on the answering thread's stack.
struct ClientPlace {
    static constexpr std::uint16_t unknown = UINT16_MAX;
    static constexpr std::uint16_t outside = 0;  // in no AZ's clients

    IpAddress address{};    // bits past `bits` are zero
    std::uint8_t bits = 0;  // leading bits of `address` known; 0: nothing is (ECS source /0)
    std::uint16_t place = unknown;  // outside, or 1 + an index into ClientNetworks::azs()
    std::uint8_t scope = 0;         // leading bits of `address` that decide `place`

    // The query's source address, every bit known.
    [[nodiscard]] static ClientPlace of_address(const IpAddress& address);
};

class ClientNetworks {
public:
    // AZ numbers are positions in `azs`.
    [[nodiscard]] static ClientNetworks build(const std::vector<AzConfig>& azs);

    // Resolves `client.place` and `client.scope` the first time; later calls
    // return what the first found. Does not allocate.
    std::uint16_t place(ClientPlace& client) const {
        if (client.place == ClientPlace::unknown) client.place = look_up(client.address, client.bits, client.scope);
        return client.place;
    }
    // Place p (1..) stands for AZ number azs()[p - 1].
    [[nodiscard]] const std::vector<std::uint16_t>& azs() const { return azs_; }
    [[nodiscard]] bool empty() const { return azs_.empty(); }

private:
    // One family's space as stretches in order, each from firsts[i] to
    // firsts[i + 1] - 1 (the last to the end), the first from 0. Apart, so
    // that a search reads a dense array of numbers.
    template <typename Value>
    struct Ranges {
        std::vector<Value> firsts;
        std::vector<std::uint16_t> places;
    };

    [[nodiscard]] std::uint16_t look_up(const IpAddress& address, unsigned bits, std::uint8_t& scope) const;

    Ranges<std::uint32_t> v4_;
    Ranges<unsigned __int128> v6_;
    std::vector<std::uint16_t> azs_;  // the AZs with clients, in config order
};

}  // namespace azdns
