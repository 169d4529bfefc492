// Which settings a reload cannot apply. A reload re-reads the config and
// applies zones, [ttl], [policy], [[az]], [[check]] and [[service]] at once;
// [server] and [control] shape sockets, threads and privileges that exist
// from start to stop, so a change there waits for a restart, and the reload
// says so instead of ignoring it silently.
#pragma once

#include <string>
#include <vector>

#include "config.hpp"

namespace azdns {

// The keys ("server.listen", "control.token_file", ...) whose value differs
// between the running config and the one just read, in a stable order.
[[nodiscard]] std::vector<std::string> restart_only_changes(const Config& running, const Config& next);

}  // namespace azdns
