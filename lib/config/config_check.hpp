// A [[check]] table (spec: "Health"): how an endpoint is probed, every
// value that goes into a probe bounded. Internal to the config loader.
#pragma once

#include "config.hpp"
#include "config_toml.hpp"

namespace azdns {

// Every key of the table but its name, which the loader keeps unique.
void read_check_fields(ConfigSection& s, CheckConfig& check);

}  // namespace azdns
