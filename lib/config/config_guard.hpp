// The [rrl] and [cookies] sections (docs/security.md): how azdns limits
// responses to the open internet. Internal to the config loader.
#pragma once

#include "config.hpp"
#include "config_files.hpp"
#include "config_toml.hpp"

namespace azdns {

void read_rrl(ConfigSection& s, RrlConfig& rrl);
// Reads the secret file, if one is named, into cookies.secrets.
void read_cookies(ConfigSection& s, const ConfigFolder& folder, CookiesConfig& cookies);

}  // namespace azdns
