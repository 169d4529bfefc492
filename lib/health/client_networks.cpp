#include "client_networks.hpp"

#include <algorithm>

namespace azdns {

namespace {

using Value = unsigned __int128;

unsigned width(IpFamily family) { return family == IpFamily::v4 ? 32 : 128; }

Value value_of(const IpAddress& address) {
    Value value = 0;
    for (std::size_t i = 0; i < address.size(); ++i) value = value << 8 | address.bytes[i];
    return value;
}

Value all_ones(unsigned bits) { return bits == 0 ? 0 : bits >= 128 ? ~Value{0} : (Value{1} << bits) - 1; }

// How many leading bits of two `bits`-wide numbers agree.
unsigned common_leading_bits(Value a, Value b, unsigned bits) {
    const Value differ = a ^ b;
    if (differ == 0) return bits;
    const auto high = static_cast<std::uint64_t>(differ >> 64);
    const unsigned zeros = high != 0 ? __builtin_clzll(high) : 64 + __builtin_clzll(static_cast<std::uint64_t>(differ));
    return zeros - (128 - bits);
}

struct Network {
    Value first;
    Value last;
    std::uint8_t length;
    std::uint16_t place;
};

// Networks either nest or are apart (they are prefixes), so one sweep in
// order of start (outer first) with a stack of the networks around the
// current point yields every stretch and its innermost network.
template <typename Range>
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
    networks.v4_ = flatten<Range>(std::move(v4), 32);
    networks.v6_ = flatten<Range>(std::move(v6), 128);
    return networks;
}

std::uint16_t ClientNetworks::look_up(const IpAddress& address, unsigned bits, std::uint8_t& scope) const {
    scope = 0;
    if (bits == 0 || azs_.empty()) return ClientPlace::outside;  // nothing known, or nothing to know
    const std::vector<Range>& ranges = address.family == IpFamily::v4 ? v4_ : v6_;
    const unsigned family_bits = width(address.family);
    const Value value = value_of(address);
    auto after = std::upper_bound(ranges.begin(), ranges.end(), value,
                                  [](Value v, const Range& range) { return v < range.first; });
    const Range& range = *(after - 1);  // ranges start at 0, so one holds every value
    // The widest block around `value` inside the range: long enough to
    // leave out the neighbours on both sides.
    unsigned decides = 0;
    if (range.first != 0) decides = std::max(decides, common_leading_bits(value, range.first - 1, family_bits) + 1);
    if (range.last != all_ones(family_bits))
        decides = std::max(decides, common_leading_bits(value, range.last + 1, family_bits) + 1);
    scope = static_cast<std::uint8_t>(std::min(decides, bits));
    return range.place;
}

}  // namespace azdns
