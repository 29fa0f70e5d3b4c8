// mode=pmi-latency: how long after its counter overflows a PMI reaches the
// guest's handler, in guest TSC ticks.
//
//   rounds=R (default 20)  period=P cycles to overflow (default 1e6)
//   vector=V  LVTPC fixed vector, 0 = NMI (default 0)
//
// Each round presets IA32_PMC0 to -P (UnHalted Core Cycles, CPL0+CPL3,
// INT), reads the TSC right before (`armed_lo`) and right after
// (`armed_hi`) the WRMSR that sets EVTSEL.EN -- the counter starts
// somewhere inside that exit -- and spins in a user task until the handler
// has run. The handler's first instruction that does work reads the TSC
// (`handler`). With cycles counted at the TSC rate (the time backend), the
// counter wraps P ticks of vCPU run time after it started, so if the vCPU
// thread was not preempted the latency lies in
// [handler - armed_hi - P, handler - armed_lo - P]. To tell, the vCPU
// thread's CPU time (cpu_us hypercall) is read before arming (`cpu_armed`)
// and in the handler after the TSC (`cpu_handler`): wall time minus CPU
// time between them is the time it did not run. Prints
// `pmi n=I period=P armed_lo=A armed_hi=B handler=H cpu_armed=U
// cpu_handler=U user=0|1`, or `pmi n=I missed=1` when no PMI came within
// the spin limit.
#include "counters.h"
#include "rt/rt.h"

namespace ctr {
namespace {

volatile uint64_t g_handler_tsc;
volatile uint32_t g_handler_cpu;
volatile bool g_seen;
volatile bool g_from_user;

void on_pmi(rt::Frame& frame) {
    const uint64_t now = rt::rdtsc();
    if (!g_seen) {
        g_handler_tsc = now;
        g_handler_cpu = rt::hypercall(kHypercallCpuUs);
        g_from_user = frame.from_user();
    }
    g_seen = true;
    rt::wrmsr(msr::kPerfEvtSel0, 0);  // one overflow, one PMI
}

uint64_t spin_until_pmi(uint64_t limit) {
    uint64_t i = 0;
    while (!g_seen && i < limit) ++i;
    return i;
}

}  // namespace

int run_pmi_latency(const Pmu& p) {
    if (p.version < 2 || p.gp < 1 || !p.has_event(kEventCycles)) {
        rt::printf("skip reason=needs-v2-cycles\n");
        return kSkipped;
    }
    const uint64_t rounds = rt::cmdline_u64("rounds", 20);
    const uint64_t period = rt::cmdline_u64("period", 1000000);
    const uint8_t vector = static_cast<uint8_t>(rt::cmdline_u64("vector", 0));
    rt::set_pmi_handler(on_pmi, vector);
    rt::wrmsr(msr::kGlobalCtrl, 1);
    const uint64_t evtsel = evtsel::kCycles | evtsel::kUsr | evtsel::kOs | evtsel::kInt;
    for (uint64_t r = 0; r < rounds; ++r) {
        g_seen = false;
        g_from_user = false;
        rt::lvtpc_unmask();  // the last delivery masked it
        rt::wrmsr(msr::kPerfEvtSel0, evtsel);
        rt::wrmsr(msr::kPmc0, (0 - period) & 0xFFFFFFFFu);  // legacy write sign-extends bit 31
        const uint32_t cpu_armed = rt::hypercall(kHypercallCpuUs);
        const uint64_t armed_lo = rt::rdtsc();
        rt::wrmsr(msr::kPerfEvtSel0, evtsel | evtsel::kEn);
        const uint64_t armed_hi = rt::rdtsc();
        rt::user_run(spin_until_pmi, 4000000000ull);
        rt::wrmsr(msr::kPerfEvtSel0, 0);
        rt::wrmsr(msr::kGlobalOvfCtrl, 1);
        if (!g_seen) {
            rt::printf("pmi n=%lu missed=1\n", static_cast<unsigned long>(r));
            continue;
        }
        rt::printf("pmi n=%lu period=%lu armed_lo=%lu armed_hi=%lu handler=%lu cpu_armed=%u cpu_handler=%u user=%d\n",
                   static_cast<unsigned long>(r), static_cast<unsigned long>(period),
                   static_cast<unsigned long>(armed_lo), static_cast<unsigned long>(armed_hi),
                   static_cast<unsigned long>(g_handler_tsc), cpu_armed, static_cast<uint32_t>(g_handler_cpu),
                   g_from_user ? 1 : 0);
    }
    rt::wrmsr(msr::kGlobalCtrl, 0);
    return 0;
}

}  // namespace ctr
