// A KVM vCPU file descriptor and its mmap'd kvm_run area. run() returns the
// exit as a value (kvm/exit.h). Ioctls only, no policy.
#pragma once

#include <linux/kvm.h>

#include <cstddef>
#include <span>

#include "kvm/exit.h"
#include "kvm/fd.h"
#include "vpmu/result.h"

namespace vpmu::kvm {

class Vcpu {
public:
    Vcpu(Fd fd, unsigned id, kvm_run* run, std::size_t run_size)
        : fd_(std::move(fd)), id_(id), run_(run), run_size_(run_size) {}
    ~Vcpu();
    Vcpu(Vcpu&& other) noexcept;
    Vcpu& operator=(Vcpu&&) = delete;
    Vcpu(const Vcpu&) = delete;
    Vcpu& operator=(const Vcpu&) = delete;

    unsigned id() const { return id_; }

    // KVM_RUN. A signal or immediate_exit gives InterruptedExit; any other
    // failure of the ioctl is an Error.
    Result<VcpuExit> run();

    // kvm_run.immediate_exit: when set, the next KVM_RUN returns EINTR
    // without entering the guest. Safe to call from another thread: this is
    // how a watchdog closes the race between "check for stop" and KVM_RUN.
    void set_immediate_exit(bool on);

    Result<kvm_regs> get_regs() const;
    Result<void> set_regs(const kvm_regs& regs);
    Result<kvm_sregs> get_sregs() const;
    Result<void> set_sregs(const kvm_sregs& sregs);
    Result<void> set_cpuid(std::span<const kvm_cpuid_entry2> entries);
    Result<void> set_guest_debug(const kvm_guest_debug& debug);
    Result<std::uint32_t> get_tsc_khz() const;
    // KVM_GET_LAPIC / KVM_SET_LAPIC: the in-kernel local APIC's register page.
    Result<kvm_lapic_state> get_lapic() const;
    Result<void> set_lapic(const kvm_lapic_state& lapic);
    // KVM_NMI: queues an NMI for this vCPU.
    Result<void> nmi();
    // KVM_TRANSLATE: guest-linear to guest-physical with the vCPU's paging.
    Result<kvm_translation> translate(std::uint64_t linear) const;

private:
    Fd fd_;
    unsigned id_;
    kvm_run* run_;
    std::size_t run_size_;
};

}  // namespace vpmu::kvm
