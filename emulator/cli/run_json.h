// `vpmu run --json FILE`: the end-of-run figures of --stats as one JSON
// object, for scripts and `vpmu bench`:
//   {"vms":[{"name","status","seconds","run_us","exits_total",
//            "exits":{"KIND":{"count","vmm_us","max_us"}},
//            "msrs":{"0xc1":{"reads","writes","faults"}},
//            "pmi":{"delivered","nmi","vector","masked","unsupported","throttled"},
//            "ticks","counters_refused","unclaimed_io","non_pmu_msr"}],
//    "pools":[{"cpu","slots","binds","releases","rotations","bind_failures"}]}
// ("cpu" is -1 for the pool of unpinned vCPUs.)
#pragma once

#include <string>
#include <vector>

#include "vmm/virtual_machine.h"
#include "vpmu/pmc_pool.h"

namespace vpmu::cli {

struct PoolReport {
    int cpu = -1;
    unsigned slots = 0;
    PmcPool::Stats stats;
};

std::string run_report_json(const std::vector<vmm::VmReport>& vms, const std::vector<PoolReport>& pools);

// Writes `text` to `path`; the error names the file.
Result<void> write_text_file(const std::string& path, const std::string& text);

}  // namespace vpmu::cli
