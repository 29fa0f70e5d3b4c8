// The KVM wrappers and the VirtualMachine API in-process, on /dev/kvm.
#include <gtest/gtest.h>

#include <mutex>

#include "boot/elf_image.h"
#include "boot/pvh.h"
#include "kvm/kvm_system.h"
#include "kvm_fixture.h"
#include "vmm/guest_cpuid.h"
#include "vmm/host_probe.h"
#include "vmm/msr_filter.h"
#include "vmm/supervisor.h"
#include "vmm/virtual_machine.h"

namespace vpmu::test {
namespace {

using vmm::VirtualMachine;

class KvmWrappers : public KvmTest {};

TEST_F(KvmWrappers, SupportedCpuidHasTheBasicLeaves) {
    auto kvm = kvm::KvmSystem::open();
    ASSERT_TRUE(kvm.ok()) << kvm.error().message;
    auto cpuid = kvm->supported_cpuid();
    ASSERT_TRUE(cpuid.ok()) << cpuid.error().message;
    const kvm_cpuid_entry2* leaf0 = vmm::find_cpuid(*cpuid, 0);
    ASSERT_NE(leaf0, nullptr);
    EXPECT_GE(leaf0->eax, 1u);
    EXPECT_NE(vmm::find_cpuid(*cpuid, 1), nullptr);
}

TEST_F(KvmWrappers, FailingIoctlsNameThemselves) {
    auto kvm = kvm::KvmSystem::open();
    ASSERT_TRUE(kvm.ok());
    auto vm = kvm->create_vm();
    ASSERT_TRUE(vm.ok()) << vm.error().message;
    // Slot memory must be page aligned: KVM answers EINVAL.
    auto bad = vm->set_user_memory_region(0, 0x123, 4096, nullptr);
    ASSERT_FALSE(bad.ok());
    EXPECT_NE(bad.error().message.find("KVM_SET_USER_MEMORY_REGION"), std::string::npos);
    EXPECT_NE(bad.error().message.find("errno"), std::string::npos);
}

TEST_F(KvmWrappers, VmSetupTheVmmNeeds) {
    auto kvm = kvm::KvmSystem::open();
    ASSERT_TRUE(kvm.ok());
    auto vm = kvm->create_vm();
    ASSERT_TRUE(vm.ok());
    EXPECT_TRUE(vm->create_irqchip().ok());
    ASSERT_TRUE(vm->enable_cap(KVM_CAP_X86_USER_SPACE_MSR, KVM_MSR_EXIT_REASON_FILTER).ok());
    vmm::PmuMsrFilter filter;
    auto set = vm->set_msr_filter(filter.get());
    EXPECT_TRUE(set.ok()) << set.error().message;
    auto vcpu = vm->create_vcpu(0);
    ASSERT_TRUE(vcpu.ok()) << vcpu.error().message;
    auto regs = vcpu->get_regs();
    ASSERT_TRUE(regs.ok());
    EXPECT_EQ(regs->rip, 0xfff0u);  // the x86 reset vector
    auto khz = vmm::probe_guest_tsc_khz(*kvm);
    ASSERT_TRUE(khz.ok()) << khz.error().message;
    EXPECT_GT(*khz, 0u);
}

class StringConsole final : public dev::ConsoleOutput {
public:
    void put(std::uint8_t byte) override {
        std::lock_guard guard(lock);
        text.push_back(static_cast<char>(byte));
    }
    void flush() override {}
    std::mutex lock;
    std::string text;
};

class VmApi : public KvmTest {
protected:
    std::unique_ptr<VirtualMachine> make(const std::string& cmdline, StringConsole** console_out,
                                         unsigned vcpus = 1) {
        auto kvm = kvm::KvmSystem::open();
        EXPECT_TRUE(kvm.ok());
        if (!kvm.ok()) return nullptr;
        vmm::VmConfig config;
        config.mem_bytes = 16u << 20;
        config.vcpus = vcpus;
        config.backend = BackendKind::unbacked;
        config.cmdline = cmdline;
        auto image = vmm::read_guest_image(BRINGUP64_GUEST, {config.mem_bytes, vmm::kBootGdt, vmm::kBootDataEnd});
        EXPECT_TRUE(image.ok()) << image.error().message;
        if (!image.ok()) return nullptr;
        auto console = std::make_unique<StringConsole>();
        *console_out = console.get();
        auto vm = VirtualMachine::create(*kvm, config, *image, std::move(console));
        EXPECT_TRUE(vm.ok()) << vm.error().message;
        return vm.ok() ? std::move(*vm) : nullptr;
    }
};

TEST_F(VmApi, RunsToTheGuestsExit) {
    StringConsole* console = nullptr;
    std::vector<std::unique_ptr<VirtualMachine>> vms;
    vms.push_back(make("hello exit=12", &console));
    ASSERT_NE(vms[0], nullptr);
    ASSERT_TRUE(vms[0]->start().ok());
    const auto reports = vmm::supervise(vms, std::chrono::seconds(20), nullptr);
    ASSERT_EQ(reports.size(), 1u);
    EXPECT_EQ(reports[0].outcome, dev::VmOutcome::guest_exit(12)) << reports[0].outcome.reason;
    EXPECT_EQ(console->text, "bringup: hello\n");
    EXPECT_GT(reports[0].stats.kinds[0].count, 10u);  // io: at least the console bytes
}

TEST_F(VmApi, StopFromOutsideNamesEveryVcpusRip) {
    StringConsole* console = nullptr;
    std::vector<std::unique_ptr<VirtualMachine>> vms;
    vms.push_back(make("spin", &console, 2));
    ASSERT_NE(vms[0], nullptr);
    ASSERT_TRUE(vms[0]->start().ok());
    const auto reports = vmm::supervise(vms, std::chrono::milliseconds(300), nullptr);
    ASSERT_EQ(reports.size(), 1u);
    EXPECT_EQ(reports[0].outcome.status, dev::kStatusVmFailed);
    EXPECT_NE(reports[0].outcome.reason.find("timeout"), std::string::npos);
    EXPECT_NE(reports[0].outcome.reason.find("vcpu0 at rip=0x"), std::string::npos) << reports[0].outcome.reason;
    EXPECT_NE(reports[0].outcome.reason.find("vcpu1 at rip=0x"), std::string::npos) << reports[0].outcome.reason;
}

TEST_F(VmApi, DestroyingARunningVmStopsIt) {
    StringConsole* console = nullptr;
    auto vm = make("spin", &console);
    ASSERT_NE(vm, nullptr);
    ASSERT_TRUE(vm->start().ok());
    vm.reset();  // must not hang or crash
    SUCCEED();
}

}  // namespace
}  // namespace vpmu::test
