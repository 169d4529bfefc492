// Big-endian integers of the DNS wire (RFC 1035 section 2.3.2), read from and
// written to raw bytes the caller has already bounds-checked.
#pragma once

#include <cstdint>

namespace azdns {

[[nodiscard]] inline std::uint16_t read_u16(const std::uint8_t* p) { return static_cast<std::uint16_t>(p[0] << 8 | p[1]); }

[[nodiscard]] inline std::uint32_t read_u32(const std::uint8_t* p) {
    return std::uint32_t{read_u16(p)} << 16 | read_u16(p + 2);
}

// TSIG's Time Signed (RFC 8945 section 4.2).
[[nodiscard]] inline std::uint64_t read_u48(const std::uint8_t* p) {
    return std::uint64_t{read_u16(p)} << 32 | read_u32(p + 2);
}

inline void write_u16(std::uint8_t* p, std::uint16_t value) {
    p[0] = static_cast<std::uint8_t>(value >> 8);
    p[1] = static_cast<std::uint8_t>(value);
}

inline void write_u32(std::uint8_t* p, std::uint32_t value) {
    write_u16(p, static_cast<std::uint16_t>(value >> 16));
    write_u16(p + 2, static_cast<std::uint16_t>(value));
}

inline void write_u48(std::uint8_t* p, std::uint64_t value) {
    write_u16(p, static_cast<std::uint16_t>(value >> 32));
    write_u32(p + 2, static_cast<std::uint32_t>(value));
}

}  // namespace azdns
