// One run of the matrix: the command line for it, and its parsed output.
#pragma once

#include <string>
#include <vector>

#include "cli/bench/experiment.h"
#include "vpmu/result.h"

namespace vpmu::cli::bench {

struct RunEnv {
    std::string vpmu;      // this executable
    std::string guest;     // workloads.elf
    std::string native;    // workloads-native
    std::string stats_file;  // scratch for vpmu run --json
    std::uint32_t tsc_khz = 0;  // known after the first VM run (native profiling needs it)
    int cpu = 1;
};

std::vector<std::string> command_line(const RunSpec& r, const RunEnv& env);

// Runs it; an error names the command and the reason (its status, its
// last stderr line, or an ERROR line of the guest).
Result<RunResult> execute(const RunSpec& r, const RunEnv& env);

// Samples per cycles period for a rate in Hz of vCPU time.
std::uint64_t period_for(std::uint32_t hz, std::uint32_t tsc_khz);

}  // namespace vpmu::cli::bench
