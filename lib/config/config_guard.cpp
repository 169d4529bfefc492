#include "config_guard.hpp"

#include <string>

#include "cookie_secret_file.hpp"

namespace azdns {

namespace {

// More than a handful of exempt networks is a sign the limit is wrong, and
// every limited response searches the list.
constexpr std::size_t max_exempt = 1000;

}  // namespace

void read_rrl(ConfigSection& s, RrlConfig& rrl) {
    if (const auto rate = s.integer("responses_per_second", 0, 1'000'000))
        rrl.responses_per_second = static_cast<std::uint32_t>(*rate);
    if (const auto slip = s.integer("slip", 0, 100)) rrl.slip = static_cast<std::uint32_t>(*slip);
    // Narrower than /8 or /16 would put whole providers in one network.
    if (const auto bits = s.integer("ipv4_prefix", 8, 32)) rrl.ipv4_prefix = static_cast<std::uint8_t>(*bits);
    if (const auto bits = s.integer("ipv6_prefix", 16, 128)) rrl.ipv6_prefix = static_cast<std::uint8_t>(*bits);
    const auto exempt = s.strings("exempt");
    if (!exempt) return;
    if (exempt->size() > max_exempt)
        s.error(s.where("exempt"), "rrl.exempt lists " + std::to_string(exempt->size()) +
                                       " networks; at most " + std::to_string(max_exempt));
    for (const auto& [text, where] : *exempt) {
        std::string why;
        const auto prefix = IpPrefix::parse(text, &why);
        if (!prefix)
            s.error(where, "invalid rrl.exempt \"" + text + "\": " + why);
        else
            rrl.exempt.push_back(*prefix);
    }
}

void read_cookies(ConfigSection& s, const ConfigFolder& folder, CookiesConfig& cookies) {
    cookies.enabled = true;
    const auto file = s.string("secret_file");
    if (!file) return;
    if (file->empty()) {
        s.error(s.where("secret_file"), "cookies.secret_file must not be empty (leave it out for a random secret)");
        return;
    }
    cookies.secret_file = folder.resolve(*file);
    std::string error;
    cookies.secrets = read_cookie_secrets(cookies.secret_file, error);
    if (!cookies.secrets) s.error(s.where("secret_file"), "cookies.secret_file: " + error);
}

}  // namespace azdns
