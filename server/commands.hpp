// The subcommands of `azdns`, each returning the process exit code.
#pragma once

#include <ostream>
#include <string>

namespace azdns {

inline constexpr int exit_ok = 0;
inline constexpr int exit_problem = 1;  // bad input or refused operation: the user can fix it
inline constexpr int exit_usage = 2;

// `azdns check -c FILE`: every problem of the config and its zones, as
// FILE:LINE:COL: message on `err`, then a one-line summary on `out`.
int run_check(const std::string& config_path, std::ostream& out, std::ostream& err);

// `azdns serve -c FILE`: serve in the foreground until SIGTERM or SIGINT,
// logging to stderr; problems with the config or zones go to `err` as
// FILE:LINE:COL: message and the exit code is exit_problem.
int run_serve(const std::string& config_path, std::ostream& err);

// `azdns version`: version and build options.
int run_version(std::ostream& out);

}  // namespace azdns
