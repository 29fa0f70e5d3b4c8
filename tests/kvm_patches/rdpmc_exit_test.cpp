// Decoding and completing KVM_EXIT_X86_RDPMC on a synthetic kvm_run, built
// against the installed (unpatched) <linux/kvm.h>: the header reaches the
// exit member by offset, so these bytes are what the patched kernel reads
// (patched_uapi_test.cpp checks the offsets against the patched header).
#include "vpmu_kvm_rdpmc.h"

#include <gtest/gtest.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>

namespace vpmu::kvm_rdpmc {
namespace {

// The kernel's side of the exchange, as kvm-patches/0003 writes and reads
// the exit (kvm_rdpmc_user_space() and complete_userspace_rdpmc()).
void kernel_exits_with(kvm_run& run, std::uint32_t ecx) {
    run.exit_reason = KVM_EXIT_X86_RDPMC;
    unsigned char* exit = reinterpret_cast<unsigned char*>(&run) + offsetof(kvm_run, hw);
    std::memset(exit, 0, Layout::size);
    std::memcpy(exit + Layout::index, &ecx, sizeof ecx);
}

struct GuestRegs {
    std::uint64_t rax = 0xdeadbeefdeadbeefull;
    std::uint64_t rdx = 0xdeadbeefdeadbeefull;
    bool gp = false;
};

GuestRegs kernel_completes(const kvm_run& run, GuestRegs regs) {
    const unsigned char* exit = reinterpret_cast<const unsigned char*>(&run) + offsetof(kvm_run, hw);
    std::uint64_t data = 0;
    std::memcpy(&data, exit + Layout::data, sizeof data);
    if (exit[Layout::error] != 0) {
        regs.gp = true;
        return regs;
    }
    regs.rax = static_cast<std::uint32_t>(data);
    regs.rdx = data >> 32;
    return regs;
}

class RdpmcExitTest : public testing::Test {
protected:
    std::unique_ptr<kvm_run> run_ = std::make_unique<kvm_run>();
    kvm_run& run() { return *run_; }
    unsigned char* bytes() { return reinterpret_cast<unsigned char*>(run_.get()); }
};

TEST(RdpmcNumbers, AreTheSeriesValuesAndFreeIn61) {
    EXPECT_EQ(kCapUserSpaceRdpmc, 224u);
    EXPECT_EQ(kExitX86Rdpmc, 38u);
    // Linux 6.1's last exit reason is KVM_EXIT_NOTIFY (37).
    EXPECT_GT(kExitX86Rdpmc, static_cast<std::uint32_t>(KVM_EXIT_NOTIFY));
    EXPECT_NE(kExitX86Rdpmc, static_cast<std::uint32_t>(KVM_EXIT_X86_RDMSR));
    EXPECT_NE(kExitX86Rdpmc, static_cast<std::uint32_t>(KVM_EXIT_X86_WRMSR));
}

TEST(RdpmcLayout, SitsInTheExitUnionLikeTheMsrExit) {
    // The exit union follows the 32-byte fixed part of kvm_run on x86-64.
    EXPECT_EQ(kExitUnionOffset, 32u);
    EXPECT_EQ(kExitUnionOffset, offsetof(kvm_run, msr));
    // `error` is the first byte, as in the MSR exit: a VMM clearing it for
    // one exit kind clears it for the other.
    EXPECT_EQ(Layout::error, offsetof(kvm_run, msr.error) - offsetof(kvm_run, msr));
    EXPECT_EQ(Layout::index % alignof(std::uint32_t), 0u);
    EXPECT_EQ(Layout::data % alignof(std::uint64_t), 0u);
    EXPECT_EQ(Layout::size, Layout::data + sizeof(std::uint64_t));
    // It fits the union's fixed 256 bytes: kvm_run's size does not change.
    EXPECT_LE(Layout::size, sizeof(kvm_run{}.padding));
}

TEST_F(RdpmcExitTest, DecodesTheIndexOfAnRdpmcExitOnly) {
    run().exit_reason = KVM_EXIT_X86_RDMSR;
    EXPECT_FALSE(rdpmc_index(run()).has_value());
    run().exit_reason = KVM_EXIT_IO;
    EXPECT_FALSE(rdpmc_index(run()).has_value());

    kernel_exits_with(run(), 0x40000001u);
    ASSERT_TRUE(rdpmc_index(run()).has_value());
    EXPECT_EQ(*rdpmc_index(run()), 0x40000001u);
}

TEST_F(RdpmcExitTest, CompletionHandsTheGuestEdxEax) {
    kernel_exits_with(run(), 0);
    complete_rdpmc(run(), 0x1122334455667788ull);
    EXPECT_EQ(rdpmc_error(run()), 0u);
    EXPECT_EQ(rdpmc_data(run()), 0x1122334455667788ull);

    const GuestRegs regs = kernel_completes(run(), {});
    EXPECT_FALSE(regs.gp);
    EXPECT_EQ(regs.rax, 0x55667788u);  // upper half of RAX cleared
    EXPECT_EQ(regs.rdx, 0x11223344u);
}

TEST_F(RdpmcExitTest, CompletionClearsAnEarlierError) {
    kernel_exits_with(run(), 1);
    fault_rdpmc(run());
    complete_rdpmc(run(), 42);
    EXPECT_EQ(rdpmc_error(run()), 0u);
    EXPECT_FALSE(kernel_completes(run(), {}).gp);
}

TEST_F(RdpmcExitTest, FaultAsksForGpAndLeavesTheRegisters) {
    kernel_exits_with(run(), 0x1234u);
    fault_rdpmc(run());
    EXPECT_EQ(rdpmc_error(run()), 1u);

    const GuestRegs before;
    const GuestRegs regs = kernel_completes(run(), before);
    EXPECT_TRUE(regs.gp);
    EXPECT_EQ(regs.rax, before.rax);
    EXPECT_EQ(regs.rdx, before.rdx);
}

TEST_F(RdpmcExitTest, WritesOnlyTheReplyFields) {
    // Everything in kvm_run but `error` and `data` keeps its bytes: the
    // index, the padding, the rest of the exit union and the fields after it.
    std::memset(bytes(), 0xa5, sizeof(kvm_run));
    run().exit_reason = KVM_EXIT_X86_RDPMC;
    std::array<unsigned char, sizeof(kvm_run)> before{};
    std::memcpy(before.data(), bytes(), sizeof(kvm_run));

    complete_rdpmc(run(), 0x0123456789abcdefull);
    fault_rdpmc(run());
    const std::size_t error = kExitUnionOffset + Layout::error;
    const std::size_t data = kExitUnionOffset + Layout::data;
    for (std::size_t i = 0; i < sizeof(kvm_run); ++i) {
        if (i == error || (i >= data && i < data + sizeof(std::uint64_t))) continue;
        ASSERT_EQ(bytes()[i], before[i]) << "byte " << i << " of kvm_run changed";
    }
    EXPECT_EQ(rdpmc_index(run()), 0xa5a5a5a5u);
}

TEST(RdpmcEcx, DecodesCounterTypeAndFastRead) {
    constexpr RdpmcIndex gp0 = decode_ecx(0);
    EXPECT_EQ(gp0.counter, 0u);
    EXPECT_FALSE(gp0.fixed);
    EXPECT_FALSE(gp0.fast);

    const RdpmcIndex fixed1 = decode_ecx(0x40000001u);
    EXPECT_EQ(fixed1.counter, 1u);
    EXPECT_TRUE(fixed1.fixed);
    EXPECT_FALSE(fixed1.fast);

    const RdpmcIndex fast_gp2 = decode_ecx(0x80000002u);
    EXPECT_EQ(fast_gp2.counter, 2u);
    EXPECT_FALSE(fast_gp2.fixed);
    EXPECT_TRUE(fast_gp2.fast);

    const RdpmcIndex both = decode_ecx(0xffffffffu);
    EXPECT_EQ(both.counter, 0x3fffffffu);
    EXPECT_TRUE(both.fixed);
    EXPECT_TRUE(both.fast);
}

TEST(RdpmcEnableCap, NamesTheCapabilityAndItsSwitch) {
    const kvm_enable_cap on = enable_cap_request();
    EXPECT_EQ(on.cap, 224u);
    EXPECT_EQ(on.flags, 0u);
    EXPECT_EQ(on.args[0], 1u);
    for (std::size_t i = 1; i < 4; ++i) EXPECT_EQ(on.args[i], 0u);

    const kvm_enable_cap off = enable_cap_request(false);
    EXPECT_EQ(off.cap, 224u);
    EXPECT_EQ(off.args[0], 0u);
}

}  // namespace
}  // namespace vpmu::kvm_rdpmc
