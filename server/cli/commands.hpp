// The subcommands of `azdns`, each returning the process exit code.
#pragma once

#include <ostream>
#include <string>

namespace CLI {
class App;
}

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

// `azdns ctl [-s URL | -c FILE] [--token-file FILE] [--json] ACTION ...`
// (docs/control.md): what the command line gave; add_ctl_subcommand() fills it.
struct CtlOptions {
    std::string server;       // -s URL; empty: -c's control.listen, else http://127.0.0.1:8053
    std::string config_path;  // -c FILE
    std::string token_file;   // --token-file; else $AZDNS_TOKEN, else -c's control.token_file
    std::string ca_file;      // --ca-file: verify an https server with these CAs instead of the system store
    bool json = false;        // print the API's answer as it came
    std::string action;       // "status", "fence", "unfence", "reload", "explain"
    std::string az;           // fence, unfence
    std::string reason;       // fence --reason
    std::string for_duration; // fence --for, as typed ("2h")
    bool force = false;       // fence --force
    bool local = false;       // fence/unfence --local: this instance only
    bool now = false;         // unfence --now: no ramp, every answer at once
    std::string name;         // explain NAME
    std::string type;         // explain TYPE; empty = A
    std::string client;       // explain --client ADDRESS; empty = a client outside every AZ
};

// Declares `ctl` and its actions on `app`, parsing into `options`.
CLI::App* add_ctl_subcommand(CLI::App& app, CtlOptions& options);

// `azdns ctl`: one request to the control API, the answer as tables on `out`
// (raw JSON with --json), problems on `err`.
int run_ctl(const CtlOptions& options, std::ostream& out, std::ostream& err);

}  // namespace azdns
