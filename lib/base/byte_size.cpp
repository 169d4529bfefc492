#include "byte_size.hpp"

#include <array>
#include <utility>

namespace azdns {

namespace {

constexpr std::array<std::pair<std::string_view, unsigned>, 7> units{{
    {"B", 0}, {"K", 10}, {"KiB", 10}, {"M", 20}, {"MiB", 20}, {"G", 30}, {"GiB", 30},
}};

}  // namespace

std::optional<std::uint64_t> parse_byte_size(std::string_view text) {
    std::uint64_t number = 0;
    std::size_t i = 0;
    for (; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i)
        if (__builtin_mul_overflow(number, 10U, &number) ||
            __builtin_add_overflow(number, static_cast<unsigned>(text[i] - '0'), &number))
            return std::nullopt;
    if (i == 0) return std::nullopt;
    const std::string_view unit = text.substr(i);
    for (const auto& [name, shift] : units) {
        if (unit != name) continue;
        if (shift != 0 && number > (UINT64_MAX >> shift)) return std::nullopt;
        return number << shift;
    }
    return std::nullopt;
}

std::string byte_size_text(std::uint64_t bytes) {
    for (const auto& [suffix, shift] : {std::pair{"G", 30U}, {"M", 20U}, {"K", 10U}}) {
        const std::uint64_t unit = std::uint64_t{1} << shift;
        if (bytes != 0 && bytes % unit == 0) return std::to_string(bytes / unit) + suffix;
    }
    return std::to_string(bytes) + "B";
}

}  // namespace azdns
