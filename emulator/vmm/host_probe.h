// Facts about this host that need a throwaway VM to learn.
#pragma once

#include <cstdint>

#include "kvm/kvm_system.h"
#include "vpmu/result.h"

namespace vpmu::vmm {

// The TSC frequency KVM gives a new vCPU (KVM_GET_TSC_KHZ), in kHz.
Result<std::uint32_t> probe_guest_tsc_khz(const kvm::KvmSystem& kvm);

}  // namespace vpmu::vmm
