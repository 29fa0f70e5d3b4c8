// The CPUID table a vCPU gets: the host's KVM_GET_SUPPORTED_CPUID with the
// PMU the VPMU model exposes instead of whatever the host has.
//
//  - leaf 0AH = encode_cpuid_0a(config), with the events the counter
//    backend cannot count ORed into EBX; all zero when the PMU is off;
//  - the maximum basic leaf (CPUID.0.EAX) raised to 0AH if lower;
//  - CPUID.01H:ECX.PDCM set iff IA32_PERF_CAPABILITIES exists (PMU on,
//    version >= 2), clear otherwise;
//  - CPUID.01H:EBX[31:24] and the x2APIC ID of leaves 0BH/1FH = the vCPU's
//    APIC ID (KVM numbers local APICs by vCPU id);
//  - AMD's own PMU extensions (CPUID.80000001H:ECX PerfCtrExtCore/NB/LLC,
//    PerfTsc, and leaf 80000022H) removed, so the architectural PMU is the
//    only one a guest finds.
// The vendor string stays the host's (this host: AuthenticAMD).
#pragma once

#include <linux/kvm.h>

#include <cstdint>
#include <vector>

#include "vpmu/config.h"
#include "vpmu/result.h"

namespace vpmu::vmm {

inline constexpr std::uint32_t kCpuid80000001EcxAmdPmuBits =
    (1u << 23) | (1u << 24) | (1u << 27) | (1u << 28);
inline constexpr std::uint32_t kCpuidAmdPerfMonV2Leaf = 0x80000022;

Result<std::vector<kvm_cpuid_entry2>> build_guest_cpuid(std::vector<kvm_cpuid_entry2> supported,
                                                        const PmuConfig& pmu,
                                                        std::uint32_t backend_unavailable_events,
                                                        unsigned apic_id);

// The entry for (function, index), or nullptr.
const kvm_cpuid_entry2* find_cpuid(const std::vector<kvm_cpuid_entry2>& table,
                                   std::uint32_t function, std::uint32_t index = 0);

}  // namespace vpmu::vmm
