// CPUID.0AH decoding (SDM Vol. 2A CPUID, "Architectural Performance
// Monitoring Leaf"), IA32_PERF_CAPABILITIES, and the PMU-off case.
#include "check.h"
#include "checks.h"
#include "rt/rt.h"

namespace conf {

void check_cpuid(const Pmu& p) {
    using rt::tap::ok;
    rt::tap::diag("CPUID max leaf 0x%x; leaf 0AH eax 0x%08x ebx 0x%08x ecx 0x%08x edx 0x%08x", p.max_leaf, p.eax,
                  p.ebx, p.ecx, p.edx);
    rt::tap::diag("version %u: %u GP counters x %u bits, EBX length %u, fixed bitmap 0x%x x %u bits, AnyThread %s",
                  p.version, p.gp, p.gp_width, p.ebx_length, p.fixed_bitmap, p.fixed_width,
                  p.any_thread ? "valid" : "reserved");
    rt::tap::diag("CPUID.01H:ECX.PDCM %u, IA32_PERF_CAPABILITIES 0x%lx (FW_WRITE %u)", p.pdcm, p.perf_caps,
                  p.full_width);
    ok(p.version <= 5, "CPUID.0AH:EAX[7:0] version %u is one the SDM describes (0-5)", p.version);
    if (p.version == 0) {
        ok(p.eax == 0 && p.ebx == 0 && p.ecx == 0 && p.edx == 0, "PMU off: CPUID.0AH is all zero");
        ok(!p.pdcm, "PMU off: CPUID.01H:ECX[15] PDCM clear (no IA32_PERF_CAPABILITIES)");
        return;
    }
    ok(p.gp <= msr::kMaxGp, "%u GP counters fit IA32_PMC0-7 / IA32_PERFEVTSEL0-7", p.gp);
    if (p.gp > 0) ok(p.gp_width >= 1 && p.gp_width <= 64, "GP counter width %u bits is 1-64", p.gp_width);
    unsigned events = p.version >= 5 ? 8 : 7;
    ok(p.ebx_length <= events, "EBX vector length %u <= the %u architectural events of version %u",
       p.ebx_length, events, p.version);
    if (p.version == 1) {
        // EDX enumerates fixed counters only "if Version ID > 1".
        ok((p.edx & 0x1FFF) == 0 && p.ecx == 0, "version 1 enumerates no fixed counters (EDX[12:0] = 0, ECX = 0)");
        return;
    }
    if (p.version < 5) {
        ok(p.ecx == 0, "CPUID.0AH:ECX (fixed-counter bitmap) is reserved before version 5: 0x%x", p.ecx);
        ok(p.fixed_count <= 3, "version %u: %u fixed counters, at most IA32_FIXED_CTR0-2", p.version,
           p.fixed_count);
    } else {
        ok((p.fixed_bitmap & ~0xFu) == 0, "version 5: fixed counters ECX | EDX[4:0] = 0x%x within IA32_FIXED_CTR0-3",
           p.fixed_bitmap);
        // EDX[4:0] is "the number of contiguous fixed-function counters
        // starting from 0": the run of supported counters from 0.
        unsigned run = 0;
        while (run < 32 && (p.fixed_bitmap >> run & 1)) ++run;
        ok(p.fixed_count == run, "version 5: EDX[4:0] = %u matches the %u contiguous fixed counters in 0x%x",
           p.fixed_count, run, p.fixed_bitmap);
    }
    if (p.any_fixed()) ok(p.fixed_width >= 1 && p.fixed_width <= 64, "fixed counter width %u bits is 1-64", p.fixed_width);
}

void check_perf_capabilities(const Pmu& p) {
    if (!p.pdcm) {
        expect_absent(msr::kPerfCapabilities, 1, "IA32_PERF_CAPABILITIES (0x345) without CPUID.01H:ECX.PDCM: #GP");
        return;
    }
    Access caps = rd(msr::kPerfCapabilities);
    rt::tap::ok(!caps.faulted, "IA32_PERF_CAPABILITIES (0x345) readable with CPUID.01H:ECX.PDCM");
    expect_write_gp(msr::kPerfCapabilities, caps.value, "IA32_PERF_CAPABILITIES is read-only: WRMSR #GPs");
    expect_read(msr::kPerfCapabilities, caps.value, "IA32_PERF_CAPABILITIES unchanged by the refused write");
}

void check_pmu_off(const Pmu& p) {
    if (p.version != 0) return;
    expect_absent(msr::kPmc0, msr::kMaxGp, "PMU off: IA32_PMC0-7 (0xC1-0xC8) #GP on RDMSR and WRMSR");
    expect_absent(msr::kPerfEvtSel0, msr::kMaxGp, "PMU off: IA32_PERFEVTSEL0-7 (0x186-0x18D) #GP");
    expect_absent(msr::kFixedCtr0, msr::kMaxFixed, "PMU off: IA32_FIXED_CTR0-3 (0x309-0x30C) #GP");
    expect_absent(msr::kFixedCtrCtrl, msr::kGlobalInUse - msr::kFixedCtrCtrl + 1,
                  "PMU off: IA32_FIXED_CTR_CTRL..IA32_PERF_GLOBAL_INUSE (0x38D-0x392) #GP");
    expect_absent(msr::kAPmc0, msr::kMaxGp, "PMU off: IA32_A_PMC0-7 (0x4C1-0x4C8) #GP");
}

}  // namespace conf
