#include "vmm/msr_filter.h"

namespace vpmu::vmm {

namespace {
constexpr bool ranges_fit_bitmaps(std::size_t bitmap_bits) {
    for (const msr::Range& r : msr::kOwnedMsrRanges) {
        if (r.count > bitmap_bits) return false;
    }
    return true;
}
}  // namespace

PmuMsrFilter::PmuMsrFilter() {
    static_assert(msr::kOwnedMsrRanges.size() <= KVM_MSR_FILTER_MAX_RANGES);
    static_assert(ranges_fit_bitmaps(kBitmapBytes * 8));
    filter_.flags = KVM_MSR_FILTER_DEFAULT_ALLOW;
    for (std::size_t i = 0; i < msr::kOwnedMsrRanges.size(); ++i) {
        const msr::Range& r = msr::kOwnedMsrRanges[i];
        kvm_msr_filter_range& range = filter_.ranges[i];
        range.flags = KVM_MSR_FILTER_READ | KVM_MSR_FILTER_WRITE;
        range.nmsrs = r.count;
        range.base = r.first;
        range.bitmap = bitmaps_[i].data();  // all zero: every MSR in the range is denied
    }
}

bool msr_filter_denies(const kvm_msr_filter& filter, std::uint32_t index, bool write) {
    const std::uint32_t access = write ? KVM_MSR_FILTER_WRITE : KVM_MSR_FILTER_READ;
    for (const kvm_msr_filter_range& range : filter.ranges) {
        if ((range.flags & access) == 0 || range.nmsrs == 0) continue;
        if (index < range.base || index - range.base >= range.nmsrs) continue;
        const std::uint32_t bit = index - range.base;
        const bool allowed = (range.bitmap[bit / 8] >> (bit % 8)) & 1;
        return !allowed;
    }
    return (filter.flags & KVM_MSR_FILTER_DEFAULT_DENY) != 0;
}

}  // namespace vpmu::vmm
