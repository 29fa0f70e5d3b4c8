#include "vmm/host_probe.h"

namespace vpmu::vmm {

Result<std::uint32_t> probe_guest_tsc_khz(const kvm::KvmSystem& kvm) {
    auto vm = kvm.create_vm();
    if (!vm) return vm.error();
    auto vcpu = vm->create_vcpu(0);
    if (!vcpu) return vcpu.error();
    return vcpu->get_tsc_khz();
}

}  // namespace vpmu::vmm
