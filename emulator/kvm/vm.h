// A KVM virtual machine file descriptor: memory slots, in-kernel irqchip,
// VM capabilities, the MSR filter, vCPU creation. Ioctls only, no policy.
#pragma once

#include <linux/kvm.h>

#include <cstddef>
#include <cstdint>
#include <span>

#include "kvm/fd.h"
#include "kvm/vcpu.h"
#include "vpmu/result.h"

namespace vpmu::kvm {

class Vm {
public:
    Vm(Fd fd, std::size_t vcpu_mmap_size) : fd_(std::move(fd)), vcpu_mmap_size_(vcpu_mmap_size) {}

    Result<int> check_extension(int capability) const;

    // KVM_SET_USER_MEMORY_REGION: maps `size` bytes at `host` to `gpa`.
    Result<void> set_user_memory_region(std::uint32_t slot, std::uint64_t gpa, std::uint64_t size,
                                        void* host);
    // KVM_CREATE_IRQCHIP: in-kernel PIC, IOAPIC and a local APIC per vCPU.
    Result<void> create_irqchip();
    // KVM_SET_TSS_ADDR / KVM_SET_IDENTITY_MAP_ADDR: three (one) pages of
    // guest-physical space KVM may use for real-mode emulation on VMX.
    Result<void> set_tss_addr(std::uint64_t gpa);
    Result<void> set_identity_map_addr(std::uint64_t gpa);
    // KVM_ENABLE_CAP on the VM.
    Result<void> enable_cap(std::uint32_t capability, std::uint64_t arg0);
    // KVM_X86_SET_MSR_FILTER.
    Result<void> set_msr_filter(const kvm_msr_filter& filter);
    // KVM_IRQ_LINE: drives an irqchip input pin (GSI) to `level`.
    Result<void> irq_line(std::uint32_t gsi, bool level);
    // KVM_SIGNAL_MSI: injects a message-signalled interrupt.
    Result<void> signal_msi(std::uint64_t address, std::uint32_t data);

    Result<Vcpu> create_vcpu(unsigned id);

    int fd() const { return fd_.get(); }

private:
    Fd fd_;
    std::size_t vcpu_mmap_size_;
};

}  // namespace vpmu::kvm
