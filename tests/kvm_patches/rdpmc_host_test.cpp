// KVM_CAP_X86_USER_SPACE_RDPMC on the real /dev/kvm. Where the host kernel
// carries kvm-patches/, a real-mode guest executes RDPMC and the test serves
// it from userspace; elsewhere (the capability is absent, as on Debian's
// stock kernels) those tests skip with a one-line reason.
//
// The guest: a few bytes of 16-bit code at 0x1000, an IVT entry for #GP,
// and ports that report what happened:
//   mov ecx, 5; rdpmc; out 0x10, al      RDPMC served, EDX:EAX checked at the exit
//   mov ecx, 7; rdpmc                    RDPMC refused: #GP ...
//   (#GP handler at 0x2000) out 0x11, al ... reaches the handler
#include "vpmu_kvm_rdpmc.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace vpmu::kvm_rdpmc {
namespace {

constexpr std::uint16_t kServedPort = 0x10;
constexpr std::uint16_t kGpPort = 0x11;
constexpr std::uint64_t kCodeGpa = 0x1000;
constexpr std::uint64_t kGpHandlerGpa = 0x2000;
constexpr std::size_t kMemSize = 0x4000;
constexpr const char* kAbsent =
    "host KVM lacks KVM_CAP_X86_USER_SPACE_RDPMC (224): its kernel does not carry kvm-patches/";

class OwnedFd {
public:
    explicit OwnedFd(int fd = -1) : fd_(fd) {}
    ~OwnedFd() {
        if (fd_ >= 0) ::close(fd_);
    }
    OwnedFd(OwnedFd&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
    OwnedFd& operator=(OwnedFd&& o) noexcept {
        std::swap(fd_, o.fd_);
        return *this;
    }
    OwnedFd(const OwnedFd&) = delete;
    OwnedFd& operator=(const OwnedFd&) = delete;
    int get() const { return fd_; }

private:
    int fd_;
};

class Mapping {
public:
    Mapping(void* addr, std::size_t size) : addr_(addr), size_(size) {}
    ~Mapping() {
        if (addr_ != MAP_FAILED) ::munmap(addr_, size_);
    }
    Mapping(const Mapping&) = delete;
    Mapping& operator=(const Mapping&) = delete;
    bool ok() const { return addr_ != MAP_FAILED; }
    template <typename T>
    T* as() const { return static_cast<T*>(addr_); }

private:
    void* addr_;
    std::size_t size_;
};

std::string errno_text() { return std::strerror(errno); }

class RdpmcHostTest : public testing::Test {
protected:
    void SetUp() override {
        kvm_ = OwnedFd(::open("/dev/kvm", O_RDWR | O_CLOEXEC));
        if (kvm_.get() < 0) GTEST_SKIP() << "/dev/kvm is not usable here (" << errno_text() << ")";
        capability_ = ::ioctl(kvm_.get(), KVM_CHECK_EXTENSION, KVM_CAP_X86_USER_SPACE_RDPMC);
    }

    bool has_capability() const { return capability_ > 0; }

