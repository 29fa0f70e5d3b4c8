// A counter that is programmed but not enabled must not move (SDM Vol. 3B
// 21.2.2: counting needs the EVTSEL.EN / FIXED_CTR_CTRL enable AND the
// IA32_PERF_GLOBAL_CTRL bit). Counting itself is checked elsewhere.
#include "check.h"
#include "checks.h"
#include "rt/rt.h"

namespace conf {
namespace {

// The workload runs in a user task (native speed on this host).
uint64_t spin(uint64_t n) {
    uint64_t x = 1;
    for (uint64_t i = 0; i < n; ++i) {
        x = x * 6364136223846793005ull + i;
        __asm__ volatile("" : "+r"(x));
    }
    return x;
}

void run_workload() { rt::user_run(spin, 2000000); }

constexpr uint64_t kEvent = evtsel::kInstructionsRetired | evtsel::kUsr | evtsel::kOs;

uint64_t gp_seed(const Pmu& p, unsigned i) { return (0x1000 + i) & p.gp_mask(); }
uint64_t fixed_seed(const Pmu& p, unsigned i) { return (0x2000 + i) & p.fixed_mask(); }

void seed_counters(const Pmu& p) {
    for (unsigned i = 0; i < p.gp_present(); ++i) setup_write(msr::kPmc0 + i, gp_seed(p, i));
    for (unsigned i = 0; i < msr::kMaxFixed; ++i) {
        if (p.fixed_exists(i)) setup_write(msr::kFixedCtr0 + i, fixed_seed(p, i));
    }
}

void expect_gp_unchanged(const Pmu& p, const char* how) {
    for (unsigned i = 0; i < p.gp_present(); ++i) {
        expect_read(msr::kPmc0 + i, gp_seed(p, i), "IA32_PMC%u %s does not count", i, how);
    }
}

void expect_fixed_unchanged(const Pmu& p, const char* how) {
    for (unsigned i = 0; i < msr::kMaxFixed; ++i) {
        if (p.fixed_exists(i)) expect_read(msr::kFixedCtr0 + i, fixed_seed(p, i), "IA32_FIXED_CTR%u %s does not count", i, how);
    }
}

}  // namespace

void check_disabled_counters(const Pmu& p) {
    seed_counters(p);
    for (unsigned i = 0; i < p.gp_present(); ++i) setup_write(msr::kPerfEvtSel0 + i, kEvent);
    run_workload();
    expect_gp_unchanged(p, "with an event but EVTSEL.EN clear");
    if (p.version >= 2) {
        setup_write(msr::kGlobalCtrl, 0);
        for (unsigned i = 0; i < p.gp_present(); ++i) setup_write(msr::kPerfEvtSel0 + i, kEvent | evtsel::kEn);
        run_workload();
        expect_gp_unchanged(p, "with EVTSEL.EN set but its GLOBAL_CTRL bit clear");
        for (unsigned i = 0; i < p.gp_present(); ++i) setup_write(msr::kPerfEvtSel0 + i, 0);

        if (p.any_fixed()) {
            setup_write(msr::kFixedCtrCtrl, 0);
            setup_write(msr::kGlobalCtrl, p.fixed_bits());
            run_workload();
            expect_fixed_unchanged(p, "with its GLOBAL_CTRL bit set but FIXED_CTR_CTRL field 0");
            uint64_t enable = 0;
            for (unsigned i = 0; i < msr::kMaxFixed; ++i) {
                if (p.fixed_exists(i)) enable |= 0x3ull << (4 * i);
            }
            setup_write(msr::kGlobalCtrl, 0);
            setup_write(msr::kFixedCtrCtrl, enable);
            run_workload();
            expect_fixed_unchanged(p, "with FIXED_CTR_CTRL enabled but its GLOBAL_CTRL bit clear");
            setup_write(msr::kFixedCtrCtrl, 0);
        }
        setup_write(msr::kGlobalCtrl, p.gp_bits());
        expect_read(msr::kGlobalStatus, 0, "IA32_PERF_GLOBAL_STATUS still 0: nothing overflowed");
    }
    for (unsigned i = 0; i < p.gp_present(); ++i) {
        setup_write(msr::kPerfEvtSel0 + i, 0);
        setup_write(msr::kPmc0 + i, 0);
    }
}

}  // namespace conf
