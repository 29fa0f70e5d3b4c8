// The MSR filter that sends every PMU MSR to userspace: KVM keeps handling
// all other MSRs (default allow), and each range of msr::kOwnedMsrRanges is
// denied to the kernel for reads and writes. With KVM_CAP_X86_USER_SPACE_MSR
// enabled for KVM_MSR_EXIT_REASON_FILTER, a denied access exits to the VMM
// (KVM_EXIT_X86_RDMSR/WRMSR) instead of raising #GP, and the VPMU model
// alone decides between a value and #GP.
#pragma once

#include <linux/kvm.h>

#include <array>
#include <cstdint>

#include "vpmu/msr.h"

namespace vpmu::vmm {

class PmuMsrFilter {
public:
    PmuMsrFilter();
    // The filter points into this object's bitmaps: neither copy nor move.
    PmuMsrFilter(const PmuMsrFilter&) = delete;
    PmuMsrFilter& operator=(const PmuMsrFilter&) = delete;

    const kvm_msr_filter& get() const { return filter_; }

private:
    static constexpr std::size_t kBitmapBytes = 8;  // room for 64 MSRs per range
    std::array<std::array<std::uint8_t, kBitmapBytes>, msr::kOwnedMsrRanges.size()> bitmaps_{};
    kvm_msr_filter filter_{};
};

// KVM's reading of a filter (Documentation/virt/kvm/api.rst,
// KVM_X86_SET_MSR_FILTER): true when the access is denied to the kernel.
// The first range covering the MSR for this access type decides; a bitmap
// bit of 1 allows, 0 denies; no covering range applies the default action.
bool msr_filter_denies(const kvm_msr_filter& filter, std::uint32_t index, bool write);

}  // namespace vpmu::vmm
