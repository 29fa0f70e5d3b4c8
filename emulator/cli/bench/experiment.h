// `vpmu bench`: the experiment matrix of SysOptic's evaluation, redone with
// this project's guests on this host. Every workload of guests/workloads
// runs natively (pinned), in a VM without PMU (--pmu off), in a VM counting
// (mode=count), sampled by the in-guest profiler at 1 and 4 kHz of cycles,
// and in a VM without PMU stopped by the bare --tick-hz timer at the same
// rates (the floor of a sample). Runs repeat, interleaved; each setup's
// time is the median of its repeats, and every ratio comes from medians of
// this one bench run. Run times are the workload's own (guest TSC in the
// VM, CLOCK_MONOTONIC natively), not the VMM's start-up.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "cli/bench/json.h"

namespace vpmu::cli::bench {

struct BenchOptions {
    bool quick = false;
    bool quiet = false;
    std::string json;      // --json FILE
    std::string plots;     // --plots DIR
    std::string guest;     // workloads.elf
    std::string native;    // workloads-native
    std::optional<unsigned> repeats, scale;
    int cpu = 1;           // host CPU for the native run and the single VM's vCPU
};

enum class Setup { native, native_profile, vm_none, vm_count, vm_sample, vm_tick, vm_multi, vm_kinst };
const char* setup_name(Setup s);

struct RunSpec {
    Setup setup;
    std::string workload;
    std::uint64_t scale = 1;
    std::uint64_t ws_kib = 0;  // memsweep
    std::uint32_t hz = 0;      // sampling or tick rate (per second of vCPU time)
    unsigned vms = 1;
    bool ws_sweep = false;     // a point of the memsweep working-set sweep
};

struct RunResult {
    double us = 0;                 // the workload's run time (first VM's with --vms)
    std::vector<Json> results;     // RESULT lines, per VM
    std::vector<Json> profiles;    // PROFILE lines, per VM
    std::optional<Json> stats;     // vpmu run --json
};

// Sizes of the matrix.
struct Plan {
    std::vector<std::string> workloads;       // the CPU workloads (memsweep at 1 MiB among them)
    std::uint64_t scale;                      // units per run (~10 ms each natively)
    unsigned repeats;
    std::vector<std::uint32_t> rates;         // sampling / tick rates, Hz of vCPU time
    std::vector<std::uint32_t> sweep_rates;   // sample count vs period (compute)
    std::vector<std::uint64_t> working_sets;  // memsweep sweep, KiB
    std::uint64_t sweep_scale;
    unsigned vms;                             // Fig. 9: VMs sampling at once
};
Plan make_plan(const BenchOptions& o);

// Medians over repeats and the aggregates, ready to print.
struct Measurements {
    std::uint32_t tsc_khz = 0;
    std::map<std::string, std::map<std::string, std::vector<RunResult>>> runs;  // workload -> setup key -> repeats
    std::optional<Json> kinst;  // mode=kinst RESULT
};

// A setup key: "native", "vm-none", "vm-sample-1000", "vm-tick-4000", ...
std::string setup_key(const RunSpec& r);

}  // namespace vpmu::cli::bench
