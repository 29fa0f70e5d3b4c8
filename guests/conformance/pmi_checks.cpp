// Counting, overflow -> GLOBAL_STATUS -> PMI through the LVTPC (SDM Vol. 3B
// 21.2 "generating an interrupt on overflow", Vol. 3A 11.5.1): a counter
// preset close to its wrap with EVTSEL.INT set interrupts the user task
// that makes it wrap, on the vector (or as the NMI) the LVTPC names, with
// the counter's GLOBAL_STATUS bit set and the LVTPC mask bit set by the
// delivery. Needs an available cycles event (CPUID.0AH.EBX bit 0 clear).
#include "check.h"
#include "checks.h"
#include "rt/rt.h"

namespace conf {
namespace {

constexpr uint64_t kCycles = 0x3C;  // UnHalted Core Cycles, umask 0
constexpr uint8_t kPmiVector = 0xF0;
// About a millisecond of cycles: the PMI must come while the task spins.
constexpr uint64_t kPeriod = 2000000;

struct PmiSeen {
    volatile uint64_t count;
    uint64_t rip;     // interrupted instruction
    uint64_t status;  // GLOBAL_STATUS in the handler
    uint64_t lvtpc;   // LVTPC in the handler
    bool from_user;
};
PmiSeen g_seen;
bool g_v2 = false;

void on_pmi(rt::Frame& frame) {
    g_seen.count = g_seen.count + 1;
    if (g_seen.count == 1) {
        g_seen.status = g_v2 ? rd(msr::kGlobalStatus).value : 0;
        g_seen.lvtpc = rt::lvtpc_read();
        g_seen.from_user = frame.from_user();
    }
    // Stop the counter so one overflow gives one PMI.
    wr(msr::kPerfEvtSel0, 0);
}

void on_pmi_rip(rt::Frame& frame) {
    if (g_seen.count == 0) g_seen.rip = frame.rip;
    g_seen.count = g_seen.count + 1;
    wr(msr::kPerfEvtSel0, 0);
}

// Spins in user mode until the PMI handler has run or `limit` iterations.
uint64_t spin_until_pmi(uint64_t limit) {
    uint64_t i = 0;
    while (g_seen.count == 0 && i < limit) {
        ++i;
        __asm__ volatile("" ::: "memory");
    }
    return i;
}

void arm_and_run(const Pmu& p) {
    g_seen = PmiSeen{};
    setup_write(msr::kPmc0, (0 - kPeriod) & 0xFFFFFFFFu);  // legacy write: sign-extends to -kPeriod
    if (p.version >= 2) setup_write(msr::kGlobalCtrl, p.gp_bits());
    setup_write(msr::kPerfEvtSel0, kCycles | evtsel::kUsr | evtsel::kOs | evtsel::kInt | evtsel::kEn);
    rt::user_run(spin_until_pmi, 4000000000ull);
    setup_write(msr::kPerfEvtSel0, 0);
}

void check_delivery(const Pmu& p, uint8_t vector, const char* how) {
    rt::set_pmi_handler(on_pmi, vector);
    arm_and_run(p);
    rt::tap::eq(g_seen.count, 1, "one overflow of IA32_PMC0 gives one PMI (%s)", how);
    rt::tap::ok(g_seen.from_user, "the PMI (%s) interrupts the user task that made the counter wrap", how);
    if (p.version >= 2) {
        rt::tap::eq(g_seen.status & 1, 1, "IA32_PERF_GLOBAL_STATUS bit 0 is set when the PMI (%s) arrives", how);
        setup_write(msr::kGlobalOvfCtrl, 1);
        expect_read(msr::kGlobalStatus, 0, "GLOBAL_OVF_CTRL clears the overflow bit after the PMI (%s)", how);
    }
    rt::tap::eq(g_seen.lvtpc & rt::kLvtMasked, rt::kLvtMasked,
                "the APIC sets the LVTPC mask bit when it delivers the PMI (%s)", how);
}

void check_masked_lvtpc(const Pmu& p) {
    rt::set_pmi_handler(on_pmi, kPmiVector);
    rt::lvtpc_write(kPmiVector | rt::kLvtMasked);
    g_seen = PmiSeen{};
    setup_write(msr::kPmc0, (0 - kPeriod) & 0xFFFFFFFFu);
    if (p.version >= 2) setup_write(msr::kGlobalCtrl, p.gp_bits());
    setup_write(msr::kPerfEvtSel0, kCycles | evtsel::kUsr | evtsel::kOs | evtsel::kInt | evtsel::kEn);
    // Three periods of cycles with no interrupt possible.
    uint64_t start = rd(msr::kPmc0).value;
    uint64_t spins = 0;
    while (spins < 200 && rd(msr::kPmc0).value >= start && (p.version < 2 || !(rd(msr::kGlobalStatus).value & 1))) {
        rt::user_run([](uint64_t n) { return spin_until_pmi(n); }, 1000000);
        ++spins;
    }
    setup_write(msr::kPerfEvtSel0, 0);
    rt::tap::eq(g_seen.count, 0, "no PMI while the LVTPC is masked");
    if (p.version >= 2) {
        rt::tap::eq(rd(msr::kGlobalStatus).value & 1, 1, "the overflow still sets GLOBAL_STATUS with LVTPC masked");
        setup_write(msr::kGlobalOvfCtrl, 1);
    }
    rt::lvtpc_unmask();
}

// IA32_DEBUGCTL.FREEZE_PERFMON_ON_PMI (SDM Vol. 3B 18.4.7 / 21.2.4): the
// PMI freezes the counters. Before version 4 the processor clears
// IA32_PERF_GLOBAL_CTRL ("legacy freeze"); from version 4 it sets
// GLOBAL_STATUS.CTR_Frz (bit 59) and leaves GLOBAL_CTRL alone, and the
// handler unfreezes by writing CTR_Frz to GLOBAL_STATUS_RESET. Either way
// the counter stands still from the PMI until software unfreezes it.
constexpr uint64_t kFreezePerfmonOnPmi = 1u << 12;
constexpr uint64_t kCtrFrz = uint64_t(1) << 59;

struct FreezeSeen {
    uint64_t status, global_ctrl, pmc0;
};
FreezeSeen g_freeze;

void on_pmi_freeze(rt::Frame&) {
    if (g_seen.count == 0) {
        g_freeze.status = rd(msr::kGlobalStatus).value;
        g_freeze.global_ctrl = rd(msr::kGlobalCtrl).value;
        g_freeze.pmc0 = rd(msr::kPmc0).value;
    }
    g_seen.count = g_seen.count + 1;  // EVTSEL0 stays enabled: the freeze must stop it
}

uint64_t spin_for(uint64_t n) {
    for (uint64_t i = 0; i < n; ++i) __asm__ volatile("" ::: "memory");
    return n;
}

void check_freeze_on_pmi(const Pmu& p) {
    if (p.version < 2) {
        rt::tap::skip("no IA32_DEBUGCTL.FREEZE_PERFMON_ON_PMI before version 2", "freeze on PMI");
        return;
    }
    const bool v4 = p.version >= 4;
    rt::set_pmi_handler(on_pmi_freeze, kPmiVector);
    g_seen = PmiSeen{};
    g_freeze = FreezeSeen{};
    setup_write(msr::kDebugCtl, kFreezePerfmonOnPmi);
    setup_write(msr::kPmc0, (0 - kPeriod) & 0xFFFFFFFFu);
    setup_write(msr::kGlobalCtrl, p.gp_bits());
    setup_write(msr::kPerfEvtSel0, kCycles | evtsel::kUsr | evtsel::kOs | evtsel::kInt | evtsel::kEn);
    rt::user_run(spin_until_pmi, 4000000000ull);
    rt::user_run(spin_for, 2000000);  // ~1 ms of user work after the PMI
    const uint64_t after = rd(msr::kPmc0).value;
    rt::tap::eq(g_seen.count, 1, "one PMI with FREEZE_PERFMON_ON_PMI (the frozen counter cannot overflow again)");
    rt::tap::eq(g_freeze.status & 1, 1, "GLOBAL_STATUS bit 0 is set in the frozen handler");
    if (v4) {
        rt::tap::eq(g_freeze.status & kCtrFrz, kCtrFrz, "v4+: the PMI sets GLOBAL_STATUS.CTR_Frz");
        rt::tap::eq(g_freeze.global_ctrl, p.gp_bits(), "v4+: the freeze leaves GLOBAL_CTRL alone");
    } else {
        rt::tap::eq(g_freeze.global_ctrl, 0, "v2/v3: the PMI clears GLOBAL_CTRL (legacy freeze)");
    }
    rt::tap::eq(after, g_freeze.pmc0, "IA32_PMC0 stands still from the PMI on, through later user work");
    // Unfreeze as a handler would, and ack the overflow.
    if (v4) {
        setup_write(msr::kGlobalOvfCtrl, 1 | kCtrFrz);  // GLOBAL_STATUS_RESET
        expect_read(msr::kGlobalStatus, 0, "v4+: STATUS_RESET clears CTR_Frz and the overflow bit");
    } else {
        setup_write(msr::kGlobalCtrl, p.gp_bits());
        setup_write(msr::kGlobalOvfCtrl, 1);
    }
    rt::user_run(spin_for, 2000000);
    const uint64_t resumed = rd(msr::kPmc0).value;
    rt::tap::ok(resumed > after, "IA32_PMC0 counts again once unfrozen (%lu -> %lu)", static_cast<unsigned long>(after),
                static_cast<unsigned long>(resumed));
    setup_write(msr::kPerfEvtSel0, 0);
    setup_write(msr::kDebugCtl, 0);
    setup_write(msr::kGlobalOvfCtrl, 1);
    rt::lvtpc_unmask();
}

extern "C" void precise_probe(uint64_t evtsel);
extern "C" char precise_sled[];

// With `-- precise` on the command line (vpmu run --backend precise), the
// PMI of an instructions-retired counter preset to -N must interrupt right
// after the N-th instruction: the interrupted RIP minus N is the same for
// every N, and lands at the sled's start (give or take the enabling WRMSR,
// which the SDM leaves open). Real PMUs have skid, so only the precise
// backend is asked. Kernel mode: this host single-steps CPL0 only.
void check_precise_pmi(const Pmu& p) {
    if ((p.ebx >> 1 & 1) || p.ebx_length < 2) {
        rt::tap::skip("Instructions Retired unavailable (CPUID.0AH.EBX bit 1)", "exact PMI position");
        return;
    }
    rt::set_pmi_handler(on_pmi_rip, kPmiVector);
    static const uint64_t kCounts[] = {1, 2, 100, 4000};
    uint64_t offset = 0;
    for (uint64_t n : kCounts) {
        g_seen = PmiSeen{};
        rt::lvtpc_unmask();  // the last delivery masked it
        setup_write(msr::kPmc0, (0 - n) & 0xFFFFFFFFu);
        if (p.version >= 2) setup_write(msr::kGlobalCtrl, p.gp_bits());
        precise_probe(evtsel::kInstructionsRetired | evtsel::kOs | evtsel::kInt | evtsel::kEn);
        setup_write(msr::kPerfEvtSel0, 0);
        if (p.version >= 2) setup_write(msr::kGlobalOvfCtrl, 1);
        const uint64_t sled = uint64_t(uintptr_t(precise_sled));
        if (n == 1) {
            offset = g_seen.rip - 1;
            rt::tap::ok(g_seen.count == 1 && (offset == sled || offset + 1 == sled),
                        "a PMI after 1 instruction lands at the start of the sled (rip 0x%lx, sled 0x%lx)",
                        static_cast<unsigned long>(g_seen.rip), static_cast<unsigned long>(sled));
        } else {
            rt::tap::eq(g_seen.rip - n, offset, "a PMI after exactly %lu instructions interrupts %lu bytes later",
                        static_cast<unsigned long>(n), static_cast<unsigned long>(n - 1));
        }
    }
}

}  // namespace

void check_pmi(const Pmu& p) {
    if (p.gp_present() == 0 || (p.ebx & 1) || p.ebx_length == 0) {
        rt::tap::skip("no GP counter or UnHalted Core Cycles unavailable (CPUID.0AH.EBX bit 0)",
                      "overflow -> PMI checks");
        return;
    }
    g_v2 = p.version >= 2;
    rt::irq_enable();
    setup_write(msr::kPmc0, 0);
    if (p.version >= 2) setup_write(msr::kGlobalCtrl, p.gp_bits());
    setup_write(msr::kPerfEvtSel0, kCycles | evtsel::kUsr | evtsel::kOs | evtsel::kEn);
    rt::user_run(spin_until_pmi, 2000000);
    uint64_t counted = rd(msr::kPmc0).value;
    setup_write(msr::kPerfEvtSel0, 0);
    rt::tap::ok(counted > 0, "IA32_PMC0 counting UnHalted Core Cycles advances during a user task (%lu)",
                static_cast<unsigned long>(counted));
    check_delivery(p, kPmiVector, "fixed vector 0xF0");
    check_delivery(p, 0, "NMI");
    check_masked_lvtpc(p);
    check_freeze_on_pmi(p);
    if (rt::cmdline_flag("precise")) {
        rt::irq_enable();  // the PMI interrupts kernel code here
        check_precise_pmi(p);
    }
    setup_write(msr::kPmc0, 0);
}

}  // namespace conf
