// Architectural performance-monitoring MSR indices (Intel SDM Vol. 4,
// "Architectural MSRs", and Vol. 3B ch. 21 "Performance Monitoring").
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace vpmu {

// An MSR index, kept apart from counter indices and values.
struct MsrIndex {
    std::uint32_t value;
    friend constexpr bool operator==(MsrIndex, MsrIndex) = default;
};

namespace msr {

inline constexpr std::uint32_t kPmc0 = 0xC1;             // IA32_PMC0..7
inline constexpr std::uint32_t kPerfEvtSel0 = 0x186;     // IA32_PERFEVTSEL0..7
inline constexpr std::uint32_t kPerfCapabilities = 0x345;
inline constexpr std::uint32_t kFixedCtr0 = 0x309;       // IA32_FIXED_CTR0..3
inline constexpr std::uint32_t kFixedCtrCtrl = 0x38D;
inline constexpr std::uint32_t kGlobalStatus = 0x38E;
inline constexpr std::uint32_t kGlobalCtrl = 0x38F;
// 0x390 is IA32_PERF_GLOBAL_OVF_CTRL up to version 3 and the same register
// renamed IA32_PERF_GLOBAL_STATUS_RESET from version 4 on.
inline constexpr std::uint32_t kGlobalOvfCtrl = 0x390;
inline constexpr std::uint32_t kGlobalStatusReset = 0x390;
inline constexpr std::uint32_t kGlobalStatusSet = 0x391;  // version 4+
inline constexpr std::uint32_t kGlobalInUse = 0x392;      // version 4+
inline constexpr std::uint32_t kAPmc0 = 0x4C1;            // IA32_A_PMC0..7 (full-width writes)
// IA32_DEBUGCTL: the model owns it for FREEZE_PERFMON_ON_PMI (bit 12); no
// LBR, BTS or BTF is exposed, so its other bits are reserved.
inline constexpr std::uint32_t kDebugCtl = 0x1D9;

// The SDM assigns MSR addresses to eight general-purpose counters
// (0xC1-0xC8, 0x186-0x18D, 0x4C1-0x4C8) and four fixed counters
// (0x309-0x30C); the next addresses belong to unrelated MSRs.
inline constexpr unsigned kMaxGpCounters = 8;
inline constexpr unsigned kMaxFixedCounters = 4;

// Every MSR the virtual PMU owns, whatever the configuration: the VMM sends
// all of them to the model, which alone decides between a value and #GP.
struct Range {
    std::uint32_t first;
    std::uint32_t count;
};
inline constexpr std::array<Range, 6> kPmuMsrRanges{{
    {kPmc0, kMaxGpCounters},
    {kPerfEvtSel0, kMaxGpCounters},
    {kFixedCtr0, kMaxFixedCounters},
    {kPerfCapabilities, 1},
    {kFixedCtrCtrl, kGlobalInUse - kFixedCtrCtrl + 1},
    {kAPmc0, kMaxGpCounters},
}};

// What the VMM sends to the model: the PMU MSRs and IA32_DEBUGCTL.
inline constexpr std::array<Range, kPmuMsrRanges.size() + 1> kOwnedMsrRanges = [] {
    std::array<Range, kPmuMsrRanges.size() + 1> all{};
    for (std::size_t i = 0; i < kPmuMsrRanges.size(); ++i) all[i] = kPmuMsrRanges[i];
    all.back() = {kDebugCtl, 1};
    return all;
}();

template <std::size_t N>
constexpr bool in_ranges(const std::array<Range, N>& ranges, MsrIndex index) {
    for (const Range& r : ranges) {
        if (index.value >= r.first && index.value - r.first < r.count) return true;
    }
    return false;
}
constexpr bool is_pmu_msr(MsrIndex index) { return in_ranges(kPmuMsrRanges, index); }
constexpr bool is_owned_msr(MsrIndex index) { return in_ranges(kOwnedMsrRanges, index); }

}  // namespace msr
}  // namespace vpmu
