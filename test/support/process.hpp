// Runs a program as a child process and captures what it prints, bounded in
// time: a test never hangs on a child that hangs.
#pragma once

#include <chrono>
#include <string>
#include <vector>

namespace azdns::test {

struct ProcessResult {
    int exit_code = -1;     // -1 when killed or not started
    bool timed_out = false;
    std::string out;
    std::string err;
};

// argv[0] is the program's path. On timeout the child (and only it) is killed by PID.
ProcessResult run_process(const std::vector<std::string>& argv,
                          std::chrono::milliseconds timeout = std::chrono::seconds(30));

}  // namespace azdns::test
