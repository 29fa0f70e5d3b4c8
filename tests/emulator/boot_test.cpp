// Booting the bring-up guest through the real /dev/kvm with the `vpmu`
// command: exit statuses, console, boot data, CPUID leaf 0AH and PMU MSRs
// against what the model says, and every way a guest can die.
#include <gtest/gtest.h>

#include <csignal>
#include <cstring>
#include <fstream>
#include <sstream>

#include "vpmu/hex.h"
#include "kvm_fixture.h"
#include "subprocess.h"
#include "vpmu/backends.h"
#include "vpmu/cpuid.h"
#include "vpmu/fake_backend.h"
#include "vpmu/vpmu.h"

namespace vpmu::test {
namespace {

class Boot : public KvmTest {
protected:
    // Boots the bring-up guest with `options`, running `words` in the guest.
    ProcessResult boot(std::vector<std::string> options, std::vector<std::string> words,
                       const std::string& guest = BRINGUP64_GUEST) {
        std::vector<std::string> args{"run", "--timeout", "20"};
        args.insert(args.end(), options.begin(), options.end());
        args.push_back(guest);
        args.push_back("--");
        args.insert(args.end(), words.begin(), words.end());
        ProcessResult r = run_vpmu(args);
        EXPECT_FALSE(r.timed_out) << "the VMM itself hung";
        return r;
    }
};

// The VM failed: status 127 and one line naming the reason and where.
void expect_vm_failure(const ProcessResult& r, const std::string& reason) {
    EXPECT_EQ(r.status, 127) << r.err;
    EXPECT_EQ(count_lines(r.err), 1) << r.err;
    EXPECT_NE(r.err.find(reason), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("vm0"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("vcpu0"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("rip=0x"), std::string::npos) << r.err;
}

TEST_F(Boot, ExitStatusPropagates) {
    for (int status : {0, 1, 42, 124}) {
        const ProcessResult r = boot({}, {"exit=" + std::to_string(status)});
        EXPECT_EQ(r.status, status) << r.err;
        EXPECT_TRUE(r.err.empty()) << r.err;
    }
}

TEST_F(Boot, GuestEndingItsWordsExitsZeroAndUnknownWordsThree) {
    EXPECT_EQ(boot({}, {"hello"}).status, 0);
    EXPECT_EQ(boot({}, {"no-such-word"}).status, 3);
}

TEST_F(Boot, ConsoleOutputArrives) {
    const ProcessResult r = boot({}, {"hello"});
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, "bringup: hello\n");
}

TEST_F(Boot, ConsoleToFile) {
    const std::string path = testing::TempDir() + "vpmu-boot-console-" + std::to_string(::getpid());
    const ProcessResult r = boot({"--console", path}, {"hello"});
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_TRUE(r.out.empty()) << r.out;
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    EXPECT_EQ(text.str(), "bringup: hello\n");
    ::unlink(path.c_str());
}

TEST_F(Boot, Elf32GuestBootsToo) {
    const ProcessResult r = boot({}, {"hello", "exit=9"}, BRINGUP32_GUEST);
    EXPECT_EQ(r.status, 9) << r.err;
    EXPECT_EQ(r.out, "bringup: hello\n");
}

TEST_F(Boot, StartInfoCarriesMemoryMapAndCommandLine) {
    const ProcessResult r = boot({"--mem", "32"}, {"startinfo", "extra-arg=1", "exit=0"});
    // The guest prints the command line before it reaches the unknown word.
    EXPECT_EQ(r.status, 3) << r.err;
    EXPECT_EQ(console_value(r.out, "magic="), "0x336ec578");
    EXPECT_EQ(console_value(r.out, "version="), "0x1");
    EXPECT_NE(r.out.find("memmap addr=0x100000 size=" + to_hex((32u << 20) - (1u << 20)) + " type=0x1"),
              std::string::npos)
        << r.out;
    EXPECT_NE(r.out.find("cmdline='startinfo extra-arg=1 exit=0'"), std::string::npos) << r.out;
}

// The leaf the guest reads is encode_cpuid_0a(config), with the events the
// backend cannot count ORed into EBX (`none` cannot count any).
void expect_leaf_0a(const ProcessResult& r, const PmuConfig& config) {
    CpuidLeaf expected{};
    if (config.enabled) {
        expected = encode_cpuid_0a(config);
        expected.ebx |= UnbackedBackend().unavailable_events() & ((1u << config.event_vector_length()) - 1);
    }
    EXPECT_EQ(console_value(r.out, "cpuid 0xa: eax="), to_hex(expected.eax)) << r.out;
    EXPECT_EQ(console_value(r.out, "0xa: eax=" + to_hex(expected.eax) + " ebx="), to_hex(expected.ebx))
        << r.out;
    const std::string line = "cpuid 0xa: eax=" + to_hex(expected.eax) + " ebx=" + to_hex(expected.ebx) +
                             " ecx=" + to_hex(expected.ecx) + " edx=" + to_hex(expected.edx) + "\n";
    EXPECT_NE(r.out.find(line), std::string::npos) << r.out;
}

class CpuidMatrix : public Boot, public testing::WithParamInterface<std::string> {};

TEST_P(CpuidMatrix, GuestSeesTheConfiguredPmu) {
    auto config = parse_pmu_spec(GetParam());
    ASSERT_TRUE(config.ok()) << config.error().message;
    const ProcessResult r = boot({"--pmu", GetParam(), "--backend", "none"}, {"cpuid=0", "cpuid=1", "cpuid=0xa"});
    ASSERT_EQ(r.status, 0) << r.err;
    expect_leaf_0a(r, *config);
    // PDCM (CPUID.01H:ECX[15]) iff IA32_PERF_CAPABILITIES exists.
    const std::string ecx = console_value(r.out, "cpuid 0x1: eax=");
    const std::size_t at = r.out.find("cpuid 0x1:");
    ASSERT_NE(at, std::string::npos);
    const std::uint64_t leaf1_ecx = std::stoull(console_value(r.out.substr(at), "ecx="), nullptr, 16);
    EXPECT_EQ((leaf1_ecx & kCpuid1EcxPdcm) != 0, config->enabled && config->version >= 2);
    // The maximum basic leaf reaches 0AH.
    const std::uint64_t max_leaf = std::stoull(console_value(r.out, "cpuid 0x0: eax="), nullptr, 16);
    EXPECT_GE(max_leaf, 0xau);
}

INSTANTIATE_TEST_SUITE_P(Specs, CpuidMatrix,
                         testing::Values("off", "version=1,gp=2,gp-width=40,fixed=0,fixed-width=0",
                                         "version=2,gp=4,gp-width=48,fixed=3,fixed-width=48",
                                         "version=3,gp=8,gp-width=32,fixed=3,fixed-width=40",
                                         "version=4,gp=6", "version=5,gp=8,fixed=4"));

// The guest's RDMSR/WRMSR of PMU MSRs give what the model gives.
TEST_F(Boot, PmuMsrReadsReachTheModel) {
    const std::string spec = "version=2,gp=4,gp-width=48,fixed=3,fixed-width=48";
    auto config = parse_pmu_spec(spec);
    ASSERT_TRUE(config.ok());
    FakeBackend backend;
    Vpmu model(backend);
    model.configure(*config);

    const std::vector<std::uint32_t> msrs{msr::kPmc0, msr::kPmc0 + 4, msr::kPerfEvtSel0, msr::kFixedCtr0 + 2,
                                          msr::kFixedCtr0 + 3, msr::kPerfCapabilities, msr::kFixedCtrCtrl,
                                          msr::kGlobalStatus, msr::kGlobalCtrl, msr::kGlobalInUse};
    std::vector<std::string> words;
    for (std::uint32_t m : msrs) words.push_back("rdmsr=" + to_hex(m));
    const ProcessResult r = boot({"--pmu", spec, "--backend", "none"}, words);
    ASSERT_EQ(r.status, 0) << r.err;
    for (std::uint32_t m : msrs) {
        const auto expected = model.rdmsr(MsrIndex{m});
        const std::string got = console_value(r.out, "rdmsr " + to_hex(m) + " ");
        if (expected) {
            EXPECT_EQ(console_value(r.out, "rdmsr " + to_hex(m) + " = "), to_hex(*expected)) << r.out;
        } else {
            EXPECT_EQ(got, "#GP") << "msr " << to_hex(m) << "\n" << r.out;
        }
    }
}

TEST_F(Boot, PmuMsrWritesReachTheModel) {
    const ProcessResult r = boot({"--pmu", "version=2,gp=2,gp-width=40", "--backend", "none"},
                                 {"wrmsr=0xc1:0x123456789a", "rdmsr=0xc1", "wrmsr=0xc3:1", "wrmsr=0x38e:1"});
    ASSERT_EQ(r.status, 0) << r.err;
    FakeBackend backend;
    Vpmu model(backend);
    auto config = parse_pmu_spec("version=2,gp=2,gp-width=40");
    ASSERT_TRUE(config.ok());
    model.configure(*config);
    EXPECT_EQ(model.wrmsr(MsrIndex{0xc1}, 0x123456789a) == Access::ok,
              console_value(r.out, "wrmsr 0xc1 ") == "ok");
    EXPECT_EQ(console_value(r.out, "rdmsr 0xc1 = "), to_hex(*model.rdmsr(MsrIndex{0xc1})));
    EXPECT_EQ(console_value(r.out, "wrmsr 0xc3 "), "#GP");   // no third counter
    EXPECT_EQ(console_value(r.out, "wrmsr 0x38e "), "#GP");  // GLOBAL_STATUS is read-only
}

TEST_F(Boot, PmuOffEveryPmuMsrGivesGp) {
    std::vector<std::string> words;
    for (const msr::Range& range : msr::kPmuMsrRanges) {
        words.push_back("rdmsr=" + to_hex(range.first));
        words.push_back("wrmsr=" + to_hex(range.first + range.count - 1) + ":0");
    }
    const ProcessResult r = boot({"--pmu", "off"}, words);
    ASSERT_EQ(r.status, 0) << r.err;
    for (const msr::Range& range : msr::kPmuMsrRanges) {
        EXPECT_EQ(console_value(r.out, "rdmsr " + to_hex(range.first) + " "), "#GP") << r.out;
        EXPECT_EQ(console_value(r.out, "wrmsr " + to_hex(range.first + range.count - 1) + " "), "#GP")
            << r.out;
    }
}

TEST_F(Boot, OtherMsrsStayWithKvm) {
    const ProcessResult r = boot({"--stats"}, {"rdmsr=0x10"});  // IA32_TSC
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_NE(console_value(r.out, "rdmsr 0x10 = "), "") << r.out;
    EXPECT_EQ(r.err.find("msr 0x10:"), std::string::npos) << "IA32_TSC exited to the VMM\n" << r.err;
}

TEST_F(Boot, HypercallPort) {
    const ProcessResult r = boot({}, {"ping", "hypercall=1", "hypercall=0x9999"});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(console_value(r.out, "ping = "), "0x554d5056");
    EXPECT_NE(console_value(r.out, "hypercall 0x1 = "), "0x0");  // the TSC rate in kHz
    EXPECT_EQ(console_value(r.out, "hypercall 0x9999 = "), "0xffffffff");
}

TEST_F(Boot, UartProbesLikeA16550AndEmptyPortsFloat) {
    const ProcessResult r = boot({}, {"uartprobe", "inb=0x80"});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_NE(r.out.find("uartprobe ok\n"), std::string::npos) << r.out;
    EXPECT_EQ(console_value(r.out, "inb 0x80 = "), "0xff");
}

TEST_F(Boot, TripleFaultIsAOneLineFailure) {
    const ProcessResult r = boot({}, {"hello", "triple"});
    expect_vm_failure(r, "triple fault");
    EXPECT_EQ(r.out, "bringup: hello\n");  // console output before the death is kept
}

TEST_F(Boot, TimeoutStopsASpinningGuest) {
    const auto start = std::chrono::steady_clock::now();
    const ProcessResult r = run_vpmu({"run", "--timeout", "0.5", BRINGUP64_GUEST, "--", "spin"});
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    expect_vm_failure(r, "timeout");
    EXPECT_LT(seconds, 10.0);
}

TEST_F(Boot, TimeoutStopsEveryVcpu) {
    const ProcessResult r = run_vpmu({"run", "--timeout", "0.5", "--vcpus", "3", BRINGUP64_GUEST, "--", "spin"});
    expect_vm_failure(r, "timeout");
    EXPECT_NE(r.err.find("vcpu2"), std::string::npos) << r.err;
}

TEST_F(Boot, TerminationSignalsStopTheVmCleanly) {
    for (int signal : {SIGINT, SIGTERM}) {
        const ProcessResult r = run_vpmu({"run", "--vcpus", "2", BRINGUP64_GUEST, "--", "hello", "spin"},
                                         60, SignalAfter{signal, 0.5});
        expect_vm_failure(r, std::string("stopped by signal SIG") + sigabbrev_np(signal));
        EXPECT_EQ(r.out, "bringup: hello\n");  // the console was flushed
    }
}

TEST_F(Boot, MmioOutsideRamIsAOneLineFailure) {
    expect_vm_failure(boot({}, {"mmio"}), "0xc0000000");
}

TEST_F(Boot, DebugExitAboveTheGuestRangeIsAFailure) {
    expect_vm_failure(boot({}, {"exit=200"}), "200");
}

TEST_F(Boot, SeveralVcpus) {
    const ProcessResult r = boot({"--vcpus", "4"}, {"hello", "exit=17"});
    EXPECT_EQ(r.status, 17) << r.err;
    EXPECT_EQ(r.out, "bringup: hello\n");
}

TEST_F(Boot, PinnedVcpu) {
    EXPECT_EQ(boot({"--pin", "0"}, {"exit=4"}).status, 4);
}

TEST_F(Boot, SeveralVmsInOneProcess) {
    const ProcessResult r = boot({"--vms", "5", "--vcpus", "2"}, {"hello", "exit=6"});
    EXPECT_EQ(r.status, 6) << r.err;
    for (int vm = 0; vm < 5; ++vm) {
        EXPECT_NE(r.out.find("[vm" + std::to_string(vm) + "] bringup: hello\n"), std::string::npos) << r.out;
    }
    EXPECT_EQ(count_lines(r.out), 5);
}

TEST_F(Boot, SeveralVmsFailingSayWhichVm) {
    const ProcessResult r = boot({"--vms", "2"}, {"triple"});
    EXPECT_EQ(r.status, 127);
    EXPECT_EQ(count_lines(r.err), 2) << r.err;  // one line per failed VM
    EXPECT_NE(r.err.find("vm1 vcpu0: triple fault"), std::string::npos) << r.err;
}

TEST_F(Boot, StatsReportExitsAndTime) {
    const ProcessResult r = boot({"--stats"}, {"hello", "rdmsr=0xc1"});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_NE(r.err.find("vpmu stats: vm0"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("  io "), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("  msr "), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("msr 0xc1: 1 reads"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace vpmu::test
