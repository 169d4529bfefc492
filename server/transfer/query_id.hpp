// The ID of a query azdns sends (NOTIFY, SOA, AXFR, IXFR).
#pragma once

#include <cstdint>
#include <random>

namespace azdns {

[[nodiscard]] inline std::uint16_t random_query_id() {
    // libstdc++'s random_device reads the kernel's CSPRNG (or RDRAND): an
    // ID a spoofer cannot predict, as RFC 5452 asks of queries.
    static thread_local std::random_device device;
    return static_cast<std::uint16_t>(device());
}

}  // namespace azdns
