// Exits are values: the dispatcher hands each kind to its own handler, and
// the VMM's real handlers are driven here with synthetic exits, no KVM.
#include "vmm/exit_dispatch.h"

#include <linux/kvm.h>

#include <gtest/gtest.h>

#include <cstring>
#include <string>

#include "devices/debug_exit.h"
#include "devices/hypercall.h"
#include "devices/port_bus.h"
#include "devices/uart16550.h"
#include "devices/vm_stop.h"
#include "vmm/vcpu_exits.h"
#include "vpmu/fake_backend.h"
#include "vpmu/vpmu.h"

namespace vpmu::vmm {
namespace {

// Answers every exit with the index of the overload that ran.
class WhichHandler final : public ExitHandler {
public:
    ExitAction handle(const kvm::IoExit&) override { return seen(0); }
    ExitAction handle(const kvm::MsrExit&) override { return seen(1); }
    ExitAction handle(const kvm::MmioExit&) override { return seen(2); }
    ExitAction handle(const kvm::ShutdownExit&) override { return seen(3); }
    ExitAction handle(const kvm::InternalErrorExit&) override { return seen(4); }
    ExitAction handle(const kvm::FailEntryExit&) override { return seen(5); }
    ExitAction handle(const kvm::DebugExit&) override { return seen(6); }
    ExitAction handle(const kvm::HltExit&) override { return seen(7); }
    ExitAction handle(const kvm::SystemEventExit&) override { return seen(8); }
    ExitAction handle(const kvm::IrqWindowExit&) override { return seen(9); }
    ExitAction handle(const kvm::InterruptedExit&) override { return seen(10); }
    ExitAction handle(const kvm::RdpmcExit&) override { return seen(11); }
    ExitAction handle(const kvm::UnknownExit&) override { return seen(12); }
    int last = -1;

private:
    ExitAction seen(int which) {
        last = which;
        return Resume{};
    }
};

template <class Exit>
void expect_routed_to(const Exit& e, int expected) {
    WhichHandler h;
    (void)dispatch_exit(kvm::VcpuExit{e}, h);
    EXPECT_EQ(h.last, expected);
    // The variant's alternative order is the handler order and the name order.
    EXPECT_EQ(kvm::VcpuExit{e}.index(), static_cast<std::size_t>(expected));
}

TEST(ExitDispatch, EachKindReachesItsOwnHandler) {
    expect_routed_to(kvm::IoExit{}, 0);
    expect_routed_to(kvm::MsrExit{}, 1);
    expect_routed_to(kvm::MmioExit{}, 2);
    expect_routed_to(kvm::ShutdownExit{}, 3);
    expect_routed_to(kvm::InternalErrorExit{}, 4);
    expect_routed_to(kvm::FailEntryExit{}, 5);
    expect_routed_to(kvm::DebugExit{}, 6);
    expect_routed_to(kvm::HltExit{}, 7);
    expect_routed_to(kvm::SystemEventExit{}, 8);
    expect_routed_to(kvm::IrqWindowExit{}, 9);
    expect_routed_to(kvm::InterruptedExit{}, 10);
    expect_routed_to(kvm::RdpmcExit{}, 11);
    expect_routed_to(kvm::UnknownExit{}, 12);
    EXPECT_STREQ(exit_kind_name(kvm::VcpuExit{kvm::ShutdownExit{}}), "shutdown");
    EXPECT_STREQ(exit_kind_name(kvm::VcpuExit{kvm::MsrExit{}}), "msr");
}

TEST(ExitDecode, DecodesKvmRunAreas) {
    // A kvm_run followed by room for port data, as KVM lays it out.
    alignas(kvm_run) std::uint8_t area[sizeof(kvm_run) + 64] = {};
    auto* run = reinterpret_cast<kvm_run*>(area);
    run->exit_reason = KVM_EXIT_IO;
    run->io.direction = KVM_EXIT_IO_OUT;
    run->io.size = 1;
    run->io.port = 0x3f8;
    run->io.count = 2;
    run->io.data_offset = sizeof(kvm_run);
    area[sizeof(kvm_run)] = 'o';
    area[sizeof(kvm_run) + 1] = 'k';
    auto exit = kvm::decode_exit(*run);
    auto* io = std::get_if<kvm::IoExit>(&exit);
    ASSERT_NE(io, nullptr);
    EXPECT_EQ(io->port, 0x3f8);
    EXPECT_EQ(io->direction, kvm::IoDirection::out);
    ASSERT_EQ(io->data.size(), 2u);
    EXPECT_EQ(io->data[1], 'k');

    run->exit_reason = KVM_EXIT_X86_RDMSR;
    run->msr.index = 0x38f;
    auto msr = kvm::decode_exit(*run);
    auto* m = std::get_if<kvm::MsrExit>(&msr);
    ASSERT_NE(m, nullptr);
    EXPECT_EQ(m->index, MsrIndex{0x38f});
    m->reply(0x1234);
    EXPECT_EQ(run->msr.data, 0x1234u);  // replies land in kvm_run
    EXPECT_EQ(run->msr.error, 0);
    m->fault();
    EXPECT_EQ(run->msr.error, 1);

    run->exit_reason = KVM_EXIT_SHUTDOWN;
    EXPECT_TRUE(std::holds_alternative<kvm::ShutdownExit>(kvm::decode_exit(*run)));
    run->exit_reason = 12345;
    auto unknown = kvm::decode_exit(*run);
    ASSERT_TRUE(std::holds_alternative<kvm::UnknownExit>(unknown));
    EXPECT_EQ(std::get<kvm::UnknownExit>(unknown).reason, 12345u);
}

class StringConsole final : public dev::ConsoleOutput {
public:
    void put(std::uint8_t byte) override { text.push_back(static_cast<char>(byte)); }
    void flush() override {}
    std::string text;
};

// The VMM's handlers with real devices and a real Vpmu on a fake backend.
class VcpuExitsTest : public testing::Test {
protected:
    void SetUp() override {
        ASSERT_TRUE(bus.add("uart", {dev::kCom1Port, dev::kUartPorts}, uart).ok());
        ASSERT_TRUE(bus.add("debug-exit", {dev::kDebugExitPort, 1}, debug_exit).ok());
        ASSERT_TRUE(bus.add("hypercall", {dev::kHypercallPort, dev::kHypercallPorts}, hypercall).ok());
    }

