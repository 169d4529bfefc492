// What kind of response a rate-limit bucket counts (BIND's and Knot's RRL
// classes): responses of different kinds to the same client network are
// limited separately, so a flood of one kind (NXDOMAIN for random names, a
// large answer used for amplification) does not silence the others.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace azdns {

enum class ResponseClass : std::uint8_t { positive, nxdomain, nodata, referral, error, large };
inline constexpr std::size_t response_classes = 6;

// The metric label and log word: "positive", "nxdomain", "nodata",
// "referral", "error", "large".
[[nodiscard]] const char* response_class_name(ResponseClass response_class);

// What the engine knows of a response once it is written.
struct ResponseShape {
    std::uint16_t rcode = 0;            // full RCODE, extended bits included
    std::uint16_t answer_count = 0;     // ANCOUNT
    bool authoritative = false;         // AA
    bool authority_has_ns = false;      // an NS RRset in the authority section
    std::size_t size = 0;               // bytes on the wire
};

// Knot's threshold (RRL_PSIZE_LARGE; BIND has no size class): a NOERROR
// response of 1024 bytes or more is what an amplification attack looks for,
// and a class of its own names it so in logs and metrics. Below the
// 1232-byte EDNS buffer most resolvers offer, above almost every plain answer.
inline constexpr std::size_t large_response_size = 1024;

// In this order: an RCODE other than NOERROR and NXDOMAIN is `error`;
// NXDOMAIN is `nxdomain`; a NOERROR of large_response_size bytes or more is
// `large`; with answers, `positive`; without answers, AA clear and NS in the
// authority section, `referral`; else `nodata`.
[[nodiscard]] ResponseClass classify_response(const ResponseShape& shape);

}  // namespace azdns
