// Runs the `vpmu` binary as a child process, as a user would, and captures
// its exit status, standard output and standard error.
#pragma once

#include <string>
#include <vector>

namespace vpmu::test {

struct ProcessResult {
    int status = -1;         // exit status, or 128 + signal
    bool timed_out = false;  // the test's own safety limit killed it
    std::string out;
    std::string err;
};

// A signal to send the child while it runs, as a user pressing ^C would.
struct SignalAfter {
    int signal = 0;  // 0: none
    double seconds = 0;
};

// argv[0] is the program path. `limit_seconds` guards the test itself.
ProcessResult run_process(const std::vector<std::string>& argv, double limit_seconds = 60,
                          SignalAfter signal_after = {});

// The `vpmu` binary under test, and `vpmu ARGS...` through it.
std::string vpmu_binary();
ProcessResult run_vpmu(std::vector<std::string> args, double limit_seconds = 60,
                       SignalAfter signal_after = {});

// Number of lines in `text` (a last line without '\n' counts).
int count_lines(const std::string& text);

}  // namespace vpmu::test
