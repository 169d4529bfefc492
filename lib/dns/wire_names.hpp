// Names in a DNS message (RFC 1035 section 4.1.4): stepping over one without
// following it (what a reader that only needs the next field does), and
// reading one whole, its pointers followed.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "ascii.hpp"

namespace azdns {

// Steps `pos` over one possibly compressed name; `is_root` says whether it
// was the root name. False when malformed: past the message's end, a label
// type other than 0 and 0xC0, longer than 255 bytes, or a pointer that does
// not go backwards (into what was read before).
[[nodiscard]] inline bool skip_name(std::span<const std::uint8_t> packet, std::size_t& pos, bool& is_root) {
    std::size_t length = 0;
    is_root = true;
    while (true) {
        if (pos >= packet.size()) return false;
        std::uint8_t label = packet[pos];
        if ((label & 0xC0) == 0xC0) {
            if (pos + 2 > packet.size()) return false;
            std::size_t target = static_cast<std::size_t>(label & 0x3F) << 8 | packet[pos + 1];
            if (target >= pos) return false;
            is_root = false;
            pos += 2;
            return true;
        }
        if (label > 63) return false;  // 0x40 and 0x80: obsolete or reserved label types
        pos += 1u + label;
        length += 1u + label;
        if (length > 255) return false;
        if (label == 0) return true;
        is_root = false;
    }
}

// Reads the possibly compressed name at `pos` into `out`, uncompressed and
// in the case sent; `length` gets its size, root byte included, and `pos`
// moves past the bytes it takes at `pos`. False when malformed, as for
// skip_name; pointers must go backwards, so the walk ends.
[[nodiscard]] inline bool read_name(std::span<const std::uint8_t> packet, std::size_t& pos,
                                    std::array<char, 255>& out, std::size_t& length) {
    std::size_t at = pos;
    bool jumped = false;
    length = 0;
    while (true) {
        if (at >= packet.size()) return false;
        std::uint8_t label = packet[at];
        if ((label & 0xC0) == 0xC0) {
            if (at + 2 > packet.size()) return false;
            std::size_t target = static_cast<std::size_t>(label & 0x3F) << 8 | packet[at + 1];
            if (target >= at) return false;
            if (!jumped) pos = at + 2;
            jumped = true;
            at = target;
            continue;
        }
        if (label > 63 || length + 1u + label > 255 || at + 1u + label > packet.size()) return false;
        for (std::size_t i = 0; i <= label; ++i) out[length + i] = static_cast<char>(packet[at + i]);
        length += 1u + label;
        at += 1u + label;
        if (label == 0) break;
    }
    if (!jumped) pos = at;
    return true;
}

}  // namespace azdns
