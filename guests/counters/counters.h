// The counters guest: runs one measurement chosen on its command line and
// prints what it saw as machine-readable lines for the host-side tests and
// benchmarks (tests/emulator/counting_test.cpp, bench/*.sh):
//
//     RECORD key=value key=value ...
//
// one record per line, values decimal. It judges nothing itself: the tests
// compare the numbers. Exit status 0 when the measurement ran, kSkipped
// (after a `skip reason=...` line) when the PMU lacks what it needs.
#pragma once

#include <stdint.h>

namespace ctr {

inline constexpr int kSkipped = 3;

namespace msr {
inline constexpr uint32_t kPmc0 = 0xC1;
inline constexpr uint32_t kPerfEvtSel0 = 0x186;
inline constexpr uint32_t kFixedCtr0 = 0x309;
inline constexpr uint32_t kFixedCtrCtrl = 0x38D;
inline constexpr uint32_t kGlobalStatus = 0x38E;
inline constexpr uint32_t kGlobalCtrl = 0x38F;
inline constexpr uint32_t kGlobalOvfCtrl = 0x390;
}  // namespace msr

// IA32_PERFEVTSELx (SDM Vol. 3B Figure 21-6) and the architectural events.
namespace evtsel {
inline constexpr uint64_t kUsr = 1u << 16, kOs = 1u << 17, kInt = 1u << 20, kEn = 1u << 22;
inline constexpr uint64_t kCycles = 0x3C;        // UnHalted Core Cycles
inline constexpr uint64_t kInstructions = 0xC0;  // Instructions Retired
inline constexpr uint64_t kBranches = 0xC4;      // Branch Instructions Retired
}  // namespace evtsel

// CPUID.0AH.EBX bit positions (set = event not available).
inline constexpr unsigned kEventCycles = 0, kEventInstructions = 1, kEventBranches = 5;

struct Pmu {
    unsigned version = 0, gp = 0, gp_width = 0, ebx_length = 0, fixed = 0, fixed_width = 0;
    uint32_t ebx = 0;
    bool has_event(unsigned bit) const { return bit < ebx_length && !(ebx >> bit & 1); }
    uint64_t gp_mask() const;
    uint64_t fixed_mask() const;
};
Pmu read_pmu();

// A steady user-mode loop: `iterations` turns of dec/jnz. Call it through
// rt::user_run (CPL3 runs natively on the PVM host).
uint64_t spin(uint64_t iterations);
// Guest TSC frequency from the VMM's hypercall (0 when unknown).
uint64_t tsc_khz();
// The VMM's cpu_us hypercall: this vCPU thread's host CPU time in µs, mod 2^32.
inline constexpr uint32_t kHypercallCpuUs = 2;

int run_cycles(const Pmu& p);
int run_exact(const Pmu& p);
int run_precise_user(const Pmu& p);
int run_pmi_latency(const Pmu& p);

}  // namespace ctr
