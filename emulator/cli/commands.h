// The subcommands of `vpmu`. Each returns the process exit status and
// prints its own one-line reasons; only main() exits.
#pragma once

#include "cli/options.h"

namespace vpmu::cli {

int run_command(const RunOptions& options);
int info_command(const InfoOptions& options);
// Parses its own options (bench_command.cpp): the experiment matrix.
int bench_command(const std::vector<std::string>& args);

}  // namespace vpmu::cli
