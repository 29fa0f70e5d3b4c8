// Boots the workloads guest (guests/workloads) and reads back its RESULT
// and PROFILE lines.
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "cli/bench/json.h"
#include "subprocess.h"

namespace vpmu::test {

struct WorkloadRun {
    ProcessResult process;
    cli::bench::Json result, profile;
    bool has_result = false, has_profile = false;

    // Samples per symbol of the PROFILE line.
    std::map<std::string, double> samples_by_symbol() const {
        std::map<std::string, double> out;
        if (const auto* functions = profile.get("functions")) {
            for (const auto& f : functions->items) out[f.text("symbol")] += f.number("samples");
        }
        return out;
    }
};

inline WorkloadRun run_workload(std::vector<std::string> vpmu_options, const std::vector<std::string>& guest_args,
                                double limit_seconds = 120) {
    std::vector<std::string> args{"run"};
    args.insert(args.end(), vpmu_options.begin(), vpmu_options.end());
    args.push_back(VPMU_WORKLOADS_GUEST);
    args.push_back("--");
    args.insert(args.end(), guest_args.begin(), guest_args.end());
    WorkloadRun run;
    run.process = run_vpmu(args, limit_seconds);
    std::istringstream lines(run.process.out);
    for (std::string line; std::getline(lines, line);) {
        if (line.rfind("RESULT ", 0) == 0) {
            auto j = cli::bench::parse_json(line.substr(7));
            if (j) run.result = *j, run.has_result = true;
        } else if (line.rfind("PROFILE ", 0) == 0) {
            auto j = cli::bench::parse_json(line.substr(8));
            if (j) run.profile = *j, run.has_profile = true;
        }
    }
    return run;
}

}  // namespace vpmu::test
