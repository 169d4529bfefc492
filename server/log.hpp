// The server's log: one line per event on stderr, prefixed "azdns: ".
// Safe from any thread; each line is written with a single write(2) so lines
// from different threads never interleave. Never called per query.
#pragma once

#include <string_view>

namespace azdns {

void log_line(std::string_view message);

}  // namespace azdns
