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
    if (rt::cmdline_flag("precise")) {
        rt::irq_enable();  // the PMI interrupts kernel code here
        check_precise_pmi(p);
    }
    setup_write(msr::kPmc0, 0);
}

}  // namespace conf
