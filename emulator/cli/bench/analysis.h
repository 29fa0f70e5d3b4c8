// From the repeated runs to the figures `vpmu bench` reports: medians per
// setup, ratios of medians, per-sample costs, profile shares.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "cli/bench/experiment.h"

namespace vpmu::cli::bench {

struct WorkloadFigures {
    std::string workload;
    double native_us = 0, none_us = 0, count_us = 0;
    std::map<std::uint32_t, double> sample_us, tick_us;  // per rate
    std::map<std::uint32_t, double> samples, ticks;      // medians
    std::map<std::uint32_t, double> sample_exits, sample_msr_exits, tick_exits;  // medians of run totals, port I/O excluded
    double none_exits = 0;
    // Events: the guest's counts (count mode, user mode) and the native
    // thread's CPU time at the TSC rate (what the time backend counts).
    double cycles = 0, ref_cycles = 0, fixed1 = 0, fixed2 = 0, native_cycles = 0;
};

struct ShareRow {
    std::string symbol;
    double vm_percent = 0, native_percent = 0;
};

struct SweepPoint {
    std::uint32_t hz;
    double period, samples, expected;  // expected: cycles counted alongside (PMC1) / period
};

struct WorkingSetPoint {
    std::uint64_t ws_kib;
    double native_ns_per_hop, vm_ns_per_hop;
};

struct MultiVm {
    double us;       // run time in this VM
    double samples;
    double computea_percent;
};

struct Summary {
    std::uint32_t tsc_khz = 0;
    std::vector<std::uint32_t> rates;
    std::vector<WorkloadFigures> workloads;
    std::map<std::string, std::vector<ShareRow>> shares;  // per workload, VM at the first rate vs native
    std::vector<SweepPoint> sweep;
    std::vector<WorkingSetPoint> working_sets;
    std::vector<MultiVm> multi;
    double multi_single_us = 0;  // the same run alone (vm-sample at the first rate)
    double kernel_instructions_per_sample = -1;

    // The contract numbers (DESIGN.md `vpmu bench`) and their companions.
    double vm_over_native = 0;       // geometric mean over workloads of vm-none / native
    double counting_overhead = 0;    // geometric mean of vm-count / vm-none, minus 1
    std::map<std::uint32_t, double> sampling_overhead, tick_overhead;  // per rate, same way
    std::map<std::uint32_t, double> sample_cost_us, floor_cost_us;     // pooled: extra time / events
    std::map<std::uint32_t, double> exits_per_sample, msr_exits_per_sample, exits_per_tick;
    double cycles_over_native = 0;   // geometric mean of counted / native cycles
    double computea_vm_percent = 0, computea_native_percent = 0;
};

Summary analyse(const Plan& plan, const Measurements& m);

double median(std::vector<double> v);

}  // namespace vpmu::cli::bench
