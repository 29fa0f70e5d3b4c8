// One VM: its KVM VM, guest RAM, devices and vCPU threads. Nothing here is
// global, so one process runs several VMs side by side (the paper profiles
// five at once). Lifecycle: create() sets up everything that can fail
// before any guest code runs; start() spawns a thread per vCPU; the VM stops
// when its guest exits, a vCPU fails, or stop() is called (watchdog,
// signals); join() collects the outcome and the statistics.
#pragma once

#include <pthread.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "boot/elf_image.h"
#include "boot/guest_memory.h"
#include "devices/console.h"
#include "devices/debug_exit.h"
#include "devices/hypercall.h"
#include "devices/port_bus.h"
#include "devices/uart16550.h"
#include "devices/vm_stop.h"
#include "kvm/kvm_system.h"
#include "vmm/exit_stats.h"
#include "vmm/guest_trace.h"
#include "vmm/msr_filter.h"
#include "vmm/vm_config.h"

namespace vpmu::vmm {

// The signal that kicks a vCPU thread out of KVM_RUN (its handler does
// nothing: the point is the EINTR).
inline constexpr int kKickSignal = SIGUSR1;

struct VmReport {
    std::string name;
    dev::VmOutcome outcome;
    ExitStats stats;  // all vCPUs merged
    std::vector<dev::HypercallDevice::CommandStats> hypercalls;
    GuestTraceStats guest_trace;  // the sync exchanges and the guest's trace (--trace)
    double seconds = 0;  // from start() to the last vCPU's end
};

class VirtualMachine {
public:
    static Result<std::unique_ptr<VirtualMachine>> create(
        const kvm::KvmSystem& kvm, VmConfig config, const GuestImage& image,
        std::unique_ptr<dev::ConsoleOutput> console);
    ~VirtualMachine();
    VirtualMachine(const VirtualMachine&) = delete;
    VirtualMachine& operator=(const VirtualMachine&) = delete;

    const std::string& name() const { return config_.name; }
    // Guest RDPMC is served by the model (host KVM carries kvm-patches/);
    // otherwise KVM answers it, with #GP on hosts without an in-kernel PMU.
    bool rdpmc_exits() const { return rdpmc_exits_; }

    Result<void> start();
    // Becomes readable (eventfd) once every vCPU thread has ended.
    int done_fd() const { return done_fd_.get(); }
    bool finished() const { return running_ == 0; }
    // Ends the run from outside (timeout, signal); a stop already requested wins.
    void stop(dev::VmOutcome outcome);
    bool stop_requested() const { return stop_.requested(); }
    // Kicks every vCPU out of KVM_RUN again (the supervisor's safety net).
    void kick() { kick_all(); }
    // Waits for the vCPU threads; call once, after start().
    VmReport join();

private:
    struct VcpuSlot {
        explicit VcpuSlot(kvm::Vcpu v) : vcpu(std::move(v)) {}
        kvm::Vcpu vcpu;
        ExitStats stats;
        std::optional<std::uint64_t> stop_rip;  // where it was when stopped from outside
        std::thread thread;
        pthread_t handle{};
        bool kickable = false;  // guarded by kick_lock_
    };

    VirtualMachine(VmConfig config, kvm::Vm vm, GuestMemory memory,
                   std::unique_ptr<dev::ConsoleOutput> console,
                   std::vector<kvm_cpuid_entry2> supported_cpuid);
    Result<void> setup_devices();
    Result<void> setup_vcpus();

    void vcpu_thread(VcpuSlot& slot);
    std::optional<dev::VmOutcome> run_vcpu(VcpuSlot& slot);
    void vcpu_finished();
    void kick_all();
    void set_kickable(VcpuSlot& slot, bool kickable);

    VmConfig config_;
    kvm::Vm vm_;
    GuestMemory memory_;
    std::vector<kvm_cpuid_entry2> supported_cpuid_;
    std::uint32_t boot_entry_ = 0;
    std::uint32_t tsc_khz_ = 0;
    bool rdpmc_exits_ = false;
    Gpa start_info_{};

    dev::VmStop stop_;
    std::unique_ptr<dev::ConsoleOutput> console_;
    dev::Uart16550 uart_;
    dev::DebugExit debug_exit_;
    dev::HypercallDevice hypercall_;
    GuestTracer tracer_;
    dev::PortBus bus_;
    PmuMsrFilter msr_filter_;

    std::vector<std::unique_ptr<VcpuSlot>> vcpus_;
    std::mutex kick_lock_;
    std::atomic<unsigned> running_{0};
    std::atomic<bool> failed_in_vcpu_{false};  // the winning stop came with its vCPU's RIP
    kvm::Fd done_fd_;
    std::chrono::steady_clock::time_point started_;
    std::atomic<std::int64_t> elapsed_ns_{0};
    bool joined_ = false;
};

}  // namespace vpmu::vmm
