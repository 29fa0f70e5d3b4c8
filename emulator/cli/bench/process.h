// Runs one program of the experiment as a child process and captures its
// standard output (and the tail of its standard error, for the reason a
// run failed).
#pragma once

#include <string>
#include <vector>

#include "vpmu/result.h"

namespace vpmu::cli::bench {

struct ProcessOutput {
    int status = -1;  // exit status, or 128 + signal
    std::string out;
    std::string err;
};

// argv[0] is the program path. Fails only when the child cannot be started.
Result<ProcessOutput> run_process(const std::vector<std::string>& argv);

// This program (/proc/self/exe), to run `vpmu run` through it.
std::string self_executable();

}  // namespace vpmu::cli::bench
