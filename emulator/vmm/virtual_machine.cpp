#include "vmm/virtual_machine.h"

#include "vpmu_kvm_rdpmc.h"

#include <sys/eventfd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <system_error>

#include "boot/pvh.h"

namespace vpmu::vmm {

namespace {

// Three pages KVM may use for real-mode emulation on VMX hosts (the TSS of
// KVM_SET_TSS_ADDR): below the local APIC, far above the largest --mem.
constexpr std::uint64_t kKvmTssAddress = 0xfffbd000;

void install_kick_handler() {
    static std::once_flag once;
    std::call_once(once, [] {
        struct sigaction action {};
        action.sa_handler = [](int) {};  // the EINTR out of KVM_RUN is the point
        sigemptyset(&action.sa_mask);
        action.sa_flags = 0;  // no SA_RESTART: KVM_RUN must return
        sigaction(kKickSignal, &action, nullptr);
    });
}

Result<void> require_capability(const kvm::Vm& vm, int capability, const char* name,
                                const char* why) {
    auto has = vm.check_extension(capability);
    if (!has) return has.error();
    if (*has <= 0) return make_error(std::string("KVM lacks ") + name + ", needed " + why);
    return {};
}

Result<void> setup_kvm_vm(kvm::Vm& vm, GuestMemory& memory, const PmuMsrFilter& filter) {
    if (auto ok = vm.set_user_memory_region(0, 0, memory.size(), memory.host_base_for_kvm()); !ok) {
        return ok;
    }
    // Needed on VMX hosts without unrestricted guest; harmless elsewhere
    // (this PVM host accepts it and boots without it too).
    if (auto has = vm.check_extension(KVM_CAP_SET_TSS_ADDR); has && *has > 0) {
        if (auto ok = vm.set_tss_addr(kKvmTssAddress); !ok) return ok;
    }
    if (auto ok = vm.create_irqchip(); !ok) return ok;
    if (auto ok = require_capability(vm, KVM_CAP_X86_USER_SPACE_MSR, "KVM_CAP_X86_USER_SPACE_MSR",
                                     "to route PMU MSRs to the virtual PMU");
        !ok) {
        return ok;
    }
    if (auto ok = require_capability(vm, KVM_CAP_X86_MSR_FILTER, "KVM_CAP_X86_MSR_FILTER",
                                     "to route PMU MSRs to the virtual PMU");
        !ok) {
        return ok;
    }
    if (auto ok = vm.enable_cap(KVM_CAP_X86_USER_SPACE_MSR, KVM_MSR_EXIT_REASON_FILTER); !ok) {
        return ok;
    }
    return vm.set_msr_filter(filter.get());
}

// Guest RDPMC reaches the model only on hosts with kvm-patches/ (KVM
// answers RDPMC itself otherwise, with #GP when it has no PMU).
Result<bool> enable_rdpmc_exits(kvm::Vm& vm) {
    auto has = vm.check_extension(static_cast<int>(kvm_rdpmc::kCapUserSpaceRdpmc));
    if (!has || *has <= 0) return false;
    if (auto ok = vm.enable_cap(kvm_rdpmc::kCapUserSpaceRdpmc, kvm_rdpmc::kEnable); !ok) return ok.error();
    return true;
}

}  // namespace

VirtualMachine::VirtualMachine(VmConfig config, kvm::Vm vm, GuestMemory memory,
                               std::unique_ptr<dev::ConsoleOutput> console,
                               std::vector<kvm_cpuid_entry2> supported_cpuid)
    : config_(std::move(config)),
      vm_(std::move(vm)),
      memory_(std::move(memory)),
      supported_cpuid_(std::move(supported_cpuid)),
      console_(std::move(console)),
      uart_(*console_, [this](bool level) { (void)vm_.irq_line(dev::kCom1Irq, level); }),
      debug_exit_(stop_),
      hypercall_(config_.vcpus),
      tracer_(config_.vm_uid, config_.vcpus, config_.guest_trace_dir) {}

VirtualMachine::~VirtualMachine() {
    if (!joined_) {
        stop(dev::VmOutcome::failure("VMM shut down"));
        for (auto& slot : vcpus_) {
            if (slot->thread.joinable()) slot->thread.join();
        }
    }
}

Result<std::unique_ptr<VirtualMachine>> VirtualMachine::create(
    const kvm::KvmSystem& kvm, VmConfig config, const GuestImage& image,
    std::unique_ptr<dev::ConsoleOutput> console) {
    auto vm = kvm.create_vm();
    if (!vm) return vm.error();
    auto memory = GuestMemory::allocate(config.mem_bytes);
    if (!memory) return memory.error();
    auto supported = kvm.supported_cpuid();
    if (!supported) return supported.error();

    auto machine = std::unique_ptr<VirtualMachine>(
        new VirtualMachine(std::move(config), std::move(*vm), std::move(*memory),
                           std::move(console), std::move(*supported)));
    if (auto ok = setup_kvm_vm(machine->vm_, machine->memory_, machine->msr_filter_); !ok) {
        return ok.error();
    }
    auto rdpmc = enable_rdpmc_exits(machine->vm_);
    if (!rdpmc) return rdpmc.error();
    machine->rdpmc_exits_ = *rdpmc;
    if (auto ok = load_guest_image(image, machine->memory_); !ok) return ok.error();
    auto start_info = write_pvh_boot_data(machine->memory_, machine->config_.cmdline);
    if (!start_info) return start_info.error();
    machine->start_info_ = *start_info;
    machine->boot_entry_ = image.pvh_entry;
    if (auto ok = machine->setup_devices(); !ok) return ok.error();
    if (auto ok = machine->setup_vcpus(); !ok) return ok.error();
    return machine;
}

Result<void> VirtualMachine::setup_devices() {
    if (auto ok = bus_.add("uart16550", {dev::kCom1Port, dev::kUartPorts}, uart_); !ok) return ok;
    if (auto ok = bus_.add("debug-exit", {dev::kDebugExitPort, 1}, debug_exit_); !ok) return ok;
    if (auto ok = tracer_.attach(hypercall_, memory_); !ok) return ok;
    return bus_.add("hypercall", {dev::kHypercallPort, dev::kHypercallPorts}, hypercall_);
}

Result<void> VirtualMachine::setup_vcpus() {
    for (unsigned i = 0; i < config_.vcpus; ++i) {
        auto vcpu = vm_.create_vcpu(i);
        if (!vcpu) return vcpu.error();
        vcpus_.push_back(std::make_unique<VcpuSlot>(std::move(*vcpu)));
    }
    // The guest's TSC rate, for the tsc_khz hypercall.
    // The guest's TSC rate: the time backend scales to it, and guests ask
    // for it through the tsc_khz hypercall.
    auto khz = vcpus_.front()->vcpu.get_tsc_khz();
    if (!khz) return khz.error();
    tsc_khz_ = *khz;
    hypercall_.set_tsc_khz(tsc_khz_);
    return {};
}

Result<void> VirtualMachine::start() {
    install_kick_handler();
    done_fd_ = kvm::Fd(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
    if (!done_fd_.valid()) {
        // No vCPU ever runs: the stop carries the reason to join().
        const std::string reason = std::string("cannot create the VM's done eventfd: ") + std::strerror(errno);
        stop(dev::VmOutcome::failure(reason));
        return make_error(reason);
    }
    stop_.set_kick([this] { kick_all(); });
    started_ = std::chrono::steady_clock::now();
    running_ = static_cast<unsigned>(vcpus_.size());
    for (std::size_t i = 0; i < vcpus_.size(); ++i) {
        try {
            vcpus_[i]->thread = std::thread([this, s = vcpus_[i].get()] { vcpu_thread(*s); });
        } catch (const std::system_error& e) {
            // Threads already started stop through the latch; the rest never run.
            const std::string reason = std::string("cannot start a vCPU thread: ") + e.what();
            stop(dev::VmOutcome::failure(reason));
            for (std::size_t never = i; never < vcpus_.size(); ++never) vcpu_finished();
            return make_error(reason);
        }
    }
    return {};
}

void VirtualMachine::stop(dev::VmOutcome outcome) { stop_.request(std::move(outcome)); }

void VirtualMachine::vcpu_finished() {
    if (running_.fetch_sub(1) != 1) return;
    elapsed_ns_ = std::chrono::duration_cast<std::chrono::nanoseconds>(
                      std::chrono::steady_clock::now() - started_)
                      .count();
    const std::uint64_t one = 1;
    (void)!::write(done_fd_.get(), &one, sizeof one);  // wakes the supervisor's poll()
}

void VirtualMachine::kick_all() {
    std::lock_guard guard(kick_lock_);
    for (auto& slot : vcpus_) {
        if (!slot->kickable) continue;
        // immediate_exit first: a thread between its stop check and KVM_RUN
        // would otherwise miss the signal and enter the guest again.
        slot->vcpu.set_immediate_exit(true);
        pthread_kill(slot->handle, kKickSignal);
    }
}

void VirtualMachine::set_kickable(VcpuSlot& slot, bool kickable) {
    std::lock_guard guard(kick_lock_);
    slot.handle = pthread_self();
    slot.kickable = kickable;
}

VmReport VirtualMachine::join() {
    for (auto& slot : vcpus_) {
        if (slot->thread.joinable()) slot->thread.join();
    }
    joined_ = true;
    console_->flush();

    VmReport report;
    report.name = config_.name;
    report.outcome = stop_.outcome().value_or(dev::VmOutcome::failure("stopped without a reason"));
    if (!report.outcome.is_guest_exit() && !failed_in_vcpu_) {
        // Stopped from outside or by a device: say where each vCPU was.
        std::string where;
        for (std::size_t i = 0; i < vcpus_.size(); ++i) {
            const auto& rip = vcpus_[i]->stop_rip;
            where += (i == 0 ? " (" : ", ") + std::string("vcpu") + std::to_string(i) +
                     (rip ? " at rip=" + to_hex(*rip) : " rip unknown");
        }
        report.outcome.reason = config_.name + ": " + report.outcome.reason + where + ")";
    }
    for (const auto& slot : vcpus_) report.stats.merge(slot->stats);
    report.hypercalls = hypercall_.stats();
    (void)tracer_.close();  // an error stays in the stats' last_error
    report.guest_trace = tracer_.stats();
    report.seconds = static_cast<double>(elapsed_ns_.load()) / 1e9;
    return report;
}

}  // namespace vpmu::vmm