    // A VM with one vCPU in real mode at kCodeGpa, running `code`.
    void boot(const std::vector<std::uint8_t>& code) {
        vm_ = OwnedFd(::ioctl(kvm_.get(), KVM_CREATE_VM, 0));
        ASSERT_GE(vm_.get(), 0) << "KVM_CREATE_VM: " << errno_text();

        mem_ = std::make_unique<Mapping>(
            ::mmap(nullptr, kMemSize, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0),
            kMemSize);
        ASSERT_TRUE(mem_->ok()) << "mmap guest memory: " << errno_text();
        auto* mem = mem_->as<std::uint8_t>();
        std::memcpy(mem + kCodeGpa, code.data(), code.size());
        // #GP (vector 13): real-mode IVT entry = offset, segment.
        const std::uint16_t ivt_gp[2] = {static_cast<std::uint16_t>(kGpHandlerGpa), 0};
        std::memcpy(mem + 13 * 4, ivt_gp, sizeof ivt_gp);
        const std::uint8_t handler[] = {0xe6, kGpPort, 0xf4};  // out 0x11, al; hlt
        std::memcpy(mem + kGpHandlerGpa, handler, sizeof handler);

        kvm_userspace_memory_region region{};
        region.slot = 0;
        region.guest_phys_addr = 0;
        region.memory_size = kMemSize;
        region.userspace_addr = reinterpret_cast<std::uint64_t>(mem);
        ASSERT_EQ(::ioctl(vm_.get(), KVM_SET_USER_MEMORY_REGION, &region), 0)
            << "KVM_SET_USER_MEMORY_REGION: " << errno_text();

        vcpu_ = OwnedFd(::ioctl(vm_.get(), KVM_CREATE_VCPU, 0));
        ASSERT_GE(vcpu_.get(), 0) << "KVM_CREATE_VCPU: " << errno_text();
        const int run_size = ::ioctl(kvm_.get(), KVM_GET_VCPU_MMAP_SIZE, 0);
        ASSERT_GT(run_size, 0) << "KVM_GET_VCPU_MMAP_SIZE: " << errno_text();
        run_map_ = std::make_unique<Mapping>(
            ::mmap(nullptr, static_cast<std::size_t>(run_size), PROT_READ | PROT_WRITE, MAP_SHARED,
                   vcpu_.get(), 0),
            static_cast<std::size_t>(run_size));
        ASSERT_TRUE(run_map_->ok()) << "mmap kvm_run: " << errno_text();

        kvm_sregs sregs{};
        ASSERT_EQ(::ioctl(vcpu_.get(), KVM_GET_SREGS, &sregs), 0) << errno_text();
        sregs.cs.base = 0;
        sregs.cs.selector = 0;
        ASSERT_EQ(::ioctl(vcpu_.get(), KVM_SET_SREGS, &sregs), 0) << errno_text();
        kvm_regs regs{};
        regs.rip = kCodeGpa;
        regs.rsp = kMemSize - 0x10;
        regs.rflags = 0x2;
        ASSERT_EQ(::ioctl(vcpu_.get(), KVM_SET_REGS, &regs), 0) << errno_text();
    }

    kvm_run& run() { return *run_map_->as<kvm_run>(); }

    // Runs until an exit other than an interrupted KVM_RUN.
    std::uint32_t run_vcpu() {
        for (int tries = 0; tries < 100; ++tries) {
            if (::ioctl(vcpu_.get(), KVM_RUN, 0) == 0) return run().exit_reason;
            if (errno != EINTR && errno != EAGAIN) break;
        }
        ADD_FAILURE() << "KVM_RUN: " << errno_text();
        return KVM_EXIT_UNKNOWN;
    }

    kvm_regs regs() {
        kvm_regs r{};
        EXPECT_EQ(::ioctl(vcpu_.get(), KVM_GET_REGS, &r), 0) << errno_text();
        return r;
    }

    std::string where() {
        char rip[24];
        std::snprintf(rip, sizeof rip, "%llx", static_cast<unsigned long long>(regs().rip));
        return "exit reason " + std::to_string(run().exit_reason) + ", rip 0x" + rip;
    }

    bool io_exit_on(std::uint16_t port) {
        return run().exit_reason == KVM_EXIT_IO && run().io.port == port;
    }

