// Zone transfers in the config (docs/transfers.md): the [[key]] entries
// (TSIG keys, secrets read from their files now, so `azdns check` proves
// them), each zone's `notify` and [[zone.allow_transfer]] rules, and a
// secondary zone's primaries.
// Internal to the config loader.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config.hpp"
#include "config_files.hpp"
#include "config_toml.hpp"

namespace azdns {

// Reads one [[key]] table into `key`; `seen` catches a name given twice.
void read_key(ConfigSection& s, const ConfigFolder& folder, std::map<std::string, SourceLocation>& seen,
              KeyConfig& key);

// Reads a [[zone]]'s transfers into `zone`: out (`notify`,
// [[zone.allow_transfer]]) and in (`primaries`, `primary_key`,
// `allow_notify`), and checks that the zone has its file or its primaries,
// not both (read_zone reads `file` first). Keys are checked by
// check_transfer_keys(), once every [[key]] is read.
void read_zone_transfers(ConfigSection& s, ZoneConfig& zone);

// Every allow_transfer.key and primary_key names a [[key]]; a rule open to
// any address and without a key is a warning: anyone may copy the zone.
void check_transfer_keys(const Config& config, Diagnostics& diags);

// The secret of a secret_file's text: the base64 alone, or a BIND/tsig-keygen
// `key "NAME" { algorithm ...; secret "BASE64"; };` clause. nullopt and `why`
// when it holds neither; `algorithm` is what the clause says, if it does.
[[nodiscard]] std::optional<std::vector<std::uint8_t>> parse_key_secret(std::string_view text, std::string& algorithm,
                                                                        std::string& why);

}  // namespace azdns
