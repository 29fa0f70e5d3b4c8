// Exact counts by the precise backend (vpmu run --backend precise).
//
// mode=exact: at CPL0 with interrupts off, one GLOBAL_CTRL write starts
//   PMC0  instructions retired, OS only
//   PMC1  branch instructions retired, OS only
//   PMC2  instructions retired, USR only (no user code runs: must stay 0)
//   FIXED_CTR0  instructions retired, OS only
// around a dec/jnz loop of N turns, and a second write stops them. Between
// the two WRMSRs exactly 2N + 3 instructions retire (mov, N x {dec, jnz},
// xor, xor) of which N are branches (jnz, taken or not). Whether the
// enabling WRMSR itself counts the SDM leaves open; the tests read N = 1
// too. Prints `exact n=N pmc0=.. pmc1=.. pmc2=.. fix0=..` per N.
//
// mode=precise-user: PMC0 counts instructions at CPL0 and CPL3 while a
// user task runs. This host cannot single-step CPL3, so the VMM must end
// the run with its reason instead of letting the guest print a count.
#include "counters.h"
#include "rt/rt.h"

namespace ctr {
namespace {

// GLOBAL_CTRL = `enable`; N turns of dec/jnz; GLOBAL_CTRL = 0, in one asm
// statement so that the compiler adds nothing in between.
void counted_loop(uint64_t enable, uint64_t turns) {
    __asm__ volatile(
        "mov $0x38f, %%ecx\n"
        "wrmsr\n"                // counters start in this WRMSR's exit
        "mov %[turns], %%rsi\n"  // 1
        "1: dec %%rsi\n"         // N
        "jnz 1b\n"               // N, all branches
        "xor %%eax, %%eax\n"     // 1
        "xor %%edx, %%edx\n"     // 1
        "wrmsr\n"                // counters stop in this WRMSR's exit
        :
        : "a"(uint32_t(enable)), "d"(uint32_t(enable >> 32)), [turns] "r"(turns)
        : "rcx", "rsi", "memory", "cc");
}

}  // namespace

int run_exact(const Pmu& p) {
    if (p.version < 2 || p.gp < 3 || p.fixed < 1 || !p.has_event(kEventInstructions) ||
        !p.has_event(kEventBranches)) {
        rt::printf("skip reason=needs-v2-3gp-fixed0-instructions-branches\n");
        return kSkipped;
    }
    rt::irq_disable();
    rt::wrmsr(msr::kGlobalCtrl, 0);
    rt::wrmsr(msr::kPerfEvtSel0 + 0, evtsel::kInstructions | evtsel::kOs | evtsel::kEn);
    rt::wrmsr(msr::kPerfEvtSel0 + 1, evtsel::kBranches | evtsel::kOs | evtsel::kEn);
    rt::wrmsr(msr::kPerfEvtSel0 + 2, evtsel::kInstructions | evtsel::kUsr | evtsel::kEn);
    rt::wrmsr(msr::kFixedCtrCtrl, 0x1);  // FIXED_CTR0: OS only
    const uint64_t enable = 0x7 | uint64_t(1) << 32;
    static const uint64_t kTurns[] = {1, 2, 10, 1000, 3000};
    for (uint64_t turns : kTurns) {
        for (unsigned i = 0; i < 3; ++i) rt::wrmsr(msr::kPmc0 + i, 0);
        rt::wrmsr(msr::kFixedCtr0, 0);
        counted_loop(enable, turns);
        rt::printf("exact n=%lu pmc0=%lu pmc1=%lu pmc2=%lu fix0=%lu\n", static_cast<unsigned long>(turns),
                   static_cast<unsigned long>(rt::rdmsr(msr::kPmc0)),
                   static_cast<unsigned long>(rt::rdmsr(msr::kPmc0 + 1)),
                   static_cast<unsigned long>(rt::rdmsr(msr::kPmc0 + 2)),
                   static_cast<unsigned long>(rt::rdmsr(msr::kFixedCtr0)));
    }
    for (unsigned i = 0; i < 3; ++i) rt::wrmsr(msr::kPerfEvtSel0 + i, 0);
    rt::wrmsr(msr::kFixedCtrCtrl, 0);
    return 0;
}

int run_precise_user(const Pmu& p) {
    if (p.version < 1 || p.gp < 1 || !p.has_event(kEventInstructions)) {
        rt::printf("skip reason=needs-instructions\n");
        return kSkipped;
    }
    const bool os_only = rt::cmdline_flag("os-only");
    rt::wrmsr(msr::kPmc0, 0);
    if (p.version >= 2) rt::wrmsr(msr::kGlobalCtrl, 1);
    rt::wrmsr(msr::kPerfEvtSel0, evtsel::kInstructions | evtsel::kOs | (os_only ? 0 : evtsel::kUsr) | evtsel::kEn);
    rt::printf("user-task start\n");
    rt::user_run(spin, 1000);
    const uint64_t counted = rt::rdmsr(msr::kPmc0);
    rt::wrmsr(msr::kPerfEvtSel0, 0);
    rt::printf("precise-user pmc0=%lu\n", static_cast<unsigned long>(counted));
    return 0;
}

}  // namespace ctr
