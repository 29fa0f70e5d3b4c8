#include "vmm/msr_filter.h"

#include <gtest/gtest.h>

namespace vpmu::vmm {
namespace {

TEST(MsrFilter, EveryOwnedMsrExitsToUserspaceBothWays) {
    PmuMsrFilter filter;
    for (const msr::Range& r : msr::kOwnedMsrRanges) {
        for (std::uint32_t i = r.first; i < r.first + r.count; ++i) {
            EXPECT_TRUE(msr_filter_denies(filter.get(), i, false)) << std::hex << i;
            EXPECT_TRUE(msr_filter_denies(filter.get(), i, true)) << std::hex << i;
        }
    }
}

TEST(MsrFilter, OtherMsrsStayWithTheKernel) {
    PmuMsrFilter filter;
    for (std::uint32_t index : {0x10u, 0x1bu, 0xc0u, 0xc9u, 0x185u, 0x18eu, 0x308u, 0x30du, 0x344u,
                                0x346u, 0x38cu, 0x393u, 0x4c0u, 0x4c9u, 0xc0000080u, 0xc0010004u}) {
        EXPECT_FALSE(msr_filter_denies(filter.get(), index, false)) << std::hex << index;
        EXPECT_FALSE(msr_filter_denies(filter.get(), index, true)) << std::hex << index;
        EXPECT_EQ(msr::is_owned_msr(MsrIndex{index}), false) << std::hex << index;
    }
}

TEST(MsrFilter, DefaultAllowWithinKvmLimits) {
    PmuMsrFilter filter;
    EXPECT_EQ(filter.get().flags, static_cast<std::uint32_t>(KVM_MSR_FILTER_DEFAULT_ALLOW));
    std::size_t used = 0;
    for (const auto& range : filter.get().ranges) used += range.nmsrs != 0;
    EXPECT_EQ(used, msr::kOwnedMsrRanges.size());
}

}  // namespace
}  // namespace vpmu::vmm
