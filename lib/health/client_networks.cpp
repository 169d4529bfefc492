#include "client_networks.hpp"

#include <algorithm>
#include <cstring>

namespace azdns {

namespace {

using Value = unsigned __int128;  // while building, an address of either family as a number

unsigned width(IpFamily family) { return family == IpFamily::v4 ? 32 : 128; }

// The address as a number (IPv4 in the low 32 bits): byte swaps, not a loop,
// as the answer path calls it.
std::uint32_t v4_value(const IpAddress& address) {
    std::uint32_t value;
    std::memcpy(&value, address.bytes.data(), 4);
    return __builtin_bswap32(value);
}
Value v6_value(const IpAddress& address) {
    std::uint64_t high, low;
    std::memcpy(&high, address.bytes.data(), 8);
    std::memcpy(&low, address.bytes.data() + 8, 8);
    return Value{__builtin_bswap64(high)} << 64 | __builtin_bswap64(low);
}
Value value_of(const IpAddress& address) {
    return address.family == IpFamily::v4 ? Value{v4_value(address)} : v6_value(address);
}

Value all_ones(unsigned bits) { return bits == 0 ? 0 : bits >= 128 ? ~Value{0} : (Value{1} << bits) - 1; }

// How many leading bits two numbers of one family agree on.
unsigned common_leading_bits(std::uint32_t a, std::uint32_t b) {
    return a == b ? 32 : static_cast<unsigned>(__builtin_clz(a ^ b));
}
unsigned common_leading_bits(Value a, Value b) {
    const Value differ = a ^ b;
    if (differ == 0) return 128;
    const auto high = static_cast<std::uint64_t>(differ >> 64);
    return high != 0 ? __builtin_clzll(high) : 64 + __builtin_clzll(static_cast<std::uint64_t>(differ));
}

// The place of `value` in `ranges`, and the widest block around it inside
// its stretch (long enough to leave out both neighbours), at most `bits`.
template <typename Number, typename Ranges>
std::uint16_t search(const Ranges& ranges, Number value, unsigned bits, std::uint8_t& scope) {
    const std::vector<Number>& firsts = ranges.firsts;
    const std::size_t at = static_cast<std::size_t>(std::upper_bound(firsts.begin(), firsts.end(), value) - firsts.begin()) - 1;
    unsigned decides = 0;
    if (at != 0) decides = common_leading_bits(value, static_cast<Number>(firsts[at] - 1)) + 1;
    if (at + 1 != firsts.size()) decides = std::max(decides, common_leading_bits(value, firsts[at + 1]) + 1);
    scope = static_cast<std::uint8_t>(std::min(decides, bits));
    return ranges.places[at];
}

struct Network {
    Value first;
    Value last;
    std::uint8_t length;
    std::uint16_t place;
};

struct Range {
    Value first;
    Value last;
    std::uint16_t place;
};

// Networks either nest or are apart (they are prefixes), so one sweep in
// order of start (outer first) with a stack of the networks around the
// current point yields every stretch and its innermost network.
std::vector<Range> flatten(std::vector<Network> networks, unsigned bits) {
    std::sort(networks.begin(), networks.end(), [](const Network& a, const Network& b) {
        return a.first != b.first ? a.first < b.first : a.length < b.length;
    });
    std::vector<Range> out;
    auto emit = [&](Value first, Value last, std::uint16_t place) {
        if (!out.empty() && out.back().place == place) out.back().last = last;
        else out.push_back({first, last, place});
    };
    const Value end = all_ones(bits);
    Value cursor = 0;
    bool covered = false;  // everything up to `end` is emitted (cursor cannot pass it)
    std::vector<const Network*> around;
    auto close_innermost = [&] {
        const Network& inner = *around.back();
        if (!covered && cursor <= inner.last) {
            emit(cursor, inner.last, inner.place);
            covered = inner.last == end;
            cursor = inner.last + 1;
        }
        around.pop_back();
    };
    for (const Network& network : networks) {
        if (!around.empty() && around.back()->first == network.first && around.back()->length == network.length)
            continue;  // listed twice by one AZ (two AZs listing it is refused by the config)
        while (!around.empty() && around.back()->last < network.first) close_innermost();
        if (cursor < network.first)
            emit(cursor, network.first - 1, around.empty() ? ClientPlace::outside : around.back()->place);
        cursor = std::max(cursor, network.first);
        around.push_back(&network);
    }
    while (!around.empty()) close_innermost();
    if (!covered) emit(cursor, end, ClientPlace::outside);
    return out;
}

}  // namespace

ClientPlace ClientPlace::of_address(const IpAddress& address) {
    ClientPlace client;
    client.address = address;
    client.bits = static_cast<std::uint8_t>(width(address.family));
    return client;
}

ClientNetworks ClientNetworks::build(const std::vector<AzConfig>& azs) {
    ClientNetworks networks;
    std::vector<Network> v4, v6;
    for (std::size_t az = 0; az < azs.size(); ++az) {
        if (azs[az].clients.empty()) continue;
        networks.azs_.push_back(static_cast<std::uint16_t>(az));
        const auto place = static_cast<std::uint16_t>(networks.azs_.size());
        for (const IpPrefix& prefix : azs[az].clients) {
            const unsigned bits = width(prefix.address.family);
            const Value first = value_of(prefix.address);
            const Network network{first, first | all_ones(bits - prefix.length), prefix.length, place};
            (prefix.address.family == IpFamily::v4 ? v4 : v6).push_back(network);
        }
    }
    for (const Range& range : flatten(std::move(v4), 32)) {
        networks.v4_.firsts.push_back(static_cast<std::uint32_t>(range.first));
        networks.v4_.places.push_back(range.place);
    }
    for (const Range& range : flatten(std::move(v6), 128)) {
        networks.v6_.firsts.push_back(range.first);
        networks.v6_.places.push_back(range.place);
    }
    return networks;
}

std::uint16_t ClientNetworks::look_up(const IpAddress& address, unsigned bits, std::uint8_t& scope) const {
    scope = 0;
    if (bits == 0 || azs_.empty()) return ClientPlace::outside;  // nothing known, or nothing to know
    return address.family == IpFamily::v4 ? search(v4_, v4_value(address), bits, scope)
                                          : search(v6_, v6_value(address), bits, scope);
}

}  // namespace azdns
