// `vpmu sync --host DIR --guest DIR --out DIR [--json FILE] [--window N]`:
// synchronizes a guest trace to its host trace, writes the merged trace to
// OUT (CTF, host clock) and the summary JSON to FILE (stdout without
// --json; never inside OUT, where babeltrace2 would take it for a stream),
// and prints a short human summary on stderr. Exit status: 0 done (whatever the quality,
// which the JSON and the summary state), 1 a trace could not be read or
// written, 125 bad usage (as `vpmu run`).
#pragma once

#include <string>
#include <vector>

namespace vpmu::trace {

// `args`: the words after `vpmu sync`.
int run_sync_command(const std::vector<std::string>& args);
std::string sync_usage();

}  // namespace vpmu::trace
