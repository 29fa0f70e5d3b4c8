// vpmu_kvm_rdpmc.h against <linux/kvm.h> as kvm-patches/0003 changes it
// (the build patches the installed header into the build tree, see
// CMakeLists.txt): the header's static_asserts tie its numbers and offsets
// to the uapi definitions, and the completion functions are checked through
// the patched struct's own members, the ones the kernel reads.
#include "vpmu_kvm_rdpmc.h"

#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <type_traits>

#if !VPMU_KVM_PATCHED_UAPI
#error "<linux/kvm.h> is not the header patched by kvm-patches/0003"
#endif

namespace vpmu::kvm_rdpmc {
namespace {

using RdpmcMember = decltype(kvm_run{}.rdpmc);

TEST(PatchedUapi, DefinesTheSeriesNumbers) {
    EXPECT_EQ(KVM_CAP_X86_USER_SPACE_RDPMC, 224);
    EXPECT_EQ(KVM_EXIT_X86_RDPMC, 38);
    EXPECT_EQ(KVM_CAP_X86_USER_SPACE_RDPMC, KVM_CAP_DIRTY_LOG_RING_ACQ_REL + 1);
    EXPECT_EQ(KVM_EXIT_X86_RDPMC, KVM_EXIT_NOTIFY + 1);
}

TEST(PatchedUapi, ExitMemberMatchesTheHeaderLayout) {
    EXPECT_EQ(offsetof(kvm_run, rdpmc), kExitUnionOffset);
    EXPECT_EQ(offsetof(kvm_run, rdpmc.error), kExitUnionOffset + Layout::error);
    EXPECT_EQ(offsetof(kvm_run, rdpmc.pad), kExitUnionOffset + Layout::pad);
    EXPECT_EQ(offsetof(kvm_run, rdpmc.index), kExitUnionOffset + Layout::index);
    EXPECT_EQ(offsetof(kvm_run, rdpmc.data), kExitUnionOffset + Layout::data);
    EXPECT_EQ(sizeof(RdpmcMember), Layout::size);
    EXPECT_EQ(alignof(RdpmcMember), alignof(std::uint64_t));
    // The member does not grow the exit union (fixed at 256 bytes).
    EXPECT_LE(sizeof(RdpmcMember), sizeof(kvm_run{}.padding));
    EXPECT_EQ(offsetof(kvm_run, kvm_valid_regs), offsetof(kvm_run, padding) + 256);

    static_assert(std::is_same_v<decltype(RdpmcMember{}.error), __u8>);
    static_assert(std::is_same_v<decltype(RdpmcMember{}.index), __u32>);
    static_assert(std::is_same_v<decltype(RdpmcMember{}.data), __u64>);
    static_assert(sizeof(RdpmcMember{}.pad) == 3);
}

TEST(PatchedUapi, CompletionWritesThePatchedMembers) {
    auto run = std::make_unique<kvm_run>();
    run->exit_reason = KVM_EXIT_X86_RDPMC;
    run->rdpmc.index = 0x40000002u;
    run->rdpmc.error = 1;
    ASSERT_EQ(rdpmc_index(*run), 0x40000002u);

    complete_rdpmc(*run, 0xfedcba9876543210ull);
    EXPECT_EQ(run->rdpmc.error, 0u);
    EXPECT_EQ(run->rdpmc.data, 0xfedcba9876543210ull);
    EXPECT_EQ(run->rdpmc.index, 0x40000002u);

    fault_rdpmc(*run);
    EXPECT_EQ(run->rdpmc.error, 1u);
    EXPECT_EQ(run->rdpmc.data, 0xfedcba9876543210ull);
}

}  // namespace
}  // namespace vpmu::kvm_rdpmc
