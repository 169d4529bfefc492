// Domain names in uncompressed wire form (length-prefixed labels ending with
// the root's zero byte), held in std::string. "Canonical" means ASCII letters
// lowercased (RFC 4034 section 6.2): the form the zone store keys on.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace azdns {

inline constexpr std::size_t max_name_length = 255;
inline constexpr std::size_t max_label_length = 63;

// Parses an absolute presentation-format name ("www.example.com." or
// "www.example.com"; "." is the root), with \X and \DDD escapes. Letter case
// is kept. nullopt for empty labels, over-long labels or names, bad escapes.
[[nodiscard]] std::optional<std::string> name_from_text(std::string_view text);

// Presentation form with the trailing dot, escaping what needs escaping.
[[nodiscard]] std::string name_to_text(std::string_view wire);
// The same, appended to `out`: writing a zone file allocates nothing per name.
void name_append_text(std::string& out, std::string_view wire);

// Lowercases ASCII letters in place.
void name_canonicalize(std::string& wire);
[[nodiscard]] std::string name_canonical(std::string_view wire);

[[nodiscard]] std::size_t name_label_count(std::string_view wire);

// The name without its first label; the root's parent is the root.
[[nodiscard]] std::string_view name_parent(std::string_view wire);

// True when `name` equals `ancestor` or lies below it. Both canonical.
[[nodiscard]] bool name_is_at_or_below(std::string_view name, std::string_view ancestor);

// RFC 4034 section 6.1 canonical ordering of canonical names: <0, 0, >0.
[[nodiscard]] int name_canonical_compare(std::string_view a, std::string_view b);

}  // namespace azdns
