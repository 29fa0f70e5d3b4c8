// CPUID leaf 0AH ("Architectural Performance Monitoring Leaf", SDM Vol. 2A
// CPUID, and Vol. 3B 21.2): encode a PmuConfig into the four registers and
// decode them back. decode(encode(c)) == c for every valid config.
#pragma once

#include <cstdint>

#include "vpmu/config.h"
#include "vpmu/result.h"

namespace vpmu {

struct CpuidLeaf {
    std::uint32_t eax = 0, ebx = 0, ecx = 0, edx = 0;
    friend bool operator==(const CpuidLeaf&, const CpuidLeaf&) = default;
};

inline constexpr std::uint32_t kCpuidPerfmonLeaf = 0x0A;
// CPUID.01H:ECX[15], PDCM: IA32_PERF_CAPABILITIES is present.
inline constexpr std::uint32_t kCpuid1EcxPdcm = 1u << 15;

CpuidLeaf encode_cpuid_0a(const PmuConfig& config);

// Leaf values a guest or a host may present, not only ours: rejects what the
// model cannot represent (e.g. more than eight GP counters) with a message.
Result<PmuConfig> decode_cpuid_0a(const CpuidLeaf& leaf, bool full_width_writes);

}  // namespace vpmu
