// The version-2+ control and status registers: IA32_FIXED_CTR_CTRL,
// IA32_PERF_GLOBAL_CTRL/STATUS/OVF_CTRL, and the version-4 STATUS_RESET,
// STATUS_SET and INUSE (SDM Vol. 3B 21.2.2 and 21.2.4, Vol. 4 Table 2-2).
#include "check.h"
#include "checks.h"
#include "rt/rt.h"

namespace conf {
namespace {

constexpr uint64_t bit(unsigned n) { return uint64_t(1) << n; }
constexpr uint64_t kOvfBuf = bit(62), kCondChgd = bit(63);

// Per fixed counter i, a 4-bit field at 4i: EN (OS bit 0, USR bit 1),
// AnyThread (bit 2, version 3+), PMI (bit 3). SDM Vol. 3B Figure 21-2.
uint64_t fixed_ctrl_valid(const Pmu& p) {
    uint64_t valid = 0;
    for (unsigned i = 0; i < msr::kMaxFixed; ++i) {
        if (p.fixed_exists(i)) valid |= (p.any_thread ? 0xFull : 0xBull) << (4 * i);
    }
    return valid;
}

const char* reset_name(const Pmu& p) { return p.version >= 4 ? "GLOBAL_STATUS_RESET" : "GLOBAL_OVF_CTRL"; }

}  // namespace

void check_fixed_ctr_ctrl(const Pmu& p) {
    uint64_t valid = fixed_ctrl_valid(p);
    // GLOBAL_CTRL's fixed enables are clear (reset value): nothing counts.
    if (valid != 0) {
        expect_write_read(msr::kFixedCtrCtrl, valid, valid,
                          "IA32_FIXED_CTR_CTRL keeps the EN, PMI%s fields of every fixed counter (0x%lx)",
                          p.any_thread ? ", AnyThread" : "", valid);
    }
    expect_reserved(msr::kFixedCtrCtrl, 0, ~valid,
                    "IA32_FIXED_CTR_CTRL fields of absent counters%s and bits above are reserved: #GP",
                    p.any_thread ? "" : ", AnyThread bits");
    setup_write(msr::kFixedCtrCtrl, 0);
}

void check_global_ctrl(const Pmu& p) {
    uint64_t valid = p.counter_bits();
    if (p.perf_caps & kPerfCapPerfMetrics) valid |= bit(48);
    // The event selects are 0 (EN clear) and FIXED_CTR_CTRL is 0: enabling
    // here starts nothing.
    expect_write_read(msr::kGlobalCtrl, valid, valid, "IA32_PERF_GLOBAL_CTRL keeps the enable bit of every counter (0x%lx)",
                      valid);
    expect_write_read(msr::kGlobalCtrl, 0, 0, "IA32_PERF_GLOBAL_CTRL clears to 0");
    expect_reserved(msr::kGlobalCtrl, 0, ~valid,
                    "IA32_PERF_GLOBAL_CTRL bits of absent counters and reserved bits: #GP, value kept");
    setup_write(msr::kGlobalCtrl, p.gp_bits());
}

void check_global_status(const Pmu& p) {
    uint64_t counters = p.counter_bits();
    expect_write_gp(msr::kGlobalStatus, 0, "IA32_PERF_GLOBAL_STATUS is read-only: WRMSR 0 #GPs");
    if (counters != 0) {
        expect_write_gp(msr::kGlobalStatus, counters & -counters,
                        "IA32_PERF_GLOBAL_STATUS is read-only: WRMSR of an overflow bit #GPs");
    }
    expect_read(msr::kGlobalStatus, 0, "IA32_PERF_GLOBAL_STATUS still 0 after the refused writes");

    // 0x390: write 1 to clear; reads 0. Bits 62 (OvfBuf) and 63 (CondChgd)
    // exist from version 1 on; 55 (Trace_ToPA) and 61 (Ovf_Uncore) depend
    // on other features and are left alone; 60:56 are reserved up to
    // version 3, 57:56 from version 4 (58 LBR_Frz, 59 CTR_Frz, 60 ASCI).
    expect_write(msr::kGlobalOvfCtrl, counters | kOvfBuf | kCondChgd,
                 "IA32_PERF_%s accepts the clear bits of every counter, OvfBuf and CondChgd", reset_name(p));
    expect_read(msr::kGlobalOvfCtrl, 0, "IA32_PERF_%s reads 0 after a write", reset_name(p));
    uint64_t reserved = p.global_reserved() | bit(56) | bit(57);
    if (p.version < 4) reserved |= bit(58) | bit(59) | bit(60);
    expect_reserved(msr::kGlobalOvfCtrl, 0, reserved, "IA32_PERF_%s reserved bits: #GP", reset_name(p));

    if (p.version < 4) return;
    // IA32_PERF_GLOBAL_STATUS_SET (0x391): write 1 to set a status bit;
    // bits 57:56 and 63 are reserved.
    if (p.gp_present() > 0) {
        expect_write(msr::kGlobalStatusSet, bit(0), "IA32_PERF_GLOBAL_STATUS_SET accepts Ovf_PMC0 (bit 0)");
        expect_read(msr::kGlobalStatus, bit(0), "GLOBAL_STATUS_SET bit 0 shows as IA32_PMC0 overflow in GLOBAL_STATUS");
        expect_write(msr::kGlobalOvfCtrl, bit(0), "GLOBAL_STATUS_RESET accepts bit 0");
        expect_read(msr::kGlobalStatus, 0, "GLOBAL_STATUS_RESET bit 0 clears IA32_PMC0's overflow bit");
    }
    for (unsigned i = 0; i < msr::kMaxFixed; ++i) {
        if (!p.fixed_exists(i)) continue;
        expect_write(msr::kGlobalStatusSet, bit(32 + i), "IA32_PERF_GLOBAL_STATUS_SET accepts Ovf_FixedCtr%u", i);
        expect_read(msr::kGlobalStatus, bit(32 + i), "GLOBAL_STATUS_SET shows as IA32_FIXED_CTR%u overflow (bit %u)", i,
                    32 + i);
        expect_write(msr::kGlobalOvfCtrl, bit(32 + i), "GLOBAL_STATUS_RESET accepts bit %u", 32 + i);
        expect_read(msr::kGlobalStatus, 0, "GLOBAL_STATUS_RESET clears IA32_FIXED_CTR%u's overflow bit", i);
        break;  // the first fixed counter is enough; all of them follow
    }
    uint64_t all = counters | kOvfBuf;
    expect_write(msr::kGlobalStatusSet, all, "IA32_PERF_GLOBAL_STATUS_SET accepts every counter bit and OvfBuf (62)");
    expect_read(msr::kGlobalStatus, all, "GLOBAL_STATUS shows every bit GLOBAL_STATUS_SET set (0x%lx)", all);
    expect_write(msr::kGlobalOvfCtrl, all, "GLOBAL_STATUS_RESET accepts them all");
    expect_read(msr::kGlobalStatus, 0, "GLOBAL_STATUS_RESET clears them all");
    expect_reserved_wo(msr::kGlobalStatusSet, p.global_reserved() | bit(56) | bit(57) | bit(63), msr::kGlobalStatus, 0,
                       "IA32_PERF_GLOBAL_STATUS_SET reserved bits: #GP, GLOBAL_STATUS unchanged");
}

void check_global_inuse(const Pmu& p) {
    // SDM Vol. 3B 21.2.4.3: bit n = (IA32_PERFEVTSELn[7:0] != 0); bit 32+i
    // = (IA32_FIXED_CTR_CTRL[4i+1:4i] != 0); bit 63 PMI_InUse = any
    // PERFEVTSELn.INT or fixed PMI bit. Read-only.
    expect_write_gp(msr::kGlobalInUse, 0, "IA32_PERF_GLOBAL_INUSE is read-only: WRMSR #GPs");
    for (unsigned i = 0; i < p.gp_present(); ++i) {
        setup_write(msr::kPerfEvtSel0 + i, 0x3C);  // unhalted core cycles, EN clear
        expect_read(msr::kGlobalInUse, bit(i), "INUSE bit %u reflects IA32_PERFEVTSEL%u[7:0] != 0", i, i);
        setup_write(msr::kPerfEvtSel0 + i, 0);
    }
    if (p.gp_present() > 0) {
        setup_write(msr::kPerfEvtSel0, 0x0100 | evtsel::kUsr | evtsel::kOs);
        expect_read(msr::kGlobalInUse, 0, "INUSE ignores IA32_PERFEVTSEL0 fields other than [7:0] and INT");
        setup_write(msr::kPerfEvtSel0, evtsel::kInt);
        expect_read(msr::kGlobalInUse, bit(63), "INUSE.PMI_InUse (bit 63) reflects IA32_PERFEVTSEL0.INT");
        setup_write(msr::kPerfEvtSel0, 0);
    }
    for (unsigned i = 0; i < msr::kMaxFixed; ++i) {
        if (!p.fixed_exists(i)) continue;
        setup_write(msr::kFixedCtrCtrl, 0x2ull << (4 * i));  // USR; GLOBAL_CTRL fixed bits are clear
        expect_read(msr::kGlobalInUse, bit(32 + i), "INUSE bit %u reflects IA32_FIXED_CTR_CTRL EN field %u", 32 + i, i);
        setup_write(msr::kFixedCtrCtrl, 0x8ull << (4 * i));
        expect_read(msr::kGlobalInUse, bit(63), "INUSE.PMI_InUse reflects the PMI bit of fixed counter %u", i);
        setup_write(msr::kFixedCtrCtrl, 0);
    }
    expect_read(msr::kGlobalInUse, 0, "IA32_PERF_GLOBAL_INUSE is 0 again once everything is cleared");
}

}  // namespace conf