    OwnedFd kvm_;
    OwnedFd vm_;
    OwnedFd vcpu_;
    std::unique_ptr<Mapping> mem_;
    std::unique_ptr<Mapping> run_map_;
    int capability_ = 0;
};

// mov ecx, imm32 (with the operand-size prefix in 16-bit code); rdpmc
std::vector<std::uint8_t> rdpmc_of(std::uint32_t ecx) {
    std::vector<std::uint8_t> code = {0x66, 0xb9};
    for (int i = 0; i < 4; ++i) code.push_back(static_cast<std::uint8_t>(ecx >> (8 * i)));
    code.insert(code.end(), {0x0f, 0x33});
    return code;
}

std::vector<std::uint8_t> served_then_refused_guest() {
    std::vector<std::uint8_t> code = rdpmc_of(5);
    code.insert(code.end(), {0xe6, kServedPort});  // out 0x10, al
    const std::vector<std::uint8_t> second = rdpmc_of(7);
    code.insert(code.end(), second.begin(), second.end());
    code.push_back(0xf4);  // hlt: not reached, #GP goes to the handler
    return code;
}

TEST_F(RdpmcHostTest, CapabilityIsReportedAndSwitchable) {
    if (!has_capability()) GTEST_SKIP() << kAbsent;
    EXPECT_EQ(capability_, 1);
    const OwnedFd vm(::ioctl(kvm_.get(), KVM_CREATE_VM, 0));
    ASSERT_GE(vm.get(), 0) << "KVM_CREATE_VM: " << errno_text();
    EXPECT_EQ(::ioctl(vm.get(), KVM_CHECK_EXTENSION, KVM_CAP_X86_USER_SPACE_RDPMC), 1);

    kvm_enable_cap bad = enable_cap_request();
    bad.args[0] = 2;
    EXPECT_EQ(::ioctl(vm.get(), KVM_ENABLE_CAP, &bad), -1);
    EXPECT_EQ(errno, EINVAL);
    kvm_enable_cap on = enable_cap_request();
    EXPECT_EQ(::ioctl(vm.get(), KVM_ENABLE_CAP, &on), 0) << errno_text();
    kvm_enable_cap off = enable_cap_request(false);
    EXPECT_EQ(::ioctl(vm.get(), KVM_ENABLE_CAP, &off), 0) << errno_text();
}

TEST_F(RdpmcHostTest, GuestRdpmcIsServedAndRefusedByUserspace) {
    if (!has_capability()) GTEST_SKIP() << kAbsent;
    boot(served_then_refused_guest());
    if (HasFatalFailure()) return;
    kvm_enable_cap on = enable_cap_request();
    ASSERT_EQ(::ioctl(vm_.get(), KVM_ENABLE_CAP, &on), 0) << errno_text();

    ASSERT_EQ(run_vcpu(), kExitX86Rdpmc) << where();
    ASSERT_EQ(rdpmc_index(run()), 5u);
    complete_rdpmc(run(), 0x1122334455667788ull);

    run_vcpu();
    ASSERT_TRUE(io_exit_on(kServedPort)) << where();
    const kvm_regs served = regs();
    EXPECT_EQ(served.rax & 0xffffffffu, 0x55667788u);
    EXPECT_EQ(served.rdx & 0xffffffffu, 0x11223344u);

    ASSERT_EQ(run_vcpu(), kExitX86Rdpmc) << where();
    ASSERT_EQ(rdpmc_index(run()), 7u);
    fault_rdpmc(run());
    run_vcpu();
    ASSERT_TRUE(io_exit_on(kGpPort)) << "no #GP after a refused RDPMC: " << where();
}

// Without the capability the same guest runs on KVM's own answer: this vCPU
// has no PMU (no KVM_SET_CPUID2), so RDPMC raises #GP. This checks the guest
// harness on every host, and shows why the series is needed.
TEST_F(RdpmcHostTest, WithoutTheCapabilityKvmRefusesRdpmc) {
    boot(served_then_refused_guest());
    if (HasFatalFailure()) return;
    const std::uint32_t reason = run_vcpu();
    if (reason == KVM_EXIT_INTERNAL_ERROR || reason == KVM_EXIT_FAIL_ENTRY) {
        GTEST_SKIP() << "this KVM cannot run the real-mode test guest (" << where() << ")";
    }
    EXPECT_TRUE(io_exit_on(kGpPort)) << "expected #GP from KVM's RDPMC: " << where();
}

}  // namespace
}  // namespace vpmu::kvm_rdpmc
