// mode=cycles: windows of a steady user-mode loop, each measured by the TSC
// and by every counter programmed on UnHalted Core Cycles.
//
//   gp=N       GP counters 0..N-1 count cycles (default 1; at most CPUID's)
//   fixed=1    so do FIXED_CTR1 (core cycles) and FIXED_CTR2 (reference
//              cycles), when CPUID enumerates them
//   windows=R  (default 5)   iters=N  loop turns per window (default 2e8,
//              ~0.1 s natively)
//
// Prints `window n=I tsc=T cpu=U pmc0=C ... fix1=C fix2=C`, deltas over
// the window: T in TSC ticks, U the vCPU thread's host CPU time in µs (the
// cpu_us hypercall), C in counts. The reads nest -- TSC, CPU time, the
// counters, the loop, the counters, CPU time, TSC -- so each counter's
// window lies inside the CPU-time window, which lies inside the TSC's. Then
// `end pmc0=V ...`: the raw values after the last window. With the PMU off, or N=0 and no
// fixed, only the TSC is measured: the same workload with no counter.
#include "counters.h"
#include "rt/rt.h"

namespace ctr {
namespace {

constexpr unsigned kMaxCounters = 8 + 2;

struct Counter {
    uint32_t msr;
    const char* name;
    uint64_t mask;  // counter width
};

uint64_t read_all(const Counter* c, unsigned n, uint64_t* out) {
    for (unsigned i = 0; i < n; ++i) out[i] = rt::rdmsr(c[i].msr);
    return n;
}

}  // namespace

int run_cycles(const Pmu& p) {
    static const char* const kGpNames[] = {"pmc0", "pmc1", "pmc2", "pmc3", "pmc4", "pmc5", "pmc6", "pmc7"};
    uint64_t windows = rt::cmdline_u64("windows", 5);
    if (windows == 0) windows = 1;
    const uint64_t iters = rt::cmdline_u64("iters", 200000000);
    unsigned gp = static_cast<unsigned>(rt::cmdline_u64("gp", 1));
    const bool fixed = rt::cmdline_u64("fixed", 0) != 0 && p.version >= 2 && p.fixed >= 3;
    if (p.version == 0) gp = 0;
    if (gp > p.gp) gp = p.gp;
    if (gp > 8) gp = 8;
    if ((gp || fixed) && !p.has_event(kEventCycles)) {
        rt::printf("skip reason=cycles-unavailable\n");
        return kSkipped;
    }

    Counter counters[kMaxCounters];
    unsigned n = 0;
    uint64_t global = 0;
    for (unsigned i = 0; i < gp; ++i) {
        counters[n++] = {msr::kPmc0 + i, kGpNames[i], p.gp_mask()};
        rt::wrmsr(msr::kPmc0 + i, 0);
        rt::wrmsr(msr::kPerfEvtSel0 + i, evtsel::kCycles | evtsel::kUsr | evtsel::kOs | evtsel::kEn);
        global |= uint64_t(1) << i;
    }
    if (fixed) {
        counters[n++] = {msr::kFixedCtr0 + 1, "fix1", p.fixed_mask()};
        counters[n++] = {msr::kFixedCtr0 + 2, "fix2", p.fixed_mask()};
        rt::wrmsr(msr::kFixedCtr0 + 1, 0);
        rt::wrmsr(msr::kFixedCtr0 + 2, 0);
        rt::wrmsr(msr::kFixedCtrCtrl, 0x330);  // fixed 1 and 2: count at CPL0 and CPL3
        global |= uint64_t(3) << 33;
    }
    // One write starts them all (version 1 has no GLOBAL_CTRL: EN alone).
    if (p.version >= 2) rt::wrmsr(msr::kGlobalCtrl, global);

    uint64_t before[kMaxCounters], after[kMaxCounters];
    for (uint64_t w = 0; w < windows; ++w) {
        const uint64_t t0 = rt::rdtsc();
        const uint32_t cpu0 = rt::hypercall(kHypercallCpuUs);
        read_all(counters, n, before);
        rt::user_run(spin, iters);
        read_all(counters, n, after);
        const uint32_t cpu1 = rt::hypercall(kHypercallCpuUs);
        const uint64_t t1 = rt::rdtsc();
        rt::printf("window n=%lu tsc=%lu cpu=%u", static_cast<unsigned long>(w), static_cast<unsigned long>(t1 - t0),
                   cpu1 - cpu0);
        for (unsigned i = 0; i < n; ++i) {
            rt::printf(" %s=%lu", counters[i].name,
                       static_cast<unsigned long>((after[i] - before[i]) & counters[i].mask));
        }
        rt::printf("\n");
    }
    rt::printf("end");
    for (unsigned i = 0; i < n; ++i) rt::printf(" %s=%lu", counters[i].name, static_cast<unsigned long>(after[i]));
    rt::printf("\n");
    if (p.version >= 2) rt::wrmsr(msr::kGlobalCtrl, 0);
    return 0;
}

}  // namespace ctr
