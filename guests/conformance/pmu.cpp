#include "pmu.h"

#include "rt/rt.h"

namespace conf {

uint64_t low_bits(unsigned n) { return n >= 64 ? ~uint64_t(0) : (uint64_t(1) << n) - 1; }

Pmu read_pmu() {
    Pmu p;
    p.max_leaf = rt::cpuid(0).eax;
    if (p.max_leaf >= 0xA) {
        rt::CpuidRegs r = rt::cpuid(0xA);
        p.eax = r.eax, p.ebx = r.ebx, p.ecx = r.ecx, p.edx = r.edx;
    }
    p.version = p.eax & 0xFF;
    p.pdcm = (rt::cpuid(1).ecx >> 15) & 1;
    if (p.pdcm) {
        Access caps = rd(msr::kPerfCapabilities);
        p.perf_caps = caps.faulted ? 0 : caps.value;
    }
    if (p.version == 0) return p;
    p.gp = p.eax >> 8 & 0xFF;
    p.gp_width = p.eax >> 16 & 0xFF;
    p.ebx_length = p.eax >> 24;
    if (p.version >= 2) {
        // SDM Vol. 2A CPUID.0AH: EDX[4:0] contiguous fixed counters, EDX[12:5]
        // their width; from v5 "fixed counter i is supported if ECX[i] ||
        // (EDX[4:0] > i)".
        p.fixed_count = p.edx & 0x1F;
        p.fixed_width = p.edx >> 5 & 0xFF;
        p.fixed_bitmap = uint32_t(low_bits(p.fixed_count));
        if (p.version >= 5) p.fixed_bitmap |= p.ecx;
    }
    // AnyThread arrives with v3 (SDM Vol. 3B 21.2.3); CPUID.0AH:EDX[15]
    // deprecates it (v5).
    p.any_thread = p.version >= 3 && !(p.version >= 5 && (p.edx >> 15 & 1));
    p.full_width = p.perf_caps & kPerfCapFwWrite;
    return p;
}

uint64_t Pmu::global_reserved() const {
    // SDM Vol. 4 IA32_PERF_GLOBAL_CTRL/STATUS/STATUS_RESET: 31:n reserved,
    // fixed-counter bits (32 + i) only for supported counters, the rest of
    // 54:35 reserved (bit 35 is FIXED_CTR3 where it exists; bit 48 is
    // PERF_METRICS when IA32_PERF_CAPABILITIES[15] says so).
    uint64_t reserved = low_bits(32) & ~gp_bits();
    for (unsigned i = 0; i < msr::kMaxFixed; ++i) {
        if (!fixed_exists(i)) reserved |= uint64_t(1) << (32 + i);
    }
    reserved |= low_bits(55) & ~low_bits(36);
    if (perf_caps & kPerfCapPerfMetrics) reserved &= ~(uint64_t(1) << 48);
    return reserved;
}

Access rd(uint32_t msr) {
    Access a{};
    a.faulted = !rt::rdmsr_safe(msr, &a.value);
    if (a.faulted) a.vector = rt::last_fault().vector, a.value = 0;
    return a;
}

Access wr(uint32_t msr, uint64_t value) {
    Access a{};
    a.faulted = !rt::wrmsr_safe(msr, value);
    if (a.faulted) a.vector = rt::last_fault().vector;
    return a;
}

}  // namespace conf
