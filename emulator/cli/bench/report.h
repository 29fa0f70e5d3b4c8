// What `vpmu bench` prints (the table, on standard output), writes as JSON
// (--json FILE) and draws (--plots DIR, SVG written by plots.cpp).
#pragma once

#include <string>

#include "cli/bench/analysis.h"

namespace vpmu::cli::bench {

// The goals of issue 7.
inline constexpr double kCountingOverheadGoal = 0.005;  // ≤ 0.5%
inline constexpr double kSampleCostGoal = 1.25;         // × the floor

std::string format_table(const Plan& plan, const Summary& s);
std::string format_json(const Plan& plan, const Summary& s, const std::string& command);

}  // namespace vpmu::cli::bench