    ExitAction out(std::uint16_t port, std::vector<std::uint8_t> bytes, std::uint8_t size = 1) {
        kvm::IoExit io{port, size, kvm::IoDirection::out,
                       static_cast<std::uint32_t>(bytes.size() / size), std::span(bytes)};
        return dispatch_exit(io, handler);
    }
    std::vector<std::uint8_t> in(std::uint16_t port, std::uint8_t size) {
        std::vector<std::uint8_t> bytes(size, 0);
        kvm::IoExit io{port, size, kvm::IoDirection::in, 1, std::span(bytes)};
        EXPECT_EQ(dispatch_exit(io, handler), ExitAction{Resume{}});
        return bytes;
    }
    // A synthetic MSR exit; returns the value (reads) and whether #GP was asked.
    struct MsrResult {
        std::uint64_t value;
        bool fault;
    };
    MsrResult msr(kvm::MsrDirection dir, std::uint32_t index, std::uint64_t value = 0) {
        std::uint64_t data = value;
        std::uint8_t error = 0xaa;  // the handler must set it either way
        kvm::MsrExit e{dir, MsrIndex{index}, KVM_MSR_EXIT_REASON_FILTER, &data, &error};
        EXPECT_EQ(dispatch_exit(e, handler), ExitAction{Resume{}});
        EXPECT_TRUE(error == 0 || error == 1) << "error left at " << int{error};
        return {data, error == 1};
    }

