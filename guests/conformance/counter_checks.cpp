// The counters themselves: power-up values, which MSRs exist, and what a
// write leaves in a counter (SDM Vol. 3B 21.2.1-21.2.6, Vol. 4 Table 2-2).
#include "check.h"
#include "checks.h"
#include "rt/rt.h"

namespace conf {
namespace {

// Every architectural IA32_PERFEVTSELx field (SDM Vol. 3B Figure 21-1)
// except EN, so that nothing counts: event 0xC0, umask 0x01, USR, OS, E,
// INT, INV, CMASK 5.
constexpr uint64_t kAllFields = 5ull << 24 | evtsel::kInv | evtsel::kInt | evtsel::kEdge | evtsel::kOs |
                                evtsel::kUsr | 0x01ull << 8 | evtsel::kInstructionsRetired;

uint64_t sign_extend_32(uint64_t v) { return uint64_t(int64_t(int32_t(uint32_t(v)))); }

void check_evtsel(const Pmu& p, unsigned i) {
    uint32_t sel = msr::kPerfEvtSel0 + i;
    expect_write_read(sel, kAllFields, kAllFields, "IA32_PERFEVTSEL%u keeps every architectural field (EN clear)", i);
    uint64_t reserved = ~low_bits(32);
    if (p.any_thread) {
        expect_write_read(sel, kAllFields | evtsel::kAnyThread, kAllFields | evtsel::kAnyThread,
                          "IA32_PERFEVTSEL%u.AnyThread (bit 21) is valid in version %u", i, p.version);
    } else {
        reserved |= evtsel::kAnyThread;
        expect_write_gp(sel, kAllFields | evtsel::kAnyThread, "IA32_PERFEVTSEL%u.AnyThread (bit 21) is reserved %s: #GP",
                        i, p.version < 3 ? "before version 3" : "when CPUID.0AH:EDX[15] deprecates it");
    }
    expect_reserved(sel, kAllFields, reserved, "IA32_PERFEVTSEL%u bits 63:32%s are reserved: #GP, value kept", i,
                    p.any_thread ? "" : " and 21");
    setup_write(sel, 0);
}

void check_gp_counter(const Pmu& p, unsigned i) {
    uint32_t pmc = msr::kPmc0 + i;
    uint64_t mask = p.gp_mask();
    // SDM Vol. 3B 21.2.6: a write to IA32_PMCx sets bits 31:0 and sign-
    // extends bit 31 into the upper bits; the counter keeps its width.
    static const uint64_t kValues[] = {0x12345678, 0x80000000, 0xFFFFFFFF};
    for (uint64_t v : kValues) {
        expect_write_read(pmc, v, sign_extend_32(v) & mask,
                          "IA32_PMC%u legacy write 0x%lx: bit 31 sign-extended, %u-bit counter", i, v, p.gp_width);
    }
    if (p.full_width) {
        // IA32_A_PMCx: the full width is written as is; bits beyond it are
        // reserved.
        uint32_t apmc = msr::kAPmc0 + i;
        expect_write_read(apmc, mask, mask, "IA32_A_PMC%u full-width write of all %u bits", i, p.gp_width);
        expect_read(pmc, mask, "IA32_PMC%u reads the counter IA32_A_PMC%u wrote", i, i);
        if (p.gp_width > 32) {
            expect_write_read(apmc, 0x80000000, 0x80000000, "IA32_A_PMC%u write 0x80000000 is not sign-extended", i);
        }
        expect_reserved(apmc, 0xA5A5A5A5A5A5A5A5 & mask, ~mask,
                        "IA32_A_PMC%u bits above the %u-bit width are reserved: #GP, value kept", i, p.gp_width);
    }
    setup_write(pmc, 0);
}

void check_fixed_counter(const Pmu& p, unsigned i) {
    uint32_t ctr = msr::kFixedCtr0 + i;
    uint64_t mask = p.fixed_mask();
    expect_write_read(ctr, ~uint64_t(0), mask, "IA32_FIXED_CTR%u keeps the low %u bits of a write (its width)", i,
                      p.fixed_width);
    expect_write_read(ctr, 0x123456789ABCull, 0x123456789ABCull & mask, "IA32_FIXED_CTR%u write/read round trip", i);
    if (p.fixed_width > 32) {
        expect_write_read(ctr, 0x80000000, 0x80000000, "IA32_FIXED_CTR%u write 0x80000000 is not sign-extended", i);
    }
    setup_write(ctr, 0);
}

}  // namespace

void check_reset_values(const Pmu& p) {
    for (unsigned i = 0; i < p.gp_present(); ++i) {
        expect_read(msr::kPmc0 + i, 0, "IA32_PMC%u is 0 at reset", i);
        expect_read(msr::kPerfEvtSel0 + i, 0, "IA32_PERFEVTSEL%u is 0 at reset", i);
        if (p.full_width) expect_read(msr::kAPmc0 + i, 0, "IA32_A_PMC%u is 0 at reset", i);
    }
    if (p.version < 2) return;
    for (unsigned i = 0; i < msr::kMaxFixed; ++i) {
        if (p.fixed_exists(i)) expect_read(msr::kFixedCtr0 + i, 0, "IA32_FIXED_CTR%u is 0 at reset", i);
    }
    expect_read(msr::kFixedCtrCtrl, 0, "IA32_FIXED_CTR_CTRL is 0 at reset");
    // SDM Vol. 3A, state after power-up/reset: IA32_PERF_GLOBAL_CTRL "sets
    // bits n-1:0 and clears the upper bits" (n = GP counters), so that
    // version-1 software finds its counters enabled.
    expect_read(msr::kGlobalCtrl, p.gp_bits(), "IA32_PERF_GLOBAL_CTRL is 0x%lx at reset: GP enables set, fixed clear",
                p.gp_bits());
    expect_read(msr::kGlobalStatus, 0, "IA32_PERF_GLOBAL_STATUS is 0 at reset");
    expect_read(msr::kGlobalOvfCtrl, 0, "IA32_PERF_GLOBAL_%s reads 0", p.version >= 4 ? "STATUS_RESET" : "OVF_CTRL");
    if (p.version >= 4) expect_read(msr::kGlobalInUse, 0, "IA32_PERF_GLOBAL_INUSE is 0 at reset");
}

void check_absent_msrs(const Pmu& p) {
    unsigned n = p.gp_present();
    if (n < msr::kMaxGp) {
        expect_absent(msr::kPmc0 + n, msr::kMaxGp - n, "IA32_PMC%u-7 beyond the %u GP counters: #GP", n, p.gp);
        expect_absent(msr::kPerfEvtSel0 + n, msr::kMaxGp - n, "IA32_PERFEVTSEL%u-7 beyond the %u GP counters: #GP", n,
                      p.gp);
        if (p.full_width) {
            expect_absent(msr::kAPmc0 + n, msr::kMaxGp - n, "IA32_A_PMC%u-7 beyond the %u GP counters: #GP", n, p.gp);
        }
    }
    if (!p.full_width) {
        expect_absent(msr::kAPmc0, msr::kMaxGp, "IA32_A_PMC0-7 without IA32_PERF_CAPABILITIES.FW_WRITE: #GP");
    }
    if (p.version == 1) {
        expect_absent(msr::kFixedCtr0, msr::kMaxFixed, "version 1 has no fixed counters: IA32_FIXED_CTR0-3 #GP");
        expect_absent(msr::kFixedCtrCtrl, msr::kGlobalInUse - msr::kFixedCtrCtrl + 1,
                      "version 1 has no global controls: 0x38D-0x392 #GP");
        return;
    }
    for (unsigned i = 0; i < msr::kMaxFixed; ++i) {
        if (!p.fixed_exists(i)) expect_absent(msr::kFixedCtr0 + i, 1, "IA32_FIXED_CTR%u not enumerated: #GP", i);
    }
    if (p.version < 4) {
        expect_absent(msr::kGlobalStatusSet, 2,
                      "version %u: GLOBAL_STATUS_SET and GLOBAL_INUSE (0x391-0x392) arrive with version 4: #GP",
                      p.version);
    }
}

void check_gp_counters(const Pmu& p) {
    for (unsigned i = 0; i < p.gp_present(); ++i) {
        check_evtsel(p, i);
        check_gp_counter(p, i);
    }
}

void check_fixed_counters(const Pmu& p) {
    if (p.version < 2) return;
    for (unsigned i = 0; i < msr::kMaxFixed; ++i) {
        if (p.fixed_exists(i)) check_fixed_counter(p, i);
    }
}

}  // namespace conf
