// What CPUID says the PMU is (SDM Vol. 2A CPUID leaf 0AH, Vol. 3B 21.2),
// and MSR access that reports faults. Every expectation of the suite is
// derived from a Pmu, never from a configuration.
#pragma once

#include <stdint.h>

namespace conf {

namespace msr {
// Architectural MSRs (SDM Vol. 4, Table 2-2).
inline constexpr uint32_t kPmc0 = 0xC1;          // IA32_PMC0..7
inline constexpr uint32_t kPerfEvtSel0 = 0x186;  // IA32_PERFEVTSEL0..7
inline constexpr uint32_t kFixedCtr0 = 0x309;    // IA32_FIXED_CTR0..3
inline constexpr uint32_t kPerfCapabilities = 0x345;
inline constexpr uint32_t kFixedCtrCtrl = 0x38D;
inline constexpr uint32_t kGlobalStatus = 0x38E;
inline constexpr uint32_t kGlobalCtrl = 0x38F;
inline constexpr uint32_t kGlobalOvfCtrl = 0x390;  // renamed GLOBAL_STATUS_RESET in v4
inline constexpr uint32_t kGlobalStatusSet = 0x391;
inline constexpr uint32_t kGlobalInUse = 0x392;
inline constexpr uint32_t kAPmc0 = 0x4C1;  // IA32_A_PMC0..7
inline constexpr uint32_t kDebugCtl = 0x1D9;  // IA32_DEBUGCTL (bit 12 FREEZE_PERFMON_ON_PMI)
// Eight GP and four fixed counters have architectural MSR addresses.
inline constexpr unsigned kMaxGp = 8;
inline constexpr unsigned kMaxFixed = 4;
}  // namespace msr

// IA32_PERFEVTSELx fields (SDM Vol. 3B Figure 21-1 / 21-6).
namespace evtsel {
inline constexpr uint64_t kUsr = 1u << 16, kOs = 1u << 17, kEdge = 1u << 18, kInt = 1u << 20,
                          kAnyThread = 1u << 21, kEn = 1u << 22, kInv = 1u << 23;
inline constexpr uint64_t kInstructionsRetired = 0xC0;  // architectural event, umask 0
}  // namespace evtsel

// IA32_PERF_CAPABILITIES.FW_WRITE (SDM Vol. 3B 21.2.6 "Full-Width Writes").
inline constexpr uint64_t kPerfCapFwWrite = 1u << 13;
// IA32_PERF_CAPABILITIES.PERF_METRICS_AVAILABLE (bit 15): GLOBAL_CTRL/STATUS
// bit 48 then exists.
inline constexpr uint64_t kPerfCapPerfMetrics = 1u << 15;

uint64_t low_bits(unsigned n);

struct Pmu {
    uint32_t max_leaf = 0;
    uint32_t eax = 0, ebx = 0, ecx = 0, edx = 0;  // CPUID.0AH
    unsigned version = 0;       // EAX[7:0]
    unsigned gp = 0;            // EAX[15:8]
    unsigned gp_width = 0;      // EAX[23:16]
    unsigned ebx_length = 0;    // EAX[31:24]
    unsigned fixed_count = 0;   // EDX[4:0], version > 1
    unsigned fixed_width = 0;   // EDX[12:5], version > 1
    uint32_t fixed_bitmap = 0;  // supported fixed counters: EDX[4:0] contiguous, | ECX from v5
    bool any_thread = false;    // AnyThread (EVTSEL bit 21, FIXED_CTR_CTRL bit 4i+2) valid
    bool pdcm = false;          // CPUID.01H:ECX[15]: IA32_PERF_CAPABILITIES exists
    uint64_t perf_caps = 0;
    bool full_width = false;    // IA32_A_PMCx exist

    unsigned gp_present() const { return gp < msr::kMaxGp ? gp : msr::kMaxGp; }
    bool gp_exists(unsigned i) const { return i < gp_present(); }
    bool fixed_exists(unsigned i) const { return i < msr::kMaxFixed && (fixed_bitmap >> i & 1); }
    bool any_fixed() const { return (fixed_bitmap & 0xF) != 0; }
    uint64_t gp_mask() const { return low_bits(gp_width); }
    uint64_t fixed_mask() const { return low_bits(fixed_width); }
    // Counter bits as laid out in GLOBAL_CTRL/STATUS/OVF_CTRL/INUSE.
    uint64_t gp_bits() const { return low_bits(gp_present()); }
    uint64_t fixed_bits() const { return uint64_t(fixed_bitmap & 0xF) << 32; }
    uint64_t counter_bits() const { return gp_bits() | fixed_bits(); }
    // Bits of the global registers that are reserved whatever the model
    // adds: absent counters and the ranges the SDM marks reserved.
    uint64_t global_reserved() const;
};

Pmu read_pmu();

// An MSR access: a value, or the exception it raised.
struct Access {
    bool faulted;
    uint64_t vector;  // when faulted
    uint64_t value;   // when read without fault
};
Access rd(uint32_t msr);
Access wr(uint32_t msr, uint64_t value);
inline constexpr uint64_t kGp = 13;

}  // namespace conf