    StringConsole console;
    dev::VmStop stop;
    dev::Uart16550 uart{console};
    dev::DebugExit debug_exit{stop};
    dev::HypercallDevice hypercall{1};
    dev::PortBus bus;
    FakeBackend backend;
    Vpmu vpmu{backend};
    ExitStats stats;
    VcpuExitHandler handler{bus, vpmu, 0, stats};
};

TEST_F(VcpuExitsTest, ConsoleBytesIncludingStringIo) {
    EXPECT_EQ(out(0x3f8, {'h'}), ExitAction{Resume{}});
    EXPECT_EQ(out(0x3f8, {'e', 'y', '\n'}), ExitAction{Resume{}});  // rep outsb
    EXPECT_EQ(console.text, "hey\n");
    EXPECT_EQ(in(0x3fd, 1)[0] & 0x60, 0x60);
    EXPECT_EQ(stats.io_ports[0x3f8], 4u);
}

TEST_F(VcpuExitsTest, UnclaimedPortsReadOnesAndAreCounted) {
    EXPECT_EQ(in(0x80, 2), (std::vector<std::uint8_t>{0xff, 0xff}));
    EXPECT_EQ(out(0x80, {1}), ExitAction{Resume{}});
    EXPECT_EQ(stats.unclaimed_io, 2u);
    EXPECT_FALSE(stop.requested());
}

TEST_F(VcpuExitsTest, DebugExitPortStopsTheVmWithTheStatus) {
    EXPECT_EQ(out(0xf4, {7}), ExitAction{Resume{}});
    EXPECT_EQ(stop.outcome(), dev::VmOutcome::guest_exit(7));
}

TEST_F(VcpuExitsTest, HypercallPing) {
    EXPECT_EQ(out(0x600, {0, 0, 0, 0}, 4), ExitAction{Resume{}});
    const auto reply = in(0x600, 4);
    EXPECT_EQ(dev::io_value(reply), dev::kHypercallPingReply);
}

TEST_F(VcpuExitsTest, PmuMsrsReachTheModel) {
    const PmuConfig config;  // the default version 2 PMU
    vpmu.configure(config);
    // What the model says, asked directly, is what the guest gets.
    FakeBackend reference_backend;
    Vpmu reference(reference_backend);
    reference.configure(config);
    for (const msr::Range& r : msr::kPmuMsrRanges) {
        for (std::uint32_t i = r.first; i < r.first + r.count; ++i) {
            const auto expected = reference.rdmsr(MsrIndex{i});
            const auto got = msr(kvm::MsrDirection::read, i);
            EXPECT_EQ(got.fault, !expected.has_value()) << std::hex << "msr 0x" << i;
            if (expected) {
                EXPECT_EQ(got.value, *expected) << std::hex << "msr 0x" << i;
            }
        }
    }
    EXPECT_FALSE(msr(kvm::MsrDirection::write, msr::kPmc0, 0x1234).fault);
    EXPECT_EQ(msr(kvm::MsrDirection::read, msr::kPmc0).value, 0x1234u);
    EXPECT_EQ(stats.msrs[msr::kPmc0].writes, 1u);
}

TEST_F(VcpuExitsTest, ModelFaultsBecomeGuestGp) {
    PmuConfig config;
    config.gp_counters = 2;
    vpmu.configure(config);
    EXPECT_TRUE(msr(kvm::MsrDirection::read, msr::kPmc0 + 2).fault);    // no third counter
    EXPECT_TRUE(msr(kvm::MsrDirection::write, msr::kGlobalStatus, 1).fault);  // read-only
    EXPECT_EQ(stats.msrs[msr::kPmc0 + 2].faults, 1u);
}

TEST_F(VcpuExitsTest, PmuOffMeansEveryPmuMsrFaults) {
    vpmu.configure(PmuConfig::off());
    for (const msr::Range& r : msr::kPmuMsrRanges) {
        for (std::uint32_t i = r.first; i < r.first + r.count; ++i) {
            EXPECT_TRUE(msr(kvm::MsrDirection::read, i).fault) << std::hex << "msr 0x" << i;
            EXPECT_TRUE(msr(kvm::MsrDirection::write, i, 0).fault) << std::hex << "msr 0x" << i;
        }
    }
}

// RDPMC exits (hosts with kvm-patches/) go to the model by RDPMC's index.
TEST_F(VcpuExitsTest, RdpmcExitsReadTheModel) {
    PmuConfig config;  // v2: 4 GP, 3 fixed counters
    vpmu.configure(config);
    ASSERT_FALSE(msr(kvm::MsrDirection::write, msr::kFixedCtr0 + 1, 0x777).fault);
    auto rdpmc = [&](std::uint32_t ecx) {
        std::uint64_t data = 0;
        std::uint8_t error = 0xaa;
        EXPECT_EQ(dispatch_exit(kvm::RdpmcExit{ecx, &data, &error}, handler), ExitAction{Resume{}});
        return std::pair{data, error};
    };
    EXPECT_EQ(rdpmc((1u << 30) | 1), (std::pair<std::uint64_t, std::uint8_t>{0x777, 0}));
    EXPECT_EQ(rdpmc(4).second, 1) << "no fifth GP counter: #GP";
    EXPECT_EQ(stats.rdpmc, 2u);
    EXPECT_EQ(stats.rdpmc_faults, 1u);
}

TEST_F(VcpuExitsTest, NonPmuMsrExitsFault) {
    EXPECT_TRUE(msr(kvm::MsrDirection::read, 0x10).fault);  // IA32_TSC should never come here
    EXPECT_EQ(stats.non_pmu_msr, 1u);
}

std::string failure_of(const ExitAction& action) {
    const Fail* fail = std::get_if<Fail>(&action);
    EXPECT_NE(fail, nullptr) << "expected the vCPU to fail";
    return fail != nullptr ? fail->reason : std::string();
}

TEST_F(VcpuExitsTest, GuestDeathsFailWithAReason) {
    EXPECT_NE(failure_of(dispatch_exit(kvm::ShutdownExit{}, handler)).find("triple fault"),
              std::string::npos);
    kvm::InternalErrorExit emulation{KVM_INTERNAL_ERROR_EMULATION, 0, {}};
    EXPECT_NE(failure_of(dispatch_exit(emulation, handler)).find("emulation failure"),
              std::string::npos);
    EXPECT_NE(failure_of(dispatch_exit(kvm::FailEntryExit{0x21, 0}, handler)).find("0x21"),
              std::string::npos);
    EXPECT_NE(failure_of(dispatch_exit(kvm::UnknownExit{4242}, handler)).find("4242"),
              std::string::npos);
    std::uint8_t data[4] = {};
    kvm::MmioExit mmio{0xfed00000, false, std::span(data)};
    EXPECT_NE(failure_of(dispatch_exit(mmio, handler)).find("0xfed00000"), std::string::npos);
    EXPECT_NE(failure_of(dispatch_exit(kvm::HltExit{}, handler)).find("HLT"), std::string::npos);
    EXPECT_NE(failure_of(dispatch_exit(kvm::SystemEventExit{KVM_SYSTEM_EVENT_RESET}, handler))
                  .find("reset"),
              std::string::npos);
}

TEST_F(VcpuExitsTest, KicksResume) {
    EXPECT_EQ(dispatch_exit(kvm::InterruptedExit{}, handler), ExitAction{Resume{}});
    EXPECT_EQ(dispatch_exit(kvm::IrqWindowExit{}, handler), ExitAction{Resume{}});
}

}  // namespace
}  // namespace vpmu::vmm
