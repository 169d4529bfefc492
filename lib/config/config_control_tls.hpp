// [control] tls_cert and tls_key (spec: "Control API"): both or neither, each
// a readable PEM file, the key the certificate's. Internal to the config
// loader; kept apart from it because it is the one part that reads files'
// contents and speaks OpenSSL.
#pragma once

#include <functional>
#include <string>

#include "config.hpp"
#include "config_toml.hpp"

namespace azdns {

// Reads both keys of `s` into `control` (paths made absolute by `resolve`)
// and, when both files are good, makes control.tls from them. Reports each
// problem at the key it concerns.
void read_control_tls(ConfigSection& s, const std::function<std::string(const std::string&)>& resolve,
                      ControlConfig& control);

}  // namespace azdns
