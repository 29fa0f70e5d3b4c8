#include "kvm/vm.h"

#include <sys/mman.h>

#include "kvm/ioctl.h"

namespace vpmu::kvm {

Result<int> Vm::check_extension(int capability) const {
    return checked_ioctl(fd_.get(), KVM_CHECK_EXTENSION, "KVM_CHECK_EXTENSION (VM)", capability);
}

Result<void> Vm::set_user_memory_region(std::uint32_t slot, std::uint64_t gpa,
                                        std::uint64_t size, void* host) {
    kvm_userspace_memory_region region{};
    region.slot = slot;
    region.guest_phys_addr = gpa;
    region.memory_size = size;
    region.userspace_addr = reinterpret_cast<std::uint64_t>(host);
    auto rc = checked_ioctl(fd_.get(), KVM_SET_USER_MEMORY_REGION, "KVM_SET_USER_MEMORY_REGION",
                            &region);
    if (!rc) return rc.error();
    return {};
}

Result<void> Vm::create_irqchip() {
    auto rc = checked_ioctl(fd_.get(), KVM_CREATE_IRQCHIP, "KVM_CREATE_IRQCHIP", 0);
    if (!rc) return rc.error();
    return {};
}

Result<void> Vm::set_tss_addr(std::uint64_t gpa) {
    // KVM takes the address itself as the argument, not a pointer to it.
    auto rc = checked_ioctl(fd_.get(), KVM_SET_TSS_ADDR, "KVM_SET_TSS_ADDR",
                            static_cast<unsigned long>(gpa));
    if (!rc) return rc.error();
    return {};
}

Result<void> Vm::set_identity_map_addr(std::uint64_t gpa) {
    __u64 addr = gpa;
    auto rc = checked_ioctl(fd_.get(), KVM_SET_IDENTITY_MAP_ADDR, "KVM_SET_IDENTITY_MAP_ADDR",
                            &addr);
    if (!rc) return rc.error();
    return {};
}

Result<void> Vm::enable_cap(std::uint32_t capability, std::uint64_t arg0) {
    kvm_enable_cap cap{};
    cap.cap = capability;
    cap.args[0] = arg0;
    auto rc = checked_ioctl(fd_.get(), KVM_ENABLE_CAP, "KVM_ENABLE_CAP", &cap);
    if (!rc) return rc.error();
    return {};
}

Result<void> Vm::set_msr_filter(const kvm_msr_filter& filter) {
    auto rc = checked_ioctl(fd_.get(), KVM_X86_SET_MSR_FILTER, "KVM_X86_SET_MSR_FILTER",
                            &filter);
    if (!rc) return rc.error();
    return {};
}

Result<void> Vm::irq_line(std::uint32_t gsi, bool level) {
    kvm_irq_level irq{};
    irq.irq = gsi;
    irq.level = level ? 1 : 0;
    auto rc = checked_ioctl(fd_.get(), KVM_IRQ_LINE, "KVM_IRQ_LINE", &irq);
    if (!rc) return rc.error();
    return {};
}

Result<Vcpu> Vm::create_vcpu(unsigned id) {
    auto vcpu_fd = checked_ioctl(fd_.get(), KVM_CREATE_VCPU, "KVM_CREATE_VCPU",
                                 static_cast<unsigned long>(id));
    if (!vcpu_fd) return vcpu_fd.error();
    Fd fd(*vcpu_fd);
    void* run = ::mmap(nullptr, vcpu_mmap_size_, PROT_READ | PROT_WRITE, MAP_SHARED, fd.get(), 0);
    if (run == MAP_FAILED) return ioctl_error("mmap of kvm_run", errno);
    return Vcpu(std::move(fd), id, static_cast<kvm_run*>(run), vcpu_mmap_size_);
}

Result<void> Vm::signal_msi(std::uint64_t address, std::uint32_t data) {
    kvm_msi msi{};
    msi.address_lo = static_cast<std::uint32_t>(address);
    msi.address_hi = static_cast<std::uint32_t>(address >> 32);
    msi.data = data;
    auto rc = checked_ioctl(fd_.get(), KVM_SIGNAL_MSI, "KVM_SIGNAL_MSI", &msi);
    if (!rc) return rc.error();
    return {};
}

}  // namespace vpmu::kvm
