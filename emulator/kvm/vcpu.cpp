#include "kvm/vcpu.h"

#include <sys/mman.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <memory>
#include <utility>

#include "kvm/cpuid_buffer.h"
#include "kvm/ioctl.h"

namespace vpmu::kvm {

Vcpu::~Vcpu() {
    if (run_ != nullptr) ::munmap(run_, run_size_);
}

Vcpu::Vcpu(Vcpu&& other) noexcept
    : fd_(std::move(other.fd_)),
      id_(other.id_),
      run_(std::exchange(other.run_, nullptr)),
      run_size_(other.run_size_) {}

Result<VcpuExit> Vcpu::run() {
    if (::ioctl(fd_.get(), KVM_RUN, 0) < 0) {
        if (errno == EINTR) return VcpuExit{InterruptedExit{}};
        return ioctl_error("KVM_RUN", errno);
    }
    return decode_exit(*run_);
}

void Vcpu::set_immediate_exit(bool on) {
    // Written by the watchdog thread while the vCPU thread may be entering
    // KVM_RUN, which reads it in the kernel: an atomic store orders it
    // before the kick signal that follows.
    std::atomic_ref<__u8>(run_->immediate_exit).store(on ? 1 : 0, std::memory_order_seq_cst);
}

Result<kvm_regs> Vcpu::get_regs() const {
    kvm_regs regs{};
    auto rc = checked_ioctl(fd_.get(), KVM_GET_REGS, "KVM_GET_REGS", &regs);
    if (!rc) return rc.error();
    return regs;
}

Result<void> Vcpu::set_regs(const kvm_regs& regs) {
    auto rc = checked_ioctl(fd_.get(), KVM_SET_REGS, "KVM_SET_REGS", &regs);
    if (!rc) return rc.error();
    return {};
}

Result<kvm_sregs> Vcpu::get_sregs() const {
    kvm_sregs sregs{};
    auto rc = checked_ioctl(fd_.get(), KVM_GET_SREGS, "KVM_GET_SREGS", &sregs);
    if (!rc) return rc.error();
    return sregs;
}

Result<void> Vcpu::set_sregs(const kvm_sregs& sregs) {
    auto rc = checked_ioctl(fd_.get(), KVM_SET_SREGS, "KVM_SET_SREGS", &sregs);
    if (!rc) return rc.error();
    return {};
}

Result<void> Vcpu::set_cpuid(std::span<const kvm_cpuid_entry2> entries) {
    CpuidBuffer buffer(entries);
    auto rc = checked_ioctl(fd_.get(), kSetCpuid2, "KVM_SET_CPUID2", buffer.data());
    if (!rc) return rc.error();
    return {};
}

Result<void> Vcpu::set_guest_debug(const kvm_guest_debug& debug) {
    auto rc = checked_ioctl(fd_.get(), KVM_SET_GUEST_DEBUG, "KVM_SET_GUEST_DEBUG", &debug);
    if (!rc) return rc.error();
    return {};
}

Result<std::uint32_t> Vcpu::get_tsc_khz() const {
    auto rc = checked_ioctl(fd_.get(), KVM_GET_TSC_KHZ, "KVM_GET_TSC_KHZ", 0);
    if (!rc) return rc.error();
    return static_cast<std::uint32_t>(*rc);
}

Result<kvm_lapic_state> Vcpu::get_lapic() const {
    kvm_lapic_state lapic{};
    auto rc = checked_ioctl(fd_.get(), KVM_GET_LAPIC, "KVM_GET_LAPIC", &lapic);
    if (!rc) return rc.error();
    return lapic;
}

Result<void> Vcpu::set_lapic(const kvm_lapic_state& lapic) {
    auto rc = checked_ioctl(fd_.get(), KVM_SET_LAPIC, "KVM_SET_LAPIC", &lapic);
    if (!rc) return rc.error();
    return {};
}

Result<void> Vcpu::nmi() {
    auto rc = checked_ioctl(fd_.get(), KVM_NMI, "KVM_NMI", 0);
    if (!rc) return rc.error();
    return {};
}

Result<kvm_translation> Vcpu::translate(std::uint64_t linear) const {
    kvm_translation t{};
    t.linear_address = linear;
    auto rc = checked_ioctl(fd_.get(), KVM_TRANSLATE, "KVM_TRANSLATE", &t);
    if (!rc) return rc.error();
    return t;
}

}  // namespace vpmu::kvm
