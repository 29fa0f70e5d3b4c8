// --plots DIR: the bench's figures as SVG files (svg.h).
#pragma once

#include <string>
#include <vector>

#include "cli/bench/analysis.h"
#include "vpmu/result.h"

namespace vpmu::cli::bench {

// Writes ratios.svg, samples_vs_period.svg, shares.svg, events.svg and
// memsweep.svg into `dir` (created if missing); returns their paths.
Result<std::vector<std::string>> write_plots(const Summary& s, const std::string& dir);

}  // namespace vpmu::cli::bench
